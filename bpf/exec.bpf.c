// SPDX-License-Identifier: GPL-2.0
/* kw_exec: one exec record (include/exec.h) per successful execve/execveat.
 * The record is built in a per-CPU scratch buffer and only head + args_size bytes are emitted. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "exec.h"
#include "transport.bpf.h"

/* Power of two >= head + tail: offsets and lengths are masked so the verifier can bound them. */
#define SCRATCH_SIZE 16384
#define SCRATCH_MASK (SCRATCH_SIZE - 1)
_Static_assert(EXEC_HEAD_SIZE + EXEC_TAIL_MAX <= SCRATCH_SIZE, "scratch buffer too small");
_Static_assert((EXEC_FILENAME_MAX & (EXEC_FILENAME_MAX - 1)) == 0, "EXEC_FILENAME_MAX: power of two");
_Static_assert((EXEC_ARGV_MAX & (EXEC_ARGV_MAX - 1)) == 0, "EXEC_ARGV_MAX: power of two");

struct scratch {
	__u8 b[SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

const volatile __u32 target_pidns = 0; /* 0: every pid namespace */

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
	__u64 uid_gid;
	__u8 *buf;
	long n;

	pidns = active_pidns(p);
	if (target_pidns && pidns != target_pidns)
		return 0;

	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return 0;
	e = (struct exec_event *)buf;

	/* head: every field written on every record */
	uid_gid = bpf_get_current_uid_gid();
	e->ts = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->pidns = pidns;
	bpf_get_current_comm(e->comm, sizeof(e->comm)); /* zero-padded */

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
