/* Flow record: the contract between bpf/flow.bpf.c and assembly/flow.ts. Exactly 104 bytes, the
 * conntracct layout (DESIGN.md, "Flow record"), plus `kind` in conntracct's padding.
 * Little-endian except the ports, which are big-endian (network order) as on the wire. */
#ifndef KWIRE_FLOW_H
#define KWIRE_FLOW_H

#define FLOW_EVENT_SIZE 104
#define FLOW_LAYOUT_VERSION 1 /* bump on any change to struct flow_event: captures record it */

/* kind */
#define FLOW_KIND_UPDATE 1
#define FLOW_KIND_DESTROY 2

struct flow_event {
	__u64 start;         /* flow start, epoch ns */
	__u64 ts;            /* event time, boot-time ns */
	__u64 cookie;        /* kernel-unique flow identity (a per-probe sequence number) */
	__u8 src_addr[16];   /* IPv4 in bytes 0..3 when bytes 4..15 are zero, else IPv6 */
	__u8 dst_addr[16];
	__u64 packets_orig;
	__u64 bytes_orig;    /* L3 bytes, as conntrack counts them */
	__u64 packets_ret;
	__u64 bytes_ret;
	__u32 connmark;      /* the packet's conntrack mark, 0 when it carries none */
	__u32 netns;         /* network namespace inode */
	__u16 src_port;      /* big-endian; TCP and UDP only, else 0 */
	__u16 dst_port;      /* big-endian */
	__u8 proto;          /* IP protocol number */
	__u8 kind;           /* FLOW_KIND_* */
	__u8 padding[2];     /* zero */
};

#ifndef __cplusplus
_Static_assert(sizeof(struct flow_event) == FLOW_EVENT_SIZE, "flow record size");
_Static_assert(__builtin_offsetof(struct flow_event, start) == 0, "start");
_Static_assert(__builtin_offsetof(struct flow_event, ts) == 8, "ts");
_Static_assert(__builtin_offsetof(struct flow_event, cookie) == 16, "cookie");
_Static_assert(__builtin_offsetof(struct flow_event, src_addr) == 24, "src_addr");
_Static_assert(__builtin_offsetof(struct flow_event, dst_addr) == 40, "dst_addr");
_Static_assert(__builtin_offsetof(struct flow_event, packets_orig) == 56, "packets_orig");
_Static_assert(__builtin_offsetof(struct flow_event, bytes_orig) == 64, "bytes_orig");
_Static_assert(__builtin_offsetof(struct flow_event, packets_ret) == 72, "packets_ret");
_Static_assert(__builtin_offsetof(struct flow_event, bytes_ret) == 80, "bytes_ret");
_Static_assert(__builtin_offsetof(struct flow_event, connmark) == 88, "connmark");
_Static_assert(__builtin_offsetof(struct flow_event, netns) == 92, "netns");
_Static_assert(__builtin_offsetof(struct flow_event, src_port) == 96, "src_port");
_Static_assert(__builtin_offsetof(struct flow_event, dst_port) == 98, "dst_port");
_Static_assert(__builtin_offsetof(struct flow_event, proto) == 100, "proto");
_Static_assert(__builtin_offsetof(struct flow_event, kind) == 101, "kind");
_Static_assert(__builtin_offsetof(struct flow_event, padding) == 102, "padding");
#endif

#endif
