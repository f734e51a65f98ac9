// SPDX-License-Identifier: GPL-2.0
/* kw_exit: one exit record (include/exit.h) per process exit, when the last thread of the group exits
 * (the wait status is then final), or per thread exit when trace_threads is set. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exit.bpf.h"
#include "transport.bpf.h"

const volatile __u32 target_pidns = 0;  /* 0: every pid namespace */
const volatile __u32 target_pid = 0;    /* 0: every process; else the tgid (initial pid namespace) */
const volatile __u32 target_ppid = 0;   /* 0: every parent */
const volatile __u32 target_uid = 0xffffffff; /* 0xffffffff: every uid */
const volatile __u64 target_cgroup = 0; /* 0: every cgroup; else a cgroup v2 id, and its subtree */
const volatile __u32 target_cgroup_level = 0;
const volatile __u32 trace_threads = 0; /* 1: a record per thread exit */
const volatile __u32 only_failed = 0;   /* 1: only exits with a non-zero status (a code or a signal) */

/* Keeps struct exit_event in the object's BTF, where tests and generators read the layout. */
const struct exit_event *unused_exit_event __attribute__((unused));

__u64 dropped = 0; /* transport full: record lost (perf also reports it as PERF_RECORD_LOST) */
__u64 emitted = 0;

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kw_exit, struct task_struct *task, bool group_dead)
{
	struct exit_event e = {}; /* 72 bytes on the stack: kw_output copies it into either transport */
	struct upid upid = {};

	if (!group_dead && !trace_threads)
		return 0;
	if (target_pidns) {
		active_pid(task, &upid);
		if (BPF_CORE_READ(upid.ns, ns.inum) != target_pidns)
			return 0;
	}
	if (target_pid && (bpf_get_current_pid_tgid() >> 32) != target_pid)
		return 0;
	if (target_ppid && BPF_CORE_READ(task, real_parent, tgid) != target_ppid)
		return 0;
	if (target_uid != 0xffffffff && (__u32)bpf_get_current_uid_gid() != target_uid)
		return 0;
	if (target_cgroup && bpf_get_current_ancestor_cgroup_id(target_cgroup_level) != target_cgroup)
		return 0;
	fill_exit(&e, task, group_dead);
	if (only_failed && e.status == 0)
		return 0;
	if (kw_output(ctx, &e, sizeof(e)))
		__sync_fetch_and_add(&dropped, 1);
	else
		__sync_fetch_and_add(&emitted, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
