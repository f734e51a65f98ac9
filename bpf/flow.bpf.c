// SPDX-License-Identifier: GPL-2.0
/* kw_flow_*: per-flow packet and byte accounting (include/flow.h records), from packet hooks since this
 * kernel has no kprobes for nf_conntrack. A flow is keyed by its 5-tuple (both directions map to one
 * key) and network namespace; its original direction is that of the first packet seen.
 *
 * Counting rule (README, "Flow accounting"): cgroup_skb egress counts every packet a local socket
 * sends; cgroup_skb ingress counts every packet delivered to a local socket EXCEPT those that arrive on
 * the loopback device, which the same namespace already counted at egress. Between two namespaces
 * the two ends are two flows (two netns), as conntrack has two entries, so nothing is counted twice.
 * tc programs (optional) count packets crossing an interface, skipping loopback ingress likewise.
 *
 * Records: an update on the first packet, then per the curve (conntracct's Curve0..2); a destroy with
 * the final counters when a TCP socket closes (both sockets, for a flow inside one namespace) or when
 * a flow has been idle for the timeout (a BPF timer sweeps the table). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "flow.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define FAMILY_INET 2
#define FAMILY_INET6 10
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define STATE_TCP_SYN_SENT 2
#define STATE_TCP_CLOSE 7
#define LOOPBACK_IFINDEX 1 /* lo is ifindex 1 in every namespace */
#define CLOCK_BOOTTIME_ID 7

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* Both directions of a flow share this key: (lo, hi) is the address/port pair ordered. */
struct flow_key {
	__u8 lo_addr[16];
	__u8 hi_addr[16];
	__u32 netns;
	__u16 lo_port; /* network order; the echo id for ICMP echo, to tell pings apart */
	__u16 hi_port;
	__u8 proto;
	__u8 pad[3];
};

struct flow_state {
	__u64 start;       /* boot ns of the first packet */
	__u64 last_seen;
	__u64 last_report; /* boot ns of the last update record */
	__u64 cookie;
	__u64 packets[2];  /* [0] original direction, [1] return */
	__u64 bytes[2];
	__u32 connmark;
	__u32 closes;      /* TCP_CLOSE transitions seen */
	__u8 orig_is_lo;   /* the first packet went lo → hi */
	__u8 looped;       /* both ends are sockets of this namespace (a packet arrived on lo) */
	__u8 closed;       /* its TCP sockets have closed: the destroy waits CLOSE_GRACE_NS for the last packets */
	__u8 pad[5];
	__u64 closed_at;   /* boot ns of that close */
};

/* A socket reaches TCP_CLOSE before the packets of its ending have all been counted (an abortive
 * close sets CLOSE, then sends its RST; an orphan in FIN_WAIT2 closes while its peer still answers):
 * the destroy is written by the sweeper this long after the close, so that they are in it, as in
 * conntrack's entry, instead of starting a flow of their own. */
#define CLOSE_GRACE_NS 20000000ULL

struct pkt {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 icmp_type;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* user space may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* the flow table's bound; user space may resize before load */
	__type(key, struct flow_key);
	__type(value, struct flow_state);
} flows SEC(".maps");

struct sweeper_slot {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sweeper_slot);
} sweeper SEC(".maps");

/* Configuration, set before load (packages/kwire/src/flow.ts). Times in ns. */
const volatile __u64 curve0_age = 0;
const volatile __u64 curve0_rate = 20000000000ULL;
const volatile __u64 curve1_age = 60000000000ULL;
const volatile __u64 curve1_rate = 60000000000ULL;
const volatile __u64 curve2_age = 300000000000ULL;
const volatile __u64 curve2_rate = 300000000000ULL;
const volatile __u64 idle_timeout = 30000000000ULL;      /* flows other than TCP */
const volatile __u64 tcp_idle_timeout = 300000000000ULL; /* TCP flows whose close was not seen */
const volatile __u64 sweep_interval = 1000000000ULL;
const volatile __u64 epoch_offset = 0; /* wall-clock ns minus boot-time ns, for `start` */

/* Keeps struct flow_event in the object's BTF, where tests and generators read the layout. */
const struct flow_event *unused_flow_event __attribute__((unused));

/* Counters (read by user space through the mmaped .bss). */
__u64 emitted_update = 0;
__u64 emitted_destroy = 0;
__u64 dropped_update = 0;  /* ring buffer full: record lost */
__u64 dropped_destroy = 0;
__u64 table_full = 0;      /* a new flow found the table full: its packets went uncounted */
__u64 packets_seen = 0;
__u64 next_cookie = 0;
__u32 sweeper_armed = 0;

