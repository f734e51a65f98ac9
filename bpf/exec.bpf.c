// SPDX-License-Identifier: GPL-2.0
/* kw_exec: one exec record (include/exec.h) per successful execve/execveat.
 * The record is built in a per-CPU scratch buffer and only head + args_size bytes are emitted. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec.h"
#include "transport.bpf.h"

/* Power of two >= head + tail: offsets and lengths are masked so the verifier can bound them; twice
 * that, so that a masked offset plus a string's bound stays inside. */
#define SCRATCH_SIZE 16384
#define SCRATCH_MASK (SCRATCH_SIZE - 1)
#define RECORD_MAX (EXEC_HEAD_SIZE + EXEC_TAIL_MAX)
#define MAX_ARGS 1024
_Static_assert(EXEC_HEAD_SIZE + EXEC_TAIL_MAX <= SCRATCH_SIZE, "scratch buffer too small");
_Static_assert((EXEC_FILENAME_MAX & (EXEC_FILENAME_MAX - 1)) == 0, "EXEC_FILENAME_MAX: power of two");
_Static_assert((EXEC_ARGV_MAX & (EXEC_ARGV_MAX - 1)) == 0, "EXEC_ARGV_MAX: power of two");

struct scratch {
	__u8 b[2 * SCRATCH_SIZE];
};

/* A record being built: from an execve/execveat's entry (the caller's filename and argv) until its
 * sched_process_exec (then emitted with the new process's head) or its return (failed). By thread. */
struct pending_exec {
	__u8 b[RECORD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct pending_exec);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

const volatile __u32 target_pidns = 0; /* 0: every pid namespace */
const volatile __u32 target_pid = 0;   /* 0: every process; else the tgid (initial pid namespace) */
const volatile __u32 target_ppid = 0;  /* 0: every parent */
const volatile __u32 target_uid = 0xffffffff; /* 0xffffffff: every uid */
const volatile __u64 target_cgroup = 0; /* 0: every cgroup; else a cgroup v2 id, and its subtree */
const volatile __u32 target_cgroup_level = 0; /* that cgroup's level (the root is 0) */
const volatile __u32 trace_failed = 0; /* 1: a record for each failed exec too */

/* Keeps struct exec_event in the object's BTF, where tests and generators read the layout. */
const struct exec_event *unused_exec_event __attribute__((unused));

__u64 dropped = 0; /* transport full: record lost (perf also reports it as PERF_RECORD_LOST) */
__u64 emitted = 0;

/* inode of task_active_pid_ns(task): task->thread_pid->numbers[level].ns->ns.inum */
static __always_inline __u32 active_pidns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return BPF_CORE_READ(upid.ns, ns.inum);
}

/* Whether the current task passes the filters (pid namespace, pid, parent, uid, cgroup subtree). */
static __always_inline bool wanted(struct task_struct *task, __u32 pidns)
{
	if (target_pidns && pidns != target_pidns)
		return false;
	if (target_pid && (bpf_get_current_pid_tgid() >> 32) != target_pid)
		return false;
	if (target_ppid && BPF_CORE_READ(task, real_parent, tgid) != target_ppid)
		return false;
	if (target_uid != 0xffffffff && (__u32)bpf_get_current_uid_gid() != target_uid)
		return false;
	if (target_cgroup && bpf_get_current_ancestor_cgroup_id(target_cgroup_level) != target_cgroup)
		return false;
	return true;
}

/* The head fields of the current task, as sched_process_exec sees it (or a failed exec's caller). */
static __always_inline void fill_head(struct exec_event *e, struct task_struct *task, __u32 pidns)
{
	__u64 uid_gid = bpf_get_current_uid_gid();

	e->ts = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->pidns = pidns;
	bpf_get_current_comm(e->comm, sizeof(e->comm)); /* zero-padded */
}

struct argv_read {
	__u8 *buf;
	const char *const *argv;
	__u32 base;  /* offset of argv in buf */
	__u32 len;   /* argv bytes so far */
	__u32 argc;
	__u32 flags;
};

