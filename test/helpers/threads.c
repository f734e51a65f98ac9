/* Multi-threaded exits for test/exit.live.test.ts: `threads MODE N`.
 *   thread-exit N          a non-leader thread calls exit(N) while the leader waits
 *   leader-first-exit N    the leader calls pthread_exit, then the other thread calls exit(N)
 *   leader-first-return    the leader calls pthread_exit, then the other thread returns
 *   leader-first-signal N  the leader calls pthread_exit, then the other thread sends signal N to the process */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mode;
static int n;

static void *worker(void *arg)
{
	usleep(50 * 1000); /* let the leader exit first when it does */
	if (strcmp(mode, "leader-first-return") == 0)
		return NULL;
	if (strcmp(mode, "leader-first-signal") == 0) {
		kill(getpid(), n);
		pause();
	}
	exit(n);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2)
		return 100;
	mode = argv[1];
	n = argc > 2 ? atoi(argv[2]) : 0;
	if (pthread_create(&t, NULL, worker, NULL))
		return 101;
	if (strcmp(mode, "thread-exit") == 0)
		for (;;)
			pause();
	pthread_exit(NULL);
}