static __always_inline int addr_cmp(const __u8 *a, const __u8 *b)
{
	for (int i = 0; i < 16; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* Fills the key; returns 1 when the packet goes lo → hi. */
static __always_inline int make_key(const struct pkt *p, __u32 netns, struct flow_key *k)
{
	int c = addr_cmp(p->src, p->dst);
	int forward = c < 0 || (c == 0 && bpf_ntohs(p->sport) <= bpf_ntohs(p->dport));

	if (forward) {
		__builtin_memcpy(k->lo_addr, p->src, 16);
		__builtin_memcpy(k->hi_addr, p->dst, 16);
		k->lo_port = p->sport;
		k->hi_port = p->dport;
	} else {
		__builtin_memcpy(k->lo_addr, p->dst, 16);
		__builtin_memcpy(k->hi_addr, p->src, 16);
		k->lo_port = p->dport;
		k->hi_port = p->sport;
	}
	k->netns = netns;
	k->proto = p->proto;
	return forward;
}

static __always_inline void emit(const struct flow_key *k, const struct flow_state *st, __u64 now, __u8 kind)
{
	struct flow_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	int ports = k->proto == PROTO_TCP || k->proto == PROTO_UDP;

	if (!e) {
		__sync_fetch_and_add(kind == FLOW_KIND_DESTROY ? &dropped_destroy : &dropped_update, 1);
		return;
	}
	/* every byte written: ring memory is reused */
	e->start = st->start + epoch_offset;
	e->ts = now;
	e->cookie = st->cookie;
	if (st->orig_is_lo) {
		__builtin_memcpy(e->src_addr, k->lo_addr, 16);
		__builtin_memcpy(e->dst_addr, k->hi_addr, 16);
		e->src_port = ports ? k->lo_port : 0;
		e->dst_port = ports ? k->hi_port : 0;
	} else {
		__builtin_memcpy(e->src_addr, k->hi_addr, 16);
		__builtin_memcpy(e->dst_addr, k->lo_addr, 16);
		e->src_port = ports ? k->hi_port : 0;
		e->dst_port = ports ? k->lo_port : 0;
	}
	e->packets_orig = st->packets[0];
	e->bytes_orig = st->bytes[0];
	e->packets_ret = st->packets[1];
	e->bytes_ret = st->bytes[1];
	e->connmark = st->connmark;
	e->netns = k->netns;
	e->proto = k->proto;
	e->kind = kind;
	e->padding[0] = 0;
	e->padding[1] = 0;
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(kind == FLOW_KIND_DESTROY ? &emitted_destroy : &emitted_update, 1);
}

/* The curve: younger than curve0_age, no update; then one per curve0_rate until curve1_age, one per
 * curve1_rate until curve2_age, one per curve2_rate after. Claims the report slot atomically. */
static __always_inline int update_due(struct flow_state *st, __u64 now)
{
	__u64 age = now - st->start, rate, last;

	if (age < curve0_age)
		return 0;
	rate = age < curve1_age ? curve0_rate : age < curve2_age ? curve1_rate : curve2_rate;
	last = st->last_report;
	if (now - last < rate)
		return 0;
	return __sync_val_compare_and_swap(&st->last_report, last, now) == last;
}

struct sweep_ctx {
	__u64 now;
};

static long sweep_one(void *map, struct flow_key *k, struct flow_state *st, struct sweep_ctx *c)
{
	__u64 timeout = k->proto == PROTO_TCP ? tcp_idle_timeout : idle_timeout;

	if (st->closed) {
		if (c->now - st->closed_at >= CLOSE_GRACE_NS) {
			emit(k, st, c->now, FLOW_KIND_DESTROY);
			bpf_map_delete_elem(map, k);
		}
		return 0;
	}
	if (c->now - st->last_seen >= timeout) {
		emit(k, st, c->now, FLOW_KIND_DESTROY);
		bpf_map_delete_elem(map, k);
	}
	return 0;
}

static int sweep(void *map, __u32 *key, struct sweeper_slot *slot)
{
	struct sweep_ctx c = { .now = bpf_ktime_get_boot_ns() };

	bpf_for_each_map_elem(&flows, sweep_one, &c, 0);
	bpf_timer_start(&slot->timer, sweep_interval, 0);
	return 0;
}

/* The first packet arms the idle sweeper (a timer needs a program context to be set up). */
static __always_inline void arm_sweeper(void)
{
	struct sweeper_slot *slot;
	__u32 zero = 0;

	if (sweeper_armed || __sync_val_compare_and_swap(&sweeper_armed, 0, 1) != 0)
		return;
	slot = bpf_map_lookup_elem(&sweeper, &zero);
	if (!slot)
		return;
	bpf_timer_init(&slot->timer, &sweeper, CLOCK_BOOTTIME_ID);
	bpf_timer_set_callback(&slot->timer, sweep);
	bpf_timer_start(&slot->timer, sweep_interval, 0);
}

/* `looped`: the packet went out on lo, so both ends of its flow are in this namespace (tc mode has no
 * ingress on lo to say so): its TCP destroy waits for both sockets. */
static __noinline void account(const struct pkt *p, __u32 netns, __u32 bytes, __u32 mark, __u32 looped)
{
	struct flow_key k = {};
	struct flow_state *st;
	__u64 now = bpf_ktime_get_boot_ns();
	int forward = make_key(p, netns, &k), first = 0, dir;

	__sync_fetch_and_add(&packets_seen, 1);
	arm_sweeper();
	st = bpf_map_lookup_elem(&flows, &k);
	if (!st) {
		struct flow_state init = {};
		long err;

		init.start = now;
		init.last_report = now;
		init.cookie = __sync_fetch_and_add(&next_cookie, 1) + 1;
		init.orig_is_lo = forward;
		err = bpf_map_update_elem(&flows, &k, &init, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST: another CPU created it first */) {
			__sync_fetch_and_add(&table_full, 1);
			return;
		}
		first = err == 0;
		st = bpf_map_lookup_elem(&flows, &k);
		if (!st)
			return;
	}
	dir = forward == st->orig_is_lo ? 0 : 1;
	if (dir == 0) {
		__sync_fetch_and_add(&st->packets[0], 1);
		__sync_fetch_and_add(&st->bytes[0], bytes);
	} else {
		__sync_fetch_and_add(&st->packets[1], 1);
		__sync_fetch_and_add(&st->bytes[1], bytes);
	}
	st->last_seen = now;
	if (mark)
		st->connmark = mark;
	if (looped)
		st->looped = 1;
	if (!st->closed && (first || update_due(st, now)))
		emit(&k, st, now, FLOW_KIND_UPDATE);
}

/* Parses the IP header at `off` and the ports after it. Returns 0 when the packet is not IP. */
static __noinline int parse(struct __sk_buff *skb, __u32 off, struct pkt *p)
{
	__u8 version;
	__u32 l4;

	if (bpf_skb_load_bytes(skb, off, &version, 1))
		return 0;
	if ((version >> 4) == 4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return 0;
		__builtin_memcpy(p->src, &ip.saddr, 4);
		__builtin_memcpy(p->dst, &ip.daddr, 4);
		p->proto = ip.protocol;
		if (ip.frag_off & bpf_htons(0x1fff))
			return 1; /* a later fragment: no L4 header */
		l4 = off + ip.ihl * 4;
	} else if ((version >> 4) == 6) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
			return 0;
		__builtin_memcpy(p->src, &ip6.saddr, 16);
		__builtin_memcpy(p->dst, &ip6.daddr, 16);
		p->proto = ip6.nexthdr; /* extension headers are not walked: README */
		l4 = off + sizeof(ip6);
	} else {
		return 0;
	}
	if (p->proto == PROTO_TCP || p->proto == PROTO_UDP) {
		__u16 ports[2];

		if (!bpf_skb_load_bytes(skb, l4, ports, sizeof(ports))) {
			p->sport = ports[0];
			p->dport = ports[1];
		}
	} else if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) {
		__u8 icmp[6];

		/* Echo request/reply (8/0, 128/129): the id keys the flow, as in conntrack, on the
		 * requester's side, so a reply is the reverse of its request even to oneself. */
		if (!bpf_skb_load_bytes(skb, l4, icmp, sizeof(icmp))) {
			p->icmp_type = icmp[0];
			if (icmp[0] == 8 || icmp[0] == 128)
				__builtin_memcpy(&p->sport, icmp + 4, 2);
			else if (icmp[0] == 0 || icmp[0] == 129)
				__builtin_memcpy(&p->dport, icmp + 4, 2);
		}
	}
	return 1;
}

