/* gd.h: what every part of gameday shares: exit codes, errors, buffers. */
#ifndef GD_H
#define GD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define GD_VERSION "0.1.0"

/* Exit codes of DESIGN.md; only main() and the gd_cmd_* functions return them. */
enum gd_exit {
	GD_EXIT_OK = 0,          /* success */
	GD_EXIT_FAIL = 1,        /* ran, but the check, command or drill failed */
	GD_EXIT_USAGE = 2,       /* usage or bad input */
	GD_EXIT_UNREACHABLE = 3, /* a host or tool could not be reached or used */
	GD_EXIT_ABORTED = 4,     /* aborted by signal or stop condition, after reverting */
};

#define GD_ERRLEN 512

/* The one exit-code policy for outputs: an output that cannot be written
 * (a refused doc repo, a full disk) is a tool that could not be used, exit 3,
 * whatever the run's own code was, as `gameday run --help` documents; every
 * command that writes outputs (run, drill, quiz, readiness, wheel, docs) uses it. */
int gd_exit_output_failed(int ret);

/* Formats into a caller-owned error buffer and returns -1, so that
 * `return gd_errf(err, errlen, "...")` reads as it should. */
int gd_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "gameday: " + message + newline on stderr. */
void gd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that aborts with a message when memory runs out. */
void *gd_xmalloc(size_t n);
void *gd_xcalloc(size_t n, size_t size);
void *gd_xrealloc(void *p, size_t n);
char *gd_xstrdup(const char *s);
char *gd_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated when data != NULL. */
struct gd_buf {
	char *data;
	size_t len, cap;
};
void gd_buf_add(struct gd_buf *b, const void *p, size_t n);
void gd_buf_adds(struct gd_buf *b, const char *s);
void gd_buf_printf(struct gd_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gd_buf_free(struct gd_buf *b);

/* A malloc'd NUL-terminated copy of s[0..len) in which every byte that is
 * not part of valid UTF-8 is U+FFFD (JSON strings must be UTF-8). */
char *gd_utf8_clean(const char *s, size_t len);

/* Writes data to path through path.tmp: write, fsync, rename, fsync the
 * directory, so a crash leaves the old file or the new one, never half. */
int gd_write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
    size_t errlen);

/* Reads the whole file at path into a malloc'd buffer with a NUL after its
 * bytes (*len, when len is not NULL, leaves the NUL out). A directory, or a
 * file over max bytes (max 0: no limit), is refused. Returns NULL with err
 * "PATH: why" ("PATH: larger than 4 MiB") and errno kept for the caller. */
char *gd_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* Milliseconds on the monotonic clock: for durations. */
long long gd_now_ms(void);
/* Milliseconds since the epoch, on the wall clock: for records and reports. */
long long gd_epoch_ms(void);

/* Whether colour may be used on f (a TTY, and NO_COLOR unset). */
int gd_use_color(FILE *f);

/* Subcommands: each parses its own options, prints its own --help and
 * returns an enum gd_exit value. */
int gd_cmd_hosts(int argc, char **argv);
int gd_cmd_exec(int argc, char **argv);
int gd_cmd_lab(int argc, char **argv);
int gd_cmd_run(int argc, char **argv);
int gd_cmd_check(int argc, char **argv);
int gd_cmd_list(int argc, char **argv);
int gd_cmd_recover(int argc, char **argv);
int gd_cmd_verify(int argc, char **argv);
int gd_cmd_quiz(int argc, char **argv);
int gd_cmd_wheel(int argc, char **argv);
int gd_cmd_readiness(int argc, char **argv);
int gd_cmd_drill(int argc, char **argv);
int gd_cmd_schedule(int argc, char **argv);
int gd_cmd_history(int argc, char **argv);
int gd_cmd_probe(int argc, char **argv);
/* check --alerts (cmd_check_alerts.c), entered from gd_cmd_check. */
int gd_check_alerts_wanted(int argc, char **argv);
int gd_cmd_check_alerts(int argc, char **argv);
/* history --alerts (cmd_history_alerts.c), entered from gd_cmd_history. */
int gd_history_alerts_wanted(int argc, char **argv);
int gd_cmd_history_alerts(int argc, char **argv);
int gd_cmd_docs(int argc, char **argv);

#endif
