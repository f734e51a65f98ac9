/* Exec record: the contract between bpf/exec.bpf.c and assembly/exec.ts.
 * One record per successful execve/execveat (tracepoint sched/sched_process_exec), and, when asked,
 * per failed one (at the syscall's return, EXEC_F_FAILED with its errno).
 * argv is the caller's, as execve(2) received it (read at the syscall's entry; a script's original
 * argv[0] included), or, for an exec whose entry was not seen, the new process's.
 * Fixed head of EXEC_HEAD_SIZE bytes, then a variable tail of args_size bytes:
 * filename NUL, then argv[0] NUL argv[1] NUL ... Only head + args_size bytes are emitted.
 * Largest fields first, explicit sizes, no padding holes (libbpf-tools execsnoop.h style). */
#ifndef KWIRE_EXEC_H
#define KWIRE_EXEC_H

#define EXEC_COMM_LEN 16
#define EXEC_FILENAME_MAX 4096 /* bytes of filename kept, NUL included */
#define EXEC_ARGV_MAX 8192     /* bytes of argv kept, NULs included: the kernel-side limit */
#define EXEC_HEAD_SIZE 64
#define EXEC_LAYOUT_VERSION 1  /* bump on any change to struct exec_event: captures record it */
#define EXEC_TAIL_MAX (EXEC_FILENAME_MAX + EXEC_ARGV_MAX)

/* flags */
#define EXEC_F_ARGV_TRUNCATED 0x1     /* argv longer than EXEC_ARGV_MAX: tail holds a prefix, last arg may be cut */
#define EXEC_F_FILENAME_TRUNCATED 0x2 /* filename longer than EXEC_FILENAME_MAX */
#define EXEC_F_ARGV_FAULT 0x4         /* argv could not be read from the new process's memory */
#define EXEC_F_FAILED 0x8             /* the exec failed: bits 16..31 hold its errno (trace_failed) */
#define EXEC_F_ERRNO_SHIFT 16

struct exec_event {
	__u64 ts;        /* boot-time ns (bpf_ktime_get_boot_ns) */
	__u64 cgroup_id; /* cgroup v2 id of the task */
	__u32 pid;       /* tgid in the initial pid namespace */
	__u32 ppid;      /* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 pidns;     /* inode of the task's active pid namespace */
	__u32 argc;      /* number of argv strings in the tail (after the filename) */
	__u32 args_size; /* bytes of tail: filename + argv, NULs included */
	__u32 flags;     /* EXEC_F_*; bits 16..31: errno of a failed exec */
	char comm[EXEC_COMM_LEN];
	char args[];     /* EXEC_TAIL_MAX at most */
};

#define EXEC_EVENT_SIZE(e) (EXEC_HEAD_SIZE + (e)->args_size)

/* sizeof/offsetof checks generated from the layout (packages/kwire/src/layouts/exec.ts) */
#include "generated/exec.h"

#endif
