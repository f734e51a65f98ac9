// The C baseline for kwire's live proc connector benchmark: a plain reader of a NETLINK_CONNECTOR
// socket bound to CN_IDX_PROC (the socket kwire's producer opens), with the same receive buffer,
// counting datagrams and ENOBUFS until SIGINT/SIGTERM. Prints one JSON line.
// Usage: proc_reader RCVBUF_BYTES   (prints {"ready":true} on stderr once listening)
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int control(int fd, uint32_t op)
{
	char buf[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t))] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nl = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nl);
	memset(buf, 0, sizeof buf);
	nl->nlmsg_len = sizeof buf;
	nl->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof op;
	memcpy(cn->data, &op, sizeof op);
	return send(fd, buf, sizeof buf, 0) < 0 ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int rcvbuf = argc > 1 ? atoi(argv[1]) : 0;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0) return perror("socket"), 1;
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) return perror("setsockopt"), 1;
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("bind"), 1;
	if (control(fd, PROC_CN_MCAST_LISTEN) < 0) return perror("send"), 1;
	fprintf(stderr, "{\"ready\":true}\n");
	uint64_t received = 0, enobufs = 0, bytes = 0;
	char buf[4096];
	double start = now();
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) received++, bytes += n;
		else if (n < 0 && errno == ENOBUFS) enobufs++;
		else if (n < 0 && errno != EINTR) return perror("recv"), 1;
	}
	double seconds = now() - start;
	control(fd, PROC_CN_MCAST_IGNORE);
	close(fd);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("{\"received\":%llu,\"enobufs\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"cpuSeconds\":%.6f}\n", (unsigned long long)received, (unsigned long long)enobufs, (unsigned long long)bytes, seconds, cpu);
	return 0;
}
