/* BPF-only helpers shared by exit.bpf.c and exit_store.bpf.c: filling an exit record. */
#ifndef KWIRE_EXIT_BPF_H
#define KWIRE_EXIT_BPF_H

#include "exit.h"

#define KW_SIGNAL_GROUP_EXIT 0x4 /* include/linux/sched/signal.h */

const volatile __u64 nsfs_dev = 0; /* st_dev of nsfs, from user space: the same for every namespace */

/* The wait(2) status the parent will see for the group of `task` (kernel/exit.c wait_task_zombie):
 * the group exit code after exit_group or a fatal signal, else the leader's own exit code. Only
 * meaningful once the group is dead. */
static __always_inline __u32 group_wait_status(struct task_struct *task)
{
	struct signal_struct *sig = BPF_CORE_READ(task, signal);

	if (BPF_CORE_READ(sig, flags) & KW_SIGNAL_GROUP_EXIT)
		return BPF_CORE_READ(sig, group_exit_code);
	return BPF_CORE_READ(task, group_leader, exit_code);
}

/* task_active_pid_ns(task): the pid struct's innermost level */
static __always_inline void active_pid(struct task_struct *task, struct upid *out)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);

	bpf_core_read(out, sizeof(*out), &pid->numbers[level]);
}

/* Fills every field of `e` for the exit of `task` (the current task at sched_process_exit). */
static __always_inline void fill_exit(struct exit_event *e, struct task_struct *task, bool group_dead)
{
	struct upid upid = {};
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	active_pid(task, &upid);
	e->start_time = BPF_CORE_READ(task, group_leader, start_boottime);
	e->exit_time = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pidns_dev = nsfs_dev;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->status = group_dead ? group_wait_status(task) : (__u32)BPF_CORE_READ(task, exit_code);
	e->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	e->flags = group_dead ? EXIT_F_GROUP_DEAD : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm)); /* zero-padded */
}

#endif