/* bpf_loop callback: argv[i] from the caller's memory, NUL included; 1 stops the loop. */
static long read_arg(__u32 i, struct argv_read *r)
{
	const char *arg = NULL;
	__u32 room, off;
	long n;

	if (bpf_probe_read_user(&arg, sizeof(arg), &r->argv[i])) {
		r->flags |= EXEC_F_ARGV_FAULT;
		return 1;
	}
	if (!arg)
		return 1;
	if (r->len >= EXEC_ARGV_MAX) {
		r->flags |= EXEC_F_ARGV_TRUNCATED;
		return 1;
	}
	room = EXEC_ARGV_MAX - r->len;
	off = (r->base + r->len) & SCRATCH_MASK;
	barrier_var(room);
	if (room > EXEC_ARGV_MAX)
		return 1;
	n = bpf_probe_read_user_str(r->buf + off, room, arg);
	if (n <= 0) {
		r->flags |= EXEC_F_ARGV_FAULT;
		return 1;
	}
	r->len += n;
	r->argc++;
	if ((__u32)n == room) {
		r->flags |= EXEC_F_ARGV_TRUNCATED; /* cut: bpf_probe_read_user_str kept it terminated */
		return 1;
	}
	return 0;
}

/* At an execve/execveat's entry: the caller's filename and argv, kept until the exec ends. */
static __always_inline int exec_enter(const char *filename, const char *const *argv)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u32 zero = 0, tid = (__u32)bpf_get_current_pid_tgid(), fn_len;
	struct argv_read r = {};
	struct exec_event *e;
	__u8 *buf;
	long n;

	if (!wanted(task, active_pidns(task)))
		return 0;
	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return 0;
	e = (struct exec_event *)buf;
	n = bpf_probe_read_user_str(buf + EXEC_HEAD_SIZE, EXEC_FILENAME_MAX, filename);
	if (n <= 0) {
		buf[EXEC_HEAD_SIZE] = 0;
		fn_len = 1;
	} else {
		fn_len = (((__u32)n - 1) & (EXEC_FILENAME_MAX - 1)) + 1;
		e->flags = fn_len == EXEC_FILENAME_MAX ? EXEC_F_FILENAME_TRUNCATED : 0;
	}
	if (n <= 0)
		e->flags = 0;
	r.buf = buf;
	r.argv = argv;
	r.base = EXEC_HEAD_SIZE + fn_len;
	bpf_loop(MAX_ARGS, read_arg, &r, 0);
	e->argc = r.argc;
	e->args_size = fn_len + r.len;
	e->flags |= r.flags;
	bpf_map_update_elem(&pending, &tid, buf, BPF_ANY);
	return 0;
}

#define NR_EXECVE 59    /* x86_64 */
#define NR_EXECVEAT 322

/* Every syscall's entry (tracefs is not mounted, so not syscalls/sys_enter_execve): execve and execveat only. */
SEC("tp_btf/sys_enter")
int BPF_PROG(kw_exec_enter, struct pt_regs *regs, long id)
{
	if (id == NR_EXECVE)
		return exec_enter((const char *)PT_REGS_PARM1_CORE(regs), (const char *const *)PT_REGS_PARM2_CORE(regs));
	if (id == NR_EXECVEAT)
		return exec_enter((const char *)PT_REGS_PARM2_CORE(regs), (const char *const *)PT_REGS_PARM3_CORE(regs));
	return 0;
}

/* At the syscall's return: a pending record left means the exec failed (a success took it). */
static __always_inline int exec_return(void *ctx, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), size;
	struct exec_event *e;

	e = bpf_map_lookup_elem(&pending, &tid);
	if (!e)
		return 0;
	if (trace_failed && ret < 0) {
		fill_head(e, task, active_pidns(task));
		e->flags |= EXEC_F_FAILED | ((__u32)(-ret) << EXEC_F_ERRNO_SHIFT);
		size = EXEC_HEAD_SIZE + e->args_size;
		if (size <= RECORD_MAX) {
			if (kw_output(ctx, e, size))
				__sync_fetch_and_add(&dropped, 1);
			else
				__sync_fetch_and_add(&emitted, 1);
		}
	}
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

