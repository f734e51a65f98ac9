// The C baseline for kwire's kernel→subscriber benchmark: the same generator (bpf/loadgen.bpf.c, run
// with BPF_PROG_TEST_RUN on a thread pinned to CPU 0) consumed by libbpf's ring_buffer__poll /
// perf_buffer__poll, counting records and checking per-CPU sequence numbers. Prints one JSON line.
//
// Usage: consumer ringbuf|perf sustained RATE SECONDS   (RATE 0: as fast as possible)
//        consumer ringbuf|perf drain COUNT              (pre-fill, then time the drain)
//        consumer ringbuf|perf latency RATE SECONDS     (latency percentiles, kernel ts → callback)
// Options (env): KW_RING_BYTES (ringbuf bytes / perf bytes per CPU, default 8 MiB), KW_WAKEUP_EVENTS
// (perf, default 1), KW_CHUNK (records per test-run call when paced, default RATE/1000), KW_WARMUP_MS
// (latency: leave out records emitted in the first milliseconds, default 0).
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"
#include "loadgen.skel.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct {
	uint64_t received, lost_perf, gaps;
	uint64_t next_seq[LOADGEN_MAX_CPUS];
	uint64_t *lat;
	size_t nlat, maxlat;
	int measure_latency;
	uint64_t warm_until; /* latency: ignore records emitted before this (CLOCK_MONOTONIC ns) */
} st;

static void on_record(const void *data, size_t size)
{
	const struct loadgen_event *e = data;
	if (size < LOADGEN_SIZE)
		return;
	uint32_t cpu = e->cpu & (LOADGEN_MAX_CPUS - 1);
	if (e->seq != st.next_seq[cpu])
		st.gaps++;
	st.next_seq[cpu] = e->seq + 1;
	st.received++;
	if (st.measure_latency && st.nlat < st.maxlat && e->ts >= st.warm_until)
		st.lat[st.nlat++] = now_ns() - e->ts;
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	on_record(data, size);
	return 0;
}

