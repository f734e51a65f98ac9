/* Transport: every built-in source writes through kw_output(), into a BPF ring buffer (`events`,
 * Linux >= 5.8) or, when user space sets kw_use_perf before load, a perf event array (`events_perf`,
 * one perf ring per CPU). The verifier prunes the branch not taken (kw_use_perf is .rodata), so a
 * kernel without ring buffers loads the perf path; user space shrinks the unused map before load. */
#ifndef KWIRE_TRANSPORT_BPF_H
#define KWIRE_TRANSPORT_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* user space may resize before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	/* max_entries 0: libbpf sets it to the number of possible CPUs */
} events_perf SEC(".maps");

const volatile __u32 kw_use_perf = 0;

/* Returns 0 when the record was written, a negative errno when the transport dropped it (ring buffer
 * full: -EAGAIN; perf ring full: -ENOSPC, which the kernel also reports as PERF_RECORD_LOST). */
static __always_inline long kw_output(void *ctx, void *data, __u64 size)
{
	if (kw_use_perf)
		return bpf_perf_event_output(ctx, &events_perf, BPF_F_CURRENT_CPU, data, size);
	return bpf_ringbuf_output(&events, data, size, 0);
}

#endif
