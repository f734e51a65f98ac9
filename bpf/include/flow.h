/* Flow record: the contract between bpf/flow.bpf.c and assembly/generated/flow.ts. Exactly 104 bytes, the
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

/* sizeof/offsetof checks generated from the layout (packages/kwire/src/layouts/flow.ts) */
#include "generated/flow.h"

#endif