static __always_inline __u32 connmark_of(struct sk_buff *kskb)
{
	unsigned long nfct = BPF_CORE_READ(kskb, _nfct);
	struct nf_conn *ct = (struct nf_conn *)(nfct & ~7UL);

	if (!ct || !bpf_core_field_exists(ct->mark))
		return 0;
	return BPF_CORE_READ(ct, mark);
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline void on_cgroup_skb(struct __sk_buff *skb, int ingress)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct sock *sk = BPF_CORE_READ(kskb, sk);
	struct pkt p = {};

	if (!sk || !parse(skb, 0, &p))
		return;
	if (ingress && skb->ifindex == LOOPBACK_IFINDEX) {
		/* Looped inside this namespace: counted at egress. Marks the flow so that a TCP destroy
		 * waits for both of its sockets. */
		struct flow_key k = {};
		struct flow_state *st;

		make_key(&p, sk_netns(sk), &k);
		st = bpf_map_lookup_elem(&flows, &k);
		if (st)
			st->looped = 1;
		return;
	}
	if (!ingress && skb->ifindex != LOOPBACK_IFINDEX && (p.icmp_type == 0 || p.icmp_type == 129) &&
	    (p.proto == PROTO_ICMP || p.proto == PROTO_ICMPV6)) {
		/* An echo reply leaving the host answers a request that reached no socket, so no ingress
		 * program saw it: count that request (same size) first, as conntrack did. */
		struct pkt q = p;

		__builtin_memcpy(q.src, p.dst, 16);
		__builtin_memcpy(q.dst, p.src, 16);
		q.sport = p.dport;
		q.dport = p.sport;
		account(&q, sk_netns(sk), skb->len, connmark_of(kskb), 0);
	}
	account(&p, sk_netns(sk), skb->len, connmark_of(kskb), 0);
}

