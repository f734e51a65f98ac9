# socketpair.py dgram|seqpacket COMMAND ARGS...: runs COMMAND with the two ends of a new UNIX socketpair
# of that type appended to its arguments (sender, receiver), both inherited. Node cannot create one.
import os
import socket
import sys

kind = {"dgram": socket.SOCK_DGRAM, "seqpacket": socket.SOCK_SEQPACKET}[sys.argv[1]]
a, b = socket.socketpair(socket.AF_UNIX, kind)
for s in (a, b):
    os.set_inheritable(s.fileno(), True)
os.execvp(sys.argv[2], sys.argv[2:] + [str(a.fileno()), str(b.fileno())])