/* Every syscall's return: a thread with a pending exec (a cheap lookup only then: the enter side
 * records execs only) ends it. The syscall number is gone by now for a successful exec; a pending
 * record is what marks an exec. */
SEC("tp_btf/sys_exit")
int BPF_PROG(kw_exec_exit, struct pt_regs *regs, long ret)
{
	long id = BPF_CORE_READ(regs, orig_ax);

	if (id != NR_EXECVE && id != NR_EXECVEAT)
		return 0;
	return exec_return(ctx, ret);
}

struct nul_count {
	__u8 *buf;
	__u32 off;
	__u32 n;
};

static long count_nul(__u32 i, struct nul_count *c)
{
	if (c->buf[(c->off + i) & SCRATCH_MASK] == 0)
		c->n++;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0, pidns, flags = 0, fn_len, av_len = 0, argc = 0;
	struct exec_event *e;
	unsigned long start, end, len;
	const char *fname;
	struct mm_struct *mm;
	__u8 *buf;
	long n;

	pidns = active_pidns(p);
	/* the caller's argv, kept at the syscall's entry: as execve(2) received it */
	e = bpf_map_lookup_elem(&pending, &old_pid);
	if (e) {
		__u32 size = EXEC_HEAD_SIZE + e->args_size;

		fill_head(e, p, pidns);
		if (size <= RECORD_MAX) {
			if (kw_output(ctx, e, size))
				__sync_fetch_and_add(&dropped, 1);
			else
				__sync_fetch_and_add(&emitted, 1);
		}
		bpf_map_delete_elem(&pending, &old_pid);
		return 0;
	}
	/* an exec whose entry was not seen (attached meanwhile, a kernel-started exec): the new stack's */
	if (!wanted(p, pidns))
		return 0;

	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return 0;
	e = (struct exec_event *)buf;

	/* head: every field written on every record */
	fill_head(e, p, pidns);

	/* tail 1: filename, NUL included */
	fname = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(buf + EXEC_HEAD_SIZE, EXEC_FILENAME_MAX, fname);
	if (n <= 0) {
		buf[EXEC_HEAD_SIZE] = 0;
		fn_len = 1;
	} else {
		fn_len = (((__u32)n - 1) & (EXEC_FILENAME_MAX - 1)) + 1; /* 1..EXEC_FILENAME_MAX */
		if (fn_len == EXEC_FILENAME_MAX) {
			char c = 0;

			bpf_probe_read_kernel(&c, 1, fname + EXEC_FILENAME_MAX - 1);
			if (c)
				flags |= EXEC_F_FILENAME_TRUNCATED;
		}
	}

	/* tail 2: argv as laid out by the kernel on the new stack */
	mm = BPF_CORE_READ(p, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > EXEC_ARGV_MAX) {
		len = EXEC_ARGV_MAX;
		flags |= EXEC_F_ARGV_TRUNCATED;
	}
	if (len) {
		__u8 *dst;

		barrier_var(len); /* keep the mask below: it is the verifier's bound */
		av_len = ((len - 1) & (EXEC_ARGV_MAX - 1)) + 1; /* 1..EXEC_ARGV_MAX */
		dst = buf + EXEC_HEAD_SIZE + fn_len;
		if (bpf_probe_read_user(dst, av_len, (void *)start)) {
			flags |= EXEC_F_ARGV_FAULT;
			av_len = 0;
		} else {
			struct nul_count c = { .buf = buf, .off = EXEC_HEAD_SIZE + fn_len };

			dst[av_len - 1] = 0; /* a cut last argument stays terminated */
			bpf_loop(av_len, count_nul, &c, 0);
			argc = c.n;
		}
	}

	e->argc = argc;
	e->args_size = fn_len + av_len;
	e->flags = flags;
	if (kw_output(ctx, buf, EXEC_HEAD_SIZE + fn_len + av_len))
		__sync_fetch_and_add(&dropped, 1);
	else
		__sync_fetch_and_add(&emitted, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
