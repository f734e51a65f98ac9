/* Exit record: the contract between bpf/exit.bpf.c (and exit_store.bpf.c) and assembly/generated/exit.ts.
 * One record per process exit (by default: when the last thread of a thread group exits), or one per
 * thread exit on request. Fixed size, largest fields first, no padding holes. */
#ifndef KWIRE_EXIT_H
#define KWIRE_EXIT_H

#define EXIT_COMM_LEN 16
#define EXIT_EVENT_SIZE 72
#define EXIT_LAYOUT_VERSION 1 /* bump on any change to struct exit_event: captures record it */

/* flags */
#define EXIT_F_GROUP_DEAD 0x1 /* the last thread of the group: status is the process's wait status */
#define EXIT_F_FROM_WAIT 0x100 /* written into the store by user space from a wait(2) status */

struct exit_event {
	__u64 start_time; /* boot-time ns the process (thread-group leader) started */
	__u64 exit_time;  /* boot-time ns of the exit (bpf_ktime_get_boot_ns) */
	__u64 cgroup_id;  /* cgroup v2 id of the exiting task */
	__u64 pidns_dev;  /* st_dev of nsfs (stat /proc/self/ns/pid), set by user space */
	__u32 pid;        /* tgid in the initial pid namespace */
	__u32 tid;        /* the exiting thread */
	__u32 ppid;       /* real parent's tgid */
	__u32 status;     /* as wait(2) encodes it: exit code << 8 | core dump 0x80 | terminating signal */
	__u32 pidns;      /* inode of the task's active pid namespace */
	__u32 flags;      /* EXIT_F_* */
	char comm[EXIT_COMM_LEN];
};

/* The exit-status store (bpf/exit_store.bpf.c): tracing_tasks maps a pid, as seen in the pid namespace
 * `pidns`, to the trace id its exit is recorded under in exited_events (trace id -> struct exit_event). */
struct exit_trace {
	__u64 trace_id;
	__u32 pidns; /* inode of the pid namespace `pid` is counted in */
	__u32 pad;   /* zero */
};

#ifndef __cplusplus
_Static_assert(sizeof(struct exit_trace) == 16, "exit_trace size");
#endif

/* sizeof/offsetof checks generated from the layout (packages/kwire/src/layouts/exit.ts) */
#include "generated/exit.h"

#endif
