// SPDX-License-Identifier: GPL-2.0
/* kw_exit_store: the exit-status store. Records the exit of each traced process (tracing_tasks: pid
 * as seen in a given pid namespace -> trace id) into exited_events (trace id -> exit record), insert
 * only, then forgets the pid so a reused pid is never reported under the same trace id. Loaded once and
 * pinned with its maps (packages/kwire/src/exit-store.ts): it keeps working while no process holds it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exit.bpf.h"

#define MAX_PID_LEVELS 8 /* pid namespaces nest at most 32 deep; 8 covers real containers */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096); /* user space may resize before load */
	__type(key, __u32);
	__type(value, struct exit_trace);
} tracing_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct exit_event);
} exited_events SEC(".maps");

__u64 recorded = 0;
__u64 insert_failed = 0; /* exited_events full (or the trace id already held an exit) */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kw_exit_store, struct task_struct *task, bool group_dead)
{
	struct pid *pid;
	unsigned int level;
	struct exit_event e;

	if (!group_dead)
		return 0;
	pid = BPF_CORE_READ(task, signal, pids[PIDTYPE_TGID]);
	level = BPF_CORE_READ(pid, level);
	/* The process's pid at every namespace level: traced under the one its tracer counts it in. */
	for (unsigned int i = 0; i < MAX_PID_LEVELS; i++) {
		struct upid upid = {};
		struct exit_trace *t;
		__u32 nr, inum;
		__u64 trace_id;

		if (i > level)
			break;
		bpf_core_read(&upid, sizeof(upid), &pid->numbers[i]);
		nr = upid.nr;
		t = bpf_map_lookup_elem(&tracing_tasks, &nr);
		if (!t)
			continue;
		inum = BPF_CORE_READ(upid.ns, ns.inum);
		if (t->pidns != inum)
			continue;
		trace_id = t->trace_id;
		__builtin_memset(&e, 0, sizeof(e));
		fill_exit(&e, task, group_dead);
		if (bpf_map_update_elem(&exited_events, &trace_id, &e, BPF_NOEXIST))
			__sync_fetch_and_add(&insert_failed, 1);
		else
			__sync_fetch_and_add(&recorded, 1);
		bpf_map_delete_elem(&tracing_tasks, &nr);
		break;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