static enum bpf_perf_event_ret on_perf(void *ctx, int cpu, struct perf_event_header *h)
{
	if (h->type == PERF_RECORD_SAMPLE) {
		struct { struct perf_event_header h; uint32_t size; uint8_t data[]; } *s = (void *)h;
		on_record(s->data, s->size);
	} else if (h->type == PERF_RECORD_LOST) {
		struct { struct perf_event_header h; uint64_t id, lost; } *l = (void *)h;
		st.lost_perf += l->lost;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

struct gen {
	int prog_fd;
	uint64_t count, rate, chunk;
	atomic_int done;
	uint64_t ns;
};

static void *generate(void *arg)
{
	struct gen *g = arg;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	pthread_setaffinity_np(pthread_self(), sizeof one, &one);
	uint8_t pkt[64] = {0};
	uint64_t start = now_ns(), left = g->count;
	for (uint64_t b = 0; left > 0; b++) {
		uint64_t n = g->rate ? (left < g->chunk ? left : g->chunk) : left;
		if (n > 0x7fffffff)
			n = 0x7fffffff;
		if (g->rate && b > 0) {
			uint64_t at = start + (uint64_t)((double)b * g->chunk * 1e9 / g->rate);
			struct timespec ts = { at / 1000000000ull, at % 1000000000ull };
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		}
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof pkt, .repeat = (int)n);
		if (bpf_prog_test_run_opts(g->prog_fd, &opts)) {
			perror("bpf_prog_test_run_opts");
			exit(1);
		}
		left -= n;
	}
	g->ns = now_ns() - start;
	atomic_store(&g->done, 1);
	return NULL;
}

static void counters(struct loadgen_bpf *skel, uint64_t *generated, uint64_t *dropped)
{
	*generated = *dropped = 0;
	for (int c = 0; c < LOADGEN_MAX_CPUS; c++) {
		*generated += skel->bss->kw_cpu[c].seq;
		*dropped += skel->bss->kw_cpu[c].dropped;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: consumer ringbuf|perf sustained|drain|latency ...\n");
		return 2;
	}
	int perf = !strcmp(argv[1], "perf");
	const char *mode = argv[2];
	uint64_t ring_bytes = getenv("KW_RING_BYTES") ? strtoull(getenv("KW_RING_BYTES"), 0, 0) : 8 << 20;
	uint32_t wakeup = getenv("KW_WAKEUP_EVENTS") ? strtoul(getenv("KW_WAKEUP_EVENTS"), 0, 0) : 1;
	struct gen g = {0};
	if (!strcmp(mode, "drain")) {
		g.count = strtoull(argv[3], 0, 0);
	} else {
		if (argc < 5)
			return 2;
		g.rate = strtoull(argv[3], 0, 0);
		double seconds = atof(argv[4]);
		g.count = g.rate ? (uint64_t)(g.rate * seconds) : (uint64_t)(5e6 * seconds);
		g.chunk = getenv("KW_CHUNK") ? strtoull(getenv("KW_CHUNK"), 0, 0) : (g.rate / 1000 ? g.rate / 1000 : 1);
	}

	struct loadgen_bpf *skel = loadgen_bpf__open();
	if (!skel)
		return perror("open"), 1;
	skel->rodata->kw_use_perf = perf;
	bpf_map__set_max_entries(skel->maps.events, perf ? 4096 : ring_bytes);
	if (loadgen_bpf__load(skel))
		return perror("load"), 1;
	g.prog_fd = bpf_program__fd(skel->progs.kw_loadgen);

	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;
	if (perf) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_BPF_OUTPUT,
			.sample_type = PERF_SAMPLE_RAW, .sample_period = 1, .wakeup_events = wakeup,
		};
		pb = perf_buffer__new_raw(bpf_map__fd(skel->maps.events_perf), ring_bytes / 4096, &attr, on_perf, NULL, NULL);
		if (!pb)
			return perror("perf_buffer__new_raw"), 1;
	} else {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_ringbuf, NULL, NULL);
		if (!rb)
			return perror("ring_buffer__new"), 1;
	}
	uint64_t generated, dropped;

	if (!strcmp(mode, "drain")) {
		generate(&g); /* no consumer meanwhile: the ring fills */
		counters(skel, &generated, &dropped);
		uint64_t t = now_ns();
		while (st.received + dropped < generated) {
			if (perf)
				perf_buffer__consume(pb);
			else
				ring_buffer__consume(rb);
		}
		double s = (now_ns() - t) / 1e9;
		printf("{\"mode\":\"drain\",\"transport\":\"%s\",\"received\":%lu,\"generated\":%lu,\"dropped\":%lu,\"seconds\":%.6f,\"rate\":%.0f}\n",
		       argv[1], st.received, generated, dropped, s, st.received / s);
		return 0;
	}

	st.measure_latency = !strcmp(mode, "latency");
	if (st.measure_latency) {
		st.maxlat = g.count + 1024;
		st.lat = calloc(st.maxlat, sizeof *st.lat);
	}
	pthread_t thread;
	uint64_t t = now_ns();
	st.warm_until = t + (getenv("KW_WARMUP_MS") ? strtoull(getenv("KW_WARMUP_MS"), 0, 0) : 0) * 1000000ull;
	pthread_create(&thread, NULL, generate, &g);
	uint64_t idle_since = 0;
	for (;;) {
		int n = perf ? perf_buffer__poll(pb, 10) : ring_buffer__poll(rb, 10);
		if (n < 0 && n != -EINTR)
			return fprintf(stderr, "poll: %d\n", n), 1;
		if (!atomic_load(&g.done))
			continue;
		if (n == 0) {
			/* perf_buffer__poll reads only the rings epoll reported: the last samples before a
			 * wake-up (fewer than KW_WAKEUP_EVENTS) never are. Read every ring, as libbpf's users do. */
			if (perf)
				perf_buffer__consume(pb);
			else
				ring_buffer__consume(rb);
		}
		counters(skel, &generated, &dropped);
		if (st.received + dropped >= generated)
			break;
		if (n == 0) {
			if (!idle_since)
				idle_since = now_ns();
			else if (now_ns() - idle_since > 2000000000ull)
				break;
		} else {
			idle_since = 0;
		}
	}
	double s = (now_ns() - t) / 1e9;
	pthread_join(thread, NULL);
	counters(skel, &generated, &dropped);
	printf("{\"mode\":\"%s\",\"transport\":\"%s\",\"received\":%lu,\"generated\":%lu,\"dropped\":%lu,\"lostPerf\":%lu,\"gaps\":%lu,"
	       "\"seconds\":%.6f,\"generatorSeconds\":%.6f,\"rate\":%.0f",
	       mode, argv[1], st.received, generated, dropped, st.lost_perf, st.gaps, s, g.ns / 1e9, st.received / s);
	if (st.measure_latency && st.nlat) {
		qsort(st.lat, st.nlat, sizeof *st.lat, cmp_u64);
		printf(",\"p50Us\":%.2f,\"p99Us\":%.2f,\"p999Us\":%.2f", st.lat[st.nlat / 2] / 1e3,
		       st.lat[(size_t)(st.nlat * 0.99)] / 1e3, st.lat[(size_t)(st.nlat * 0.999)] / 1e3);
	}
	printf("}\n");
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	loadgen_bpf__destroy(skel);
	return 0;
}
