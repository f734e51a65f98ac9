/* Loadgen record: the contract between bpf/loadgen.bpf.c and assembly/generated/loadgen.ts.
 * 104 bytes, the size of the flow record (DESIGN.md), so benchmarks move realistic records.
 * Largest fields first, explicit padding. */
#ifndef KWIRE_LOADGEN_H
#define KWIRE_LOADGEN_H

#define LOADGEN_SIZE 104
#define LOADGEN_FILL_LEN 80
#define LOADGEN_MAX_CPUS 64 /* power of two: per-CPU counters are indexed cpu & (MAX - 1) */
#define LOADGEN_BURST_MAX 64

struct loadgen_event {
	__u64 seq; /* per-CPU sequence number, from 0: gaps mean loss */
	__u64 ts;  /* CLOCK_MONOTONIC ns at emission (bpf_ktime_get_ns), for latency */
	__u32 cpu; /* CPU that emitted the record */
	__u32 tag; /* set by user space before load: tells runs apart */
	__u8 fill[LOADGEN_FILL_LEN]; /* zero */
};

/* Per-CPU counters in .bss, one cache line each. */
struct loadgen_cpu {
	__u64 seq;     /* records generated on this CPU (the next sequence number) */
	__u64 dropped; /* records the transport refused on this CPU */
	__u64 pad[6];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct loadgen_cpu) == 64, "loadgen_cpu size");
#endif

/* sizeof/offsetof checks generated from the layout (packages/kwire/src/layouts/loadgen.ts) */
#include "generated/loadgen.h"

#endif