SEC("cgroup_skb/ingress")
int kw_flow_ingress(struct __sk_buff *skb)
{
	on_cgroup_skb(skb, 1);
	return 1;
}

SEC("cgroup_skb/egress")
int kw_flow_egress(struct __sk_buff *skb)
{
	on_cgroup_skb(skb, 0);
	return 1;
}

static __always_inline void on_tc(struct __sk_buff *skb, int ingress)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct pkt p = {};
	__u32 len = skb->len;

	if (ingress && skb->ifindex == LOOPBACK_IFINDEX)
		return;
	if (skb->protocol != bpf_htons(ETH_P_IP) && skb->protocol != bpf_htons(ETH_P_IPV6))
		return;
	if (!parse(skb, ETH_HLEN, &p))
		return;
	account(&p, BPF_CORE_READ(kskb, dev, nd_net.net, ns.inum), len > ETH_HLEN ? len - ETH_HLEN : 0,
		connmark_of(kskb), !ingress && skb->ifindex == LOOPBACK_IFINDEX);
}

SEC("tc")
int kw_flow_tc_ingress(struct __sk_buff *skb)
{
	on_tc(skb, 1);
	return -1; /* TC_ACT_UNSPEC, TCX_NEXT: a counter, not a verdict; what follows still runs */
}

SEC("tc")
int kw_flow_tc_egress(struct __sk_buff *skb)
{
	on_tc(skb, 0);
	return -1;
}

/* A TCP socket closed: the flow's destroy record, with its final counters. A flow with both ends in
 * this namespace waits for its second socket. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(kw_flow_tcp_close, const struct sock *sk, const int oldstate, const int newstate)
{
	struct flow_key k = {};
	struct flow_state *st;
	struct pkt p = {};
	__u16 family;

	if (newstate != STATE_TCP_CLOSE || BPF_CORE_READ(sk, sk_protocol) != PROTO_TCP)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	p.proto = PROTO_TCP;
	/* inet_sport, not skc_num: tcp_set_state() has already released the port (inet_num = 0) */
	p.sport = BPF_CORE_READ((const struct inet_sock *)sk, inet_sport);
	p.dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (family == FAMILY_INET) {
		bpf_core_read(p.src, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(p.dst, 4, &sk->__sk_common.skc_daddr);
	} else if (family == FAMILY_INET6) {
		bpf_core_read(p.src, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(p.dst, 16, &sk->__sk_common.skc_v6_daddr);
		/* v4-mapped (::ffff:a.b.c.d): the packets were IPv4 */
		if (((__u32 *)p.src)[0] == 0 && ((__u32 *)p.src)[1] == 0 && ((__u32 *)p.src)[2] == bpf_htonl(0xffff)) {
			__builtin_memcpy(p.src, p.src + 12, 4);
			__builtin_memcpy(p.dst, p.dst + 12, 4);
			__builtin_memset(p.src + 4, 0, 12);
			__builtin_memset(p.dst + 4, 0, 12);
		}
	} else {
		return 0;
	}
	make_key(&p, sk_netns(sk), &k);
	st = bpf_map_lookup_elem(&flows, &k);
	if (!st)
		return 0;
	/* A flow inside one namespace ends when both its sockets have closed, except a connection that
	 * never got past SYN_SENT (refused, or timed out): it never had a peer socket to wait for. */
	if (__sync_add_and_fetch(&st->closes, 1) < 2 && st->looped && oldstate != STATE_TCP_SYN_SENT)
		return 0;
	st->closed_at = bpf_ktime_get_boot_ns();
	st->closed = 1; /* the sweeper writes the destroy after CLOSE_GRACE_NS */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
