/* Process events for test/proc*.live.test.ts and bench/proc.bench.ts: `proc-workload MODE [N]`.
 *   fork N       fork a child that exits with N without exec; wait for it; exit 0
 *   setuid N     setuid(N), then exit 0
 *   storm N      fork N children that exit at once, reaping them as they go; exit 0
 *   zombie       fork a child that exits at once, print its pid, and leave it unreaped until stdin closes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;

	if (strcmp(mode, "fork") == 0) {
		pid_t child = fork();
		if (child < 0)
			return 100;
		if (child == 0)
			_exit(n);
		waitpid(child, NULL, 0);
		return 0;
	}
	if (strcmp(mode, "setuid") == 0)
		return setuid(n) == 0 ? 0 : 101;
	if (strcmp(mode, "storm") == 0) {
		for (int i = 0; i < n; i++) {
			pid_t child = fork();
			if (child == 0)
				_exit(0);
			if (child < 0)
				while (waitpid(-1, NULL, 0) > 0)
					;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
		while (waitpid(-1, NULL, 0) > 0)
			;
		return 0;
	}
	if (strcmp(mode, "zombie") == 0) {
		char c;
		pid_t child = fork();
		if (child < 0)
			return 100;
		if (child == 0)
			_exit(0);
		printf("%d\n", (int)child);
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	return 102;
}
