// SPDX-License-Identifier: GPL-2.0
/* kw_loadgen: a load generator for tests and benchmarks. A tc program that is never attached: user
 * space runs it with BPF_PROG_TEST_RUN and `repeat`, and each run emits `burst` loadgen records
 * (include/loadgen.h) into the transport chosen by kw_use_perf, millions per second, with no traffic. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "loadgen.h"
#include "transport.bpf.h"

const volatile __u32 tag = 0;
const volatile __u32 burst = 1; /* records per run, 1..LOADGEN_BURST_MAX */

struct loadgen_cpu kw_cpu[LOADGEN_MAX_CPUS] = {};

/* Keeps struct loadgen_event in the object's BTF, where tests read the layout. */
const struct loadgen_event *unused_loadgen_event __attribute__((unused));

SEC("tc")
int kw_loadgen(struct __sk_buff *skb)
{
	__u32 cpu = bpf_get_smp_processor_id() & (LOADGEN_MAX_CPUS - 1);
	struct loadgen_cpu *c = &kw_cpu[cpu];
	struct loadgen_event e = {};

	e.cpu = cpu;
	e.tag = tag;
	for (__u32 i = 0; i < LOADGEN_BURST_MAX && i < burst; i++) {
		e.seq = __sync_fetch_and_add(&c->seq, 1);
		e.ts = bpf_ktime_get_ns();
		if (kw_output(skb, &e, sizeof(e)))
			__sync_fetch_and_add(&c->dropped, 1);
	}
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "GPL";
