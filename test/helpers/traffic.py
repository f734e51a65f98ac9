# Test traffic for live flow tests, run inside a network namespace (ip netns exec).
#   traffic.py tcp-server PORT REPLY_BYTES       accepts one connection, reads to EOF, replies, closes
#   traffic.py tcp-client HOST PORT SEND_BYTES   sends, half-closes, reads the reply to EOF
#   traffic.py udp-server PORT COUNT             echoes COUNT datagrams back
#   traffic.py udp-client HOST PORT SIZE...      one datagram per SIZE, waits for each echo
#   traffic.py udp-many HOST PORT FLOWS BASE     FLOWS datagrams of 32 bytes, from source ports BASE..
#   traffic.py udp-sink PORT SECONDS             binds PORT (v4 and v6) and holds it, never reading
#   traffic.py udp-steady HOST PORT SECONDS MS   one datagram every MS ms for SECONDS from one socket;
#                                               prints the largest gap between two sends, in ms
import socket, sys, time

def family(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET

def main(mode, *a):
    if mode == 'tcp-server':
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('::', int(a[0]))); s.listen(1)
        print('ready', flush=True)
        c, _ = s.accept()
        while c.recv(65536): pass
        c.sendall(b'r' * int(a[1])); c.close(); s.close()
    elif mode == 'tcp-client':
        host, port, n = a[0], int(a[1]), int(a[2])
        for _ in range(100):
            try:
                c = socket.create_connection((host, port)); break
            except OSError: time.sleep(0.05)
        c.sendall(b's' * n); c.shutdown(socket.SHUT_WR)
        got = 0
        while True:
            d = c.recv(65536)
            if not d: break
            got += len(d)
        c.close(); print(got)
    elif mode == 'udp-server':
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', int(a[0])))
        print('ready', flush=True)
        for _ in range(int(a[1])):
            d, peer = s.recvfrom(65536); s.sendto(d, peer)
    elif mode == 'udp-client':
        host, port = a[0], int(a[1])
        s = socket.socket(family(host), socket.SOCK_DGRAM); s.settimeout(5)
        for size in a[2:]:
            s.sendto(b'u' * int(size), (host, port)); s.recvfrom(65536)
    elif mode == 'udp-many':
        host, port, n, base = a[0], int(a[1]), int(a[2]), int(a[3])
        for i in range(n):
            s = socket.socket(family(host), socket.SOCK_DGRAM)
            s.bind(('', base + i)); s.sendto(b'm' * 32, (host, port)); s.close()
    elif mode == 'udp-sink':
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', int(a[0])))
        print('ready', flush=True)
        time.sleep(float(a[1]))
    elif mode == 'udp-steady':
        host, port, secs, ms = a[0], int(a[1]), float(a[2]), float(a[3])
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        end = time.monotonic() + secs
        nxt = time.monotonic()
        last, maxgap = None, 0.0
        while time.monotonic() < end:
            s.sendto(b'd' * 64, (host, port))
            now = time.monotonic()
            if last is not None: maxgap = max(maxgap, now - last)
            last = now
            nxt += ms / 1000
            time.sleep(max(0, nxt - time.monotonic()))
        print('maxgap', maxgap * 1000, flush=True)

main(*sys.argv[1:])
