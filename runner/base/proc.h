/* proc.h: running local programs (never through a shell). */
#ifndef GD_PROC_H
#define GD_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Runs argv[0] (searched in PATH) with argv, waits for it, and returns its
 * exit status (0..255), or -1 with err filled when it could not be run or
 * died by a signal. When out is not NULL, stdout is captured into a malloc'd
 * NUL-terminated string the caller frees; stderr is captured and its first
 * line is put into err when the exit status is not 0. */
int gd_proc_run(char *const argv[], char **out, char *err, size_t errlen);

/* Same as gd_proc_run, with the inlen bytes at in as the program's stdin
 * (gd_proc_run gives it /dev/null). */
int gd_proc_run_input(char *const argv[], const char *in, size_t inlen,
    char **out, char *err, size_t errlen);

/* Same as gd_proc_run, and all of stderr into *errout (malloc'd, NUL-
 * terminated, whatever the exit status; NULL when the program could not be run). */
int gd_proc_run_stderr(char *const argv[], char **out, char **errout, char *err, size_t errlen);

/* Starts argv[0] (searched in PATH) in a new session with stdin on
 * /dev/null and stdout and stderr appended to logpath, and does not wait
 * for it: the caller reaps *pid (or leaves it to init). 0 or -1. */
int gd_proc_spawn_detached(char *const argv[], const char *logpath,
    pid_t *pid, char *err, size_t errlen);

#endif
