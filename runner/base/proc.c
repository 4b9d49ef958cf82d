/* proc.c: running local programs with posix_spawn; no shell anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gd.h"
#include "proc.h"

#define ERR_KEEP 4096  /* bytes of stderr kept: enough for its first lines */

extern char **environ;

/* A memfd holding the input, so the child reads it at its own pace and we
 * never block writing to a pipe or get SIGPIPE from a child that exits. */
static int
input_fd(const char *in, size_t inlen)
{
	int fd;
	ssize_t n;
	size_t off = 0;

	if (in == NULL)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((fd = memfd_create("gameday-stdin", MFD_CLOEXEC)) == -1)
		return -1;
	while (off < inlen) {
		n = write(fd, in + off, inlen - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads stdout and stderr as they come, so neither pipe fills and blocks
 * the child. stderr is kept up to ERR_KEEP bytes. */
static int
drain(int ofd, int efd, struct gd_buf *out, struct gd_buf *errb)
{
	struct pollfd pfd[2] = { { ofd, POLLIN, 0 }, { efd, POLLIN, 0 } };
	char chunk[8192];
	ssize_t n;
	int i;

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof chunk);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;  /* EOF or error: stop polling it */
				continue;
			}
			if (i == 0)
				gd_buf_add(out, chunk, (size_t)n);
			else if (errb->len < ERR_KEEP)
				gd_buf_add(errb, chunk, (size_t)n);
		}
	}
	return 0;
}

/* Puts the first non-empty line of s into err. */
static void
first_line(const char *s, char *err, size_t errlen)
{
	size_t n;

	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	n = strcspn(s, "\r\n");
	gd_errf(err, errlen, "%.*s", (int)n, s);
}

static int
run_full(char *const argv[], const char *in, size_t inlen, char **out, char **errout,
    char *err, size_t errlen);

int
gd_proc_run_input(char *const argv[], const char *in, size_t inlen,
    char **out, char *err, size_t errlen)
{
	return run_full(argv, in, inlen, out, NULL, err, errlen);
}

int
gd_proc_run_stderr(char *const argv[], char **out, char **errout, char *err, size_t errlen)
{
	return run_full(argv, NULL, 0, out, errout, err, errlen);
}

static int
run_full(char *const argv[], const char *in, size_t inlen, char **out, char **errout,
    char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	struct gd_buf obuf = { 0 }, ebuf = { 0 };
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 };
	int infd = -1, status, e, rc = -1;
	pid_t pid;

	if (out != NULL)
		*out = NULL;
	if (errout != NULL)
		*errout = NULL;
	if (pipe2(opipe, O_CLOEXEC) == -1 || pipe2(epipe, O_CLOEXEC) == -1 ||
	    (infd = input_fd(in, inlen)) == -1) {
		gd_errf(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, infd, 0);
	posix_spawn_file_actions_adddup2(&fa, opipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, epipe[1], 2);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(opipe[1]);
	close(epipe[1]);
	opipe[1] = epipe[1] = -1;
	if (e != 0) {
		gd_errf(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
		goto out;
	}
	e = drain(opipe[0], epipe[0], &obuf, &ebuf) == -1 ? errno : 0;
	close(opipe[0]);  /* a child still writing now gets EPIPE, not a hang */
	close(epipe[0]);
	opipe[0] = epipe[0] = -1;
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			gd_errf(err, errlen, "%s: waitpid: %s", argv[0], strerror(errno));
			goto out;
		}
	}
	if (e != 0) {
		gd_errf(err, errlen, "%s: reading its output: %s", argv[0],
		    strerror(e));
		goto out;
	}
	if (WIFSIGNALED(status)) {
		gd_errf(err, errlen, "%s: killed by signal %d (%s)", argv[0],
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		goto out;
	}
	rc = WEXITSTATUS(status);
	if (rc != 0) {
		if (ebuf.len > 0)
			first_line(ebuf.data, err, errlen);
		else
			gd_errf(err, errlen, "exited with status %d", rc);
	}
	if (out != NULL) {
		*out = obuf.data != NULL ? obuf.data : gd_xstrdup("");
		obuf.data = NULL;
	}
	if (errout != NULL) {
		*errout = ebuf.data != NULL ? ebuf.data : gd_xstrdup("");
		ebuf.data = NULL;
	}
out:
	if (infd != -1)
		close(infd);
	for (e = 0; e < 2; e++) {
		if (opipe[e] != -1)
			close(opipe[e]);
		if (epipe[e] != -1)
			close(epipe[e]);
	}
	gd_buf_free(&obuf);
	gd_buf_free(&ebuf);
	return rc;
}

int
gd_proc_run(char *const argv[], char **out, char *err, size_t errlen)
{
	return gd_proc_run_input(argv, NULL, 0, out, err, errlen);
}

int
gd_proc_spawn_detached(char *const argv[], const char *logpath,
    pid_t *pid, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	int e;

	sigemptyset(&none);
	sigfillset(&deflt);  /* undo whatever the caller ignores or handles */
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logpath,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);  /* a daemon holds none */
	e = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0)
		return gd_errf(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
	return 0;
}
