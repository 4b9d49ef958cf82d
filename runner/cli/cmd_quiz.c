/* cmd_quiz.c: `gameday quiz`, a scored internal test from a question bank. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#ifdef GD_HAVE_READLINE
#include <readline/readline.h>
#include <readline/history.h>
#endif

#include "duration.h"
#include "gd.h"
#include "bank.h"
#include "docs.h"
#include "report.h"
#include "result.h"
#include "inventory.h"
#include "score.h"
#include "session.h"
#include "ssh.h"

static const char quiz_usage[] =
"usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] [--out FILE]\n"
"                    [-i INVENTORY [--practical-limit DURATION]]\n"
"\n"
"A scored internal test. On a terminal, without --answers, it asks each\n"
"question in turn, with line editing; otherwise it reads the answers from\n"
"FILE, a YAML mapping of question id to answer (text, a number, or a list).\n"
"It scores each question, each topic and the total against the bank's pass\n"
"mark, and lists the gaps with their remedies as corrective actions for the\n"
"review meeting. Free-text answers are kept verbatim in the results.\n"
"\n"
"answers, by question type:\n"
"  choice    the option's key (a) or its text\n"
"  multi     keys separated by spaces or commas (a c), or a list; the weights\n"
"            of the options chosen over the weights of the right ones,\n"
"            never below 0\n"
"  keywords  free text; each group of synonyms found (whole words, any case)\n"
"            earns its share\n"
"  order     items separated by commas, or their numbers as the quiz lists\n"
"            them (3 1 2); the longest run in the right order, over the items\n"
"  numeric   a number, with or without the unit; right within the tolerance\n"
"  practical not graded here without -i INVENTORY, and left out of the total.\n"
"            With it, a task on the lab: its setup runs on the hosts its\n"
"            probe is 'on', the task is shown, and the probe runs every 2 s\n"
"            until it exits 0 on all of them or the limit passes; full\n"
"            points within target_time, half within the limit, else 0; its\n"
"            cleanup always runs after\n"
"Answers are trimmed; one longer than 4096 bytes is cut there. Answers to ids\n"
"the bank lacks are named and ignored; missing answers score 0.\n"
"\n"
"options:\n"
"  -p, --participant NAME  who takes the test (required)\n"
"  -a, --answers FILE      read the answers from FILE instead of asking\n"
"      --json              print the result as JSON\n"
"  -o, --out FILE          also write the JSON result to FILE (atomically), for\n"
"                          history and `gameday readiness`\n"
"  -i, --inventory FILE    grade practical questions on the hosts of this Ansible\n"
"                          inventory (a lab: only what is under /srv is touched\n"
"                          by the shipped banks)\n"
"      --practical-limit D time allowed per practical question, such as 90s or\n"
"                          20m (default: twice its target_time)\n"
"  -h, --help              this help\n"
"\n"
"On a terminal, an empty line leaves a question unanswered, Ctrl-D stops\n"
"(what is left counts as missing), Ctrl-C abandons without a result. The\n"
"practical questions come in their turn; with --answers, after the others.\n"
"During one, Enter checks at once and 'skip' gives it up (0 points); Ctrl-C\n"
"runs its cleanup, then abandons.\n"
"\n"
"exit status:\n"
"  0  passed\n"
"  1  not passed\n"
"  2  usage, or a bad bank, answers file or inventory (the message names file\n"
"     and line), or a probe pattern that matches no host\n"
"  3  the result could not be written, or a lab host could not be reached or\n"
"     a setup failed (the message names the host)\n"
"  4  interrupted during a practical question, after its cleanup\n"
"\n"
"examples:\n"
"  gameday quiz scenarios/banks/oncall.yaml --participant alice\n"
"  gameday quiz scenarios/banks/oncall.yaml -p bob --answers bob.yaml --out results/bob.json\n"
"  gameday quiz scenarios/banks/oncall.yaml -p carol -i .lab/inventory.yaml\n";

/* ---- practical questions on the lab ---- */

#define POLL_MS 2000                /* between two probes */
#define PROBE_TIMEOUT_MS 30000      /* one probe's run */
#define SETUP_TIMEOUT_MS 120000     /* setup's or cleanup's run */

/* One practical question's run. */
struct prac {
	int ran;                    /* the task was shown and probed */
	int solved;
	const char *outcome;        /* "solved", "timeout", "skipped", "interrupted" */
	double seconds;             /* from the task's start to the probe that passed */
	long limit_s;
	size_t *idx, n;             /* the probe's hosts: indexes into the inventory */
	struct gd_ssh_result *last; /* the last probe, one per host (n) */
	int setup_ran;
	char cleanup[GD_ERRLEN + 64]; /* "ok", "failed: ...", or "" without cleanup */
};

struct lab {
	const char *path;
	struct gd_session *s;       /* inventory, connections; NULL until opened */
	const struct gd_inventory *inv;
	long limit_s;               /* --practical-limit; 0 for twice the target */
	struct prac *p;             /* one per bank question */
	int watch;                  /* stdin is a terminal: Enter and 'skip' */
	int stopped;                /* interrupted: abandon the quiz */
	int unreachable;            /* the error is a host, not the bank (exit 3) */
};

static volatile sig_atomic_t quiz_stop;

static void
on_stop(int sig)
{
	(void)sig;
	quiz_stop = 1;
}

/* seconds through the one duration formatter */
static const char *
dur(long s, char *buf, size_t len)
{
	return gd_duration_fmt((long long)s * 1000, buf, len);
}

/* The first line of a probe's stderr (else stdout), for messages. */
static const char *
first_line(const struct gd_ssh_result *r, char *buf, size_t len)
{
	const struct gd_buf *b = r->err.len > 0 ? &r->err : &r->out;

	snprintf(buf, len, "%.*s", b->len > 0 ? (int)strcspn(b->data, "\n") : 0,
	    b->len > 0 ? b->data : "");
	return buf;
}

static void
lab_free(struct lab *l, size_t nq)
{
	size_t i, k;

	for (i = 0; l->p != NULL && i < nq; i++) {
		for (k = 0; l->p[i].last != NULL && k < l->p[i].n; k++)
			gd_ssh_result_free(&l->p[i].last[k]);
		free(l->p[i].last);
		free(l->p[i].idx);
	}
	free(l->p);
	gd_session_close(l->s);
	memset(l, 0, sizeof(*l));
}

/* Runs cmd on the n hosts idx names (indexes into the inventory) at once;
 * res gets one result per host. -1 with err naming the hosts that could not
 * be reached; a command that fails is not an error here. */
static int
lab_run(struct lab *l, const size_t *idx, size_t n, const char *cmd, int timeout_ms,
    struct gd_ssh_result *res, char *err, size_t errlen)
{
	struct gd_pool *pool = gd_session_pool(l->s);
	const char **cmds = gd_xcalloc(n + 1, sizeof(*cmds));
	size_t *conn = gd_xcalloc(n + 1, sizeof(*conn)), i;
	struct gd_buf why = { 0 };
	int ret = 0;

	for (i = 0; i < n; i++) {
		cmds[i] = cmd;
		conn[i] = gd_pool_host(pool, idx[i]);
	}
	gd_pool_exec(pool, conn, cmds, n, timeout_ms, res);
	for (i = 0; i < n; i++)
		if (res[i].status == GD_SSH_UNREACHABLE)
			gd_buf_printf(&why, "%s%s: unreachable: %s", why.len ? "; " : "",
			    l->inv->hosts[idx[i]].name, res[i].errmsg);
	if (why.len > 0) {
		l->unreachable = 1;
		ret = gd_errf(err, errlen, "%s", why.data);
	}
	free(conn);
	free(cmds);
	gd_buf_free(&why);
	return ret;
}

static void
results_free(struct gd_ssh_result *res, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gd_ssh_result_free(&res[i]);
}

/* Loads the inventory, resolves every practical question's hosts and
 * checks that each of them answers, before any question is asked. */
static int
lab_open(struct lab *l, const struct gd_bank *b, const char *path, char *err, size_t errlen)
{
	struct gd_session_opts so = { 0 };
	struct gd_ssh_result *res = NULL;
	size_t *all = NULL, nall = 0, i, k;
	char *used = NULL;
	int ret = -1;

	l->path = path;
	so.what = "quiz";
	so.inventory = path;
	so.dry_run = 1;
	so.quiet = 1;
	so.max_output = 16384;
	if (gd_session_open(&l->s, &so, err, errlen) != GD_EXIT_OK)
		goto out;
	l->inv = gd_session_inventory(l->s);
	l->p = gd_xcalloc(b->nq, sizeof(*l->p));
	used = gd_xcalloc(l->inv->nhosts + 1, 1);
	for (i = 0; i < b->nq; i++) {
		const struct gd_question *q = &b->q[i];
		char e[GD_ERRLEN];

		if (q->type != GD_Q_PRACTICAL)
			continue;
		if (gd_inventory_match(l->inv, q->probe_on, &l->p[i].idx, &l->p[i].n, e,
		    sizeof(e)) < 0) {
			gd_errf(err, errlen, "%s: question '%s': probe 'on': %s", b->path, q->id, e);
			goto out;
		}
		if (l->p[i].n == 0) {
			gd_errf(err, errlen, "%s: question '%s': probe 'on: %s' matches no host in %s",
			    b->path, q->id, q->probe_on, path);
			goto out;
		}
		for (k = 0; k < l->p[i].n; k++)
			used[l->p[i].idx[k]] = 1;
	}
	all = gd_xcalloc(l->inv->nhosts + 1, sizeof(*all));
	for (i = 0; i < l->inv->nhosts; i++) {
		if (used[i])
			all[nall++] = i;
	}
	res = gd_xcalloc(nall + 1, sizeof(*res));
	if (nall > 0 && lab_run(l, all, nall, "true", PROBE_TIMEOUT_MS, res, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	if (res != NULL)
		results_free(res, nall);
	free(res);
	free(all);
	free(used);
	return ret;
}

/* Waits until the deadline (monotonic ms) for a line on stdin when watched.
 * Returns 1 for "check now", 2 for "skip", 0 when the time is up or a signal
 * came. Input ending stops the watch and counts as a skip. */
static int
wait_input(struct lab *l, long long deadline)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char line[256];
	long long left;
	ssize_t n;
	int r;

	while (!quiz_stop && (left = deadline - gd_now_ms()) > 0) {
		r = poll(&pfd, l->watch ? 1 : 0, (int)left);
		if (r < 0 && errno != EINTR)
			return 0;
		if (r <= 0)
			continue;
		if ((n = read(STDIN_FILENO, line, sizeof(line) - 1)) <= 0) {
			l->watch = 0;
			return 2;
		}
		line[n] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		return strcmp(line, "skip") == 0 ? 2 : 1;
	}
	return 0;
}

/* Runs practical question j: setup, the task, the probe every 2 s until
 * solved, skipped, interrupted or the limit, then cleanup whatever happened.
 * -1 with err when a host cannot be reached or setup fails; an interrupt
 * sets l->stopped. */
static int
practical(struct lab *l, const struct gd_bank *b, size_t j, size_t shown, size_t total,
    char *err, size_t errlen)
{
	const struct gd_question *q = &b->q[j];
	struct prac *p = &l->p[j];
	struct sigaction sa, oldint, oldterm;
	struct gd_ssh_result *res = gd_xcalloc(p->n, sizeof(*res));
	char d1[32], d2[32], line[256];
	long long t0, tprobe;
	size_t k;
	int ret = -1, ok, in;

	p->limit_s = l->limit_s > 0 ? l->limit_s : 2 * q->target_s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;   /* no SA_RESTART: poll() must wake up */
	sigemptyset(&sa.sa_mask);
	quiz_stop = 0;
	sigaction(SIGINT, &sa, &oldint);
	sigaction(SIGTERM, &sa, &oldterm);

	fprintf(stderr, "\n[%zu/%zu] %s, %g point%s, practical on %s: target %s, limit %s\n",
	    shown, total, q->topic, q->points, q->points == 1 ? "" : "s", q->probe_on,
	    dur(q->target_s, d1, sizeof(d1)), dur(p->limit_s, d2, sizeof(d2)));
	p->setup_ran = 1;
	if (q->setup != NULL) {
		fputs("  setting up the task...\n", stderr);
		if (lab_run(l, p->idx, p->n, q->setup, SETUP_TIMEOUT_MS, res, err, errlen) < 0)
			goto out;
		for (k = 0; k < p->n; k++)
			if (res[k].status != GD_SSH_OK || res[k].exit_code != 0) {
				l->unreachable = 1;   /* the lab is not as the bank expects */
				if (res[k].status == GD_SSH_TIMEOUT)
					gd_errf(err, errlen, "question '%s': setup timed out on %s",
					    q->id, l->inv->hosts[p->idx[k]].name);
				else
					gd_errf(err, errlen, "question '%s': setup failed on %s: "
					    "exit %d: %s", q->id, l->inv->hosts[p->idx[k]].name,
					    res[k].exit_code, first_line(&res[k], line, sizeof(line)));
				goto out;
			}
		results_free(res, p->n);
	}
	fprintf(stderr, "%s\n", q->text);
	if (l->watch)
		fputs("  checking every 2 s; Enter: check now, 'skip': give up\n", stderr);
	p->ran = 1;
	p->outcome = "timeout";
	p->last = gd_xcalloc(p->n, sizeof(*p->last));
	t0 = gd_now_ms();
	for (;;) {
		if (quiz_stop) {
			p->outcome = "interrupted";
			l->stopped = 1;
			break;
		}
		tprobe = gd_now_ms();
		results_free(p->last, p->n);
		if (lab_run(l, p->idx, p->n, q->probe_cmd, PROBE_TIMEOUT_MS, p->last, err,
		    errlen) < 0)
			goto out;
		for (ok = 1, k = 0; k < p->n; k++)
			ok &= p->last[k].status == GD_SSH_OK && p->last[k].exit_code == 0;
		p->seconds = round((double)(tprobe - t0) / 100) / 10;
		if (ok) {
			p->solved = 1;
			p->outcome = "solved";
			break;
		}
		if (tprobe - t0 >= p->limit_s * 1000LL)
			break;
		if (l->watch)
			fprintf(stderr, "\r  not solved yet (%.0f s)\033[K", p->seconds);
		in = wait_input(l, tprobe + POLL_MS < t0 + p->limit_s * 1000LL ?
		    tprobe + POLL_MS : t0 + p->limit_s * 1000LL);
		if (in == 2) {
			p->outcome = "skipped";
			p->seconds = round((double)(gd_now_ms() - t0) / 100) / 10;
			break;
		}
	}
	if (l->watch)
		fputs("\r\033[K", stderr);
	if (p->solved)
		fprintf(stderr, "  solved in %.1f s (target %s)\n", p->seconds,
		    dur(q->target_s, d1, sizeof(d1)));
	else
		fprintf(stderr, "  not solved: %s after %.1f s\n", p->outcome, p->seconds);
	ret = 0;
out:
	/* always undo the setup, even after an error or an interrupt */
	if (p->setup_ran && q->cleanup != NULL) {
		char e[GD_ERRLEN];

		results_free(res, p->n);
		memset(res, 0, p->n * sizeof(*res));
		snprintf(p->cleanup, sizeof(p->cleanup), "ok");
		if (lab_run(l, p->idx, p->n, q->cleanup, SETUP_TIMEOUT_MS, res, e, sizeof(e)) < 0)
			snprintf(p->cleanup, sizeof(p->cleanup), "failed: %s", e);
		else
			for (k = 0; k < p->n; k++)
				if (res[k].status != GD_SSH_OK || res[k].exit_code != 0) {
					snprintf(p->cleanup, sizeof(p->cleanup), "failed on %s: exit %d: %s",
					    l->inv->hosts[p->idx[k]].name, res[k].exit_code,
					    first_line(&res[k], line, sizeof(line)));
					break;
				}
		if (strcmp(p->cleanup, "ok") != 0)
			gd_warnx("quiz: question '%s': cleanup %s", q->id, p->cleanup);
	}
	results_free(res, p->n);
	free(res);
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGTERM, &oldterm, NULL);
	return ret;
}

/* ---- asking on a terminal ---- */

/* One line from the participant, without its newline; NULL at end of input.
 * Caller frees. */
static char *
read_line(const char *prompt)
{
#ifdef GD_HAVE_READLINE
	char *line = readline(prompt);

	if (line != NULL && line[0] != '\0')
		add_history(line);
	return line;
#else
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* the terminal's own line discipline edits: erase, ^U, ^W */
	fputs(prompt, stderr);
	fflush(stderr);
	if ((n = getline(&line, &cap, stdin)) < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	return line;
#endif
}

static const char *
prompt_for(const struct gd_question *q, char *buf, size_t len)
{
	switch (q->type) {
	case GD_Q_CHOICE: return "answer (a letter)> ";
	case GD_Q_MULTI: return "answer (letters, e.g. a c)> ";
	case GD_Q_ORDER: return "answer (numbers or items in order, e.g. 3 1 2)> ";
	case GD_Q_NUMERIC:
		if (q->unit != NULL) {
			snprintf(buf, len, "answer (a number, in %s)> ", q->unit);
			return buf;
		}
		return "answer (a number)> ";
	default: return "answer> ";
	}
}

static void
show_question(const struct gd_question *q, size_t i, size_t n)
{
	char pts[32];
	size_t k;

	snprintf(pts, sizeof(pts), "%g point%s", q->points, q->points == 1 ? "" : "s");
	fprintf(stderr, "\n[%zu/%zu] %s, %s\n%s\n", i + 1, n, q->topic, pts, q->text);
	switch (q->type) {
	case GD_Q_CHOICE:
	case GD_Q_MULTI:
		for (k = 0; k < q->nopts; k++)
			fprintf(stderr, "  %s) %s\n", q->opts[k].key, q->opts[k].text);
		break;
	case GD_Q_ORDER:
		fputs("put these in order:\n", stderr);
		for (k = 0; k < q->nitems; k++)
			fprintf(stderr, "  %zu) %s\n", k + 1, q->items[q->shown[k]]);
		break;
	default:
		break;
	}
}

/* Asks every question on the terminal into a (one answer per graded
 * question answered; none for those left when input ends). With a lab,
 * practical questions run in their turn: -1 with err when the lab fails. */
static int
ask_all(const struct gd_bank *b, const char *participant, struct gd_answers *a,
    struct lab *l, char *err, size_t errlen)
{
	char buf[128];
	size_t i;
	int eof = 0;

#ifdef GD_HAVE_READLINE
	rl_readline_name = "gameday";
	rl_instream = stdin;
	rl_outstream = stderr;
	rl_bind_key('\t', rl_insert);   /* no file name completion in answers */
#endif
	a->a = gd_xcalloc(b->nq + 1, sizeof(*a->a));
	fprintf(stderr, "quiz %s: %s\n%zu questions, pass mark %g%%, participant %s\n"
	    "an empty line leaves a question unanswered; Ctrl-D stops here\n",
	    b->id, b->title, b->nq, b->pass, participant);
	for (i = 0; i < b->nq && !eof; i++) {
		const struct gd_question *q = &b->q[i];
		struct gd_answer *x;
		char *line, *clean;

		if (q->type == GD_Q_PRACTICAL && l != NULL) {
			if (practical(l, b, i, i + 1, b->nq, err, errlen) < 0 || l->stopped)
				return -1;
			continue;
		}
		if (q->type == GD_Q_PRACTICAL) {
			fprintf(stderr, "\n[%zu/%zu] %s (practical: graded on the lab, not here)\n%s\n",
			    i + 1, b->nq, q->id, q->text);
			continue;
		}
		show_question(q, i, b->nq);
		for (;;) {
			if ((line = read_line(prompt_for(q, buf, sizeof(buf)))) == NULL) {
				fputc('\n', stderr);
				eof = 1;
				break;
			}
			clean = gd_utf8_clean(line, strlen(line));
			free(line);
			if (gd_score_understood(q, clean))
				break;
			fputs("  not understood; try again\n", stderr);
			free(clean);
		}
		if (eof)
			break;
		x = &a->a[a->n++];
		x->id = gd_xstrdup(q->id);
		x->parts = gd_xcalloc(1, sizeof(*x->parts));
		x->parts[x->nparts++] = clean;
		if (gd_answer_cut(clean, GD_ANSWER_MAX)) {
			x->truncated = 1;
			gd_warnx("the answer to '%s' is longer than %d bytes; cut there",
			    q->id, GD_ANSWER_MAX);
		}
	}
	if (eof && i < b->nq)
		gd_warnx("input ended: %zu question%s left unanswered", b->nq - i,
		    b->nq - i == 1 ? "" : "s");
	fputc('\n', stderr);   /* the questions apart from the result */
	return 0;
}

/* ---- the result ---- */

/* 2.0 as "2", 1.3333 as "1.33". */
static const char *
num(double v, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%.2f", v);
	if ((p = strchr(buf, '.')) != NULL) {
		char *e = p + strlen(p) - 1;

		while (e > p && *e == '0')
			*e-- = '\0';
		if (e == p)
			*p = '\0';
	}
	return buf;
}

static json_t *
jnum(double v, double scale)
{
	return json_real(round(v * scale) / scale);
}

static json_t *
jstr(const char *s)
{
	char *clean = gd_utf8_clean(s, strlen(s));
	json_t *j = json_string(clean);

	free(clean);
	return j != NULL ? j : json_string("");
}

static json_t *
answer_json(const struct gd_answer *x)
{
	json_t *arr;
	size_t i;

	if (x == NULL)
		return json_null();
	if (!x->list)
		return jstr(x->nparts > 0 ? x->parts[0] : "");
	arr = json_array();
	for (i = 0; i < x->nparts; i++)
		json_array_append_new(arr, jstr(x->parts[i]));
	return arr;
}

static int
is_gap(enum gd_qstatus st)
{
	return st != GD_ST_RIGHT && st != GD_ST_PRACTICAL;
}

/* What the lab said about a practical question, into its object qo. */
static void
practical_json(json_t *qo, const struct lab *l, const struct gd_question *q,
    const struct prac *p)
{
	json_t *hosts = json_array();
	size_t k;

	json_object_set_new(qo, "solved", json_boolean(p->solved));
	json_object_set_new(qo, "outcome", json_string(p->ran ? p->outcome : "not run"));
	json_object_set_new(qo, "seconds", p->ran ? jnum(p->seconds, 10) : json_null());
	json_object_set_new(qo, "target_seconds", json_integer(q->target_s));
	json_object_set_new(qo, "limit_seconds", json_integer(l->limit_s > 0 ? l->limit_s :
	    2 * q->target_s));
	json_object_set_new(qo, "setup", q->setup == NULL ? json_null() :
	    json_boolean(p->setup_ran));
	json_object_set_new(qo, "cleanup", p->cleanup[0] != '\0' ? jstr(p->cleanup) :
	    json_null());
	for (k = 0; k < p->n; k++) {
		const struct gd_ssh_result *r = p->last != NULL ? &p->last[k] : NULL;
		json_t *h = json_object();

		json_object_set_new(h, "host", jstr(l->inv->hosts[p->idx[k]].name));
		if (r != NULL && p->ran) {
			json_object_set_new(h, "exit", r->status == GD_SSH_OK ?
			    json_integer(r->exit_code) : json_null());
			json_object_set_new(h, "stdout", jstr(r->out.data ? r->out.data : ""));
			json_object_set_new(h, "stderr", jstr(r->err.data ? r->err.data : ""));
			json_object_set_new(h, "error", r->status == GD_SSH_TIMEOUT ?
			    json_string("probe timed out") : r->status != GD_SSH_OK ?
			    jstr(r->errmsg) : json_null());
		}
		json_array_append_new(hosts, h);
	}
	json_object_set_new(qo, "probe", hosts);
}

static json_t *
result_json(const struct gd_bank *b, const struct gd_quiz_score *s, const struct lab *l,
    const char *participant, const char *date)
{
	json_t *o = json_object(), *topics = json_object(), *qs = json_array();
	json_t *gaps = json_array();
	size_t i;

	json_object_set_new(o, "participant", jstr(participant));
	json_object_set_new(o, "bank", jstr(b->id));
	json_object_set_new(o, "title", jstr(b->title));
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "total", jnum(s->total, 100));
	json_object_set_new(o, "max", jnum(s->max, 100));
	json_object_set_new(o, "percent", jnum(s->percent, 100));
	json_object_set_new(o, "pass", jnum(b->pass, 100));
	json_object_set_new(o, "passed", json_boolean(s->passed));
	for (i = 0; i < s->ntopics; i++) {
		const struct gd_topic_score *t = &s->topics[i];
		json_t *to;

		if (t->nq == 0)
			continue;
		to = json_object();
		json_object_set_new(to, "score", jnum(t->score, 100));
		json_object_set_new(to, "max", jnum(t->max, 100));
		json_object_set_new(to, "percent", jnum(t->max > 0 ? t->score * 100 / t->max : 0, 100));
		json_object_set_new(topics, t->name, to);
	}
	json_object_set_new(o, "topics", topics);
	for (i = 0; i < b->nq; i++) {
		const struct gd_question *q = &b->q[i];
		const struct gd_qscore *r = &s->q[i];
		json_t *qo = json_object();

		json_object_set_new(qo, "id", json_string(q->id));
		json_object_set_new(qo, "topic", json_string(q->topic));
		json_object_set_new(qo, "type", json_string(gd_qtype_name(q->type)));
		json_object_set_new(qo, "answer", answer_json(s->ans[i]));
		if (r->status == GD_ST_PRACTICAL) {
			json_object_set_new(qo, "score", json_null());
			json_object_set_new(qo, "max", json_null());
			json_object_set_new(qo, "note", json_string("practical: graded on the lab"));
		} else {
			json_object_set_new(qo, "score", jnum(r->score, 100));
			json_object_set_new(qo, "max", jnum(r->max, 100));
		}
		json_object_set_new(qo, "status", json_string(gd_qstatus_name(r->status)));
		if (l != NULL && q->type == GD_Q_PRACTICAL)
			practical_json(qo, l, q, &l->p[i]);
		if (s->ans[i] != NULL && s->ans[i]->truncated)
			json_object_set_new(qo, "truncated", json_true());
		json_array_append_new(qs, qo);
		if (is_gap(r->status)) {
			json_t *g = json_object();

			json_object_set_new(g, "id", json_string(q->id));
			json_object_set_new(g, "topic", json_string(q->topic));
			json_object_set_new(g, "status", json_string(gd_qstatus_name(r->status)));
			json_object_set_new(g, "remedy", q->remedy ? jstr(q->remedy) : json_null());
			json_array_append_new(gaps, g);
		}
	}
	json_object_set_new(o, "questions", qs);
	json_object_set_new(o, "gaps", gaps);
	return o;
}

/* "head id id id" after a blank line, wrapped at 78 columns. */
static void
print_ids(const char *head, const struct gd_bank *b, const struct gd_quiz_score *s,
    enum gd_qstatus st)
{
	size_t i, col = strlen(head);

	printf("\n%s", head);
	for (i = 0; i < b->nq; i++) {
		if (s->q[i].status != st)
			continue;
		if (col + 1 + strlen(b->q[i].id) > 78) {
			fputs("\n ", stdout);
			col = 1;
		}
		printf(" %s", b->q[i].id);
		col += 1 + strlen(b->q[i].id);
	}
	putchar('\n');
}

static void
print_text(const struct gd_bank *b, const struct gd_quiz_score *s, const struct lab *l,
    const char *participant, const char *date, int color)
{
	const char *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
	const char *red = color ? "\033[1;31m" : "", *green = color ? "\033[1;32m" : "";
	char n1[32], n2[32];
	size_t i, ngaps = 0, nprac = 0, nmiss = 0;

	printf("%squiz %s: %s%s\nparticipant %s, %s\n\n", bold, b->id, b->title, off,
	    participant, date);
	for (i = 0; i < b->nq; i++) {
		const struct gd_qscore *r = &s->q[i];

		if (r->status == GD_ST_PRACTICAL)
			printf("  %-28s %-16s %11s  practical: graded on the lab\n", b->q[i].id,
			    b->q[i].topic, "-");
		else
			printf("  %-28s %-16s %5s / %-3s  %s", b->q[i].id, b->q[i].topic,
			    num(r->score, n1, sizeof(n1)), num(r->max, n2, sizeof(n2)),
			    gd_qstatus_name(r->status));
		if (l != NULL && b->q[i].type == GD_Q_PRACTICAL && l->p[i].ran)
			printf(" (%s in %.1f s, target %s)\n", l->p[i].solved ? "solved" :
			    l->p[i].outcome, l->p[i].seconds, dur(b->q[i].target_s, n1, sizeof(n1)));
		else if (r->status != GD_ST_PRACTICAL)
			putchar('\n');
		ngaps += is_gap(r->status);
		nprac += r->status == GD_ST_PRACTICAL;
		nmiss += r->status == GD_ST_MISSING;
	}
	printf("\n  %-28s %8s %8s %8s\n", "topic", "score", "max", "percent");
	for (i = 0; i < s->ntopics; i++) {
		const struct gd_topic_score *t = &s->topics[i];

		if (t->nq == 0)
			continue;
		printf("  %-28s %8s %8s %7.1f%%\n", t->name, num(t->score, n1, sizeof(n1)),
		    num(t->max, n2, sizeof(n2)), t->max > 0 ? t->score * 100 / t->max : 0);
	}
	printf("  %-28s %8s %8s %7.1f%%   pass mark %g%%: %s%s%s\n", "total",
	    num(s->total, n1, sizeof(n1)), num(s->max, n2, sizeof(n2)), s->percent, b->pass,
	    s->passed ? green : red, s->passed ? "PASSED" : "NOT PASSED", off);
	if (nmiss > 0)
		print_ids("missing answers (0 points):", b, s, GD_ST_MISSING);
	if (ngaps > 0) {
		printf("\ngaps: corrective actions for the review meeting\n");
		for (i = 0; i < b->nq; i++) {
			const struct gd_qscore *r = &s->q[i];

			if (!is_gap(r->status))
				continue;
			printf("  - %s (%s, %s, %s/%s): study %s\n", b->q[i].id, b->q[i].topic,
			    gd_qstatus_name(r->status), num(r->score, n1, sizeof(n1)),
			    num(r->max, n2, sizeof(n2)),
			    b->q[i].remedy ? b->q[i].remedy : "(the bank gives no remedy)");
		}
	} else {
		printf("\nno gaps\n");
	}
	if (nprac > 0)
		print_ids("not graded here (practical, graded on the lab):", b, s, GD_ST_PRACTICAL);
}


int
gd_cmd_quiz(int argc, char **argv)
{
	enum { O_JSON = 256, O_LIMIT, O_JUNIT, O_METRICS };
	static const struct option longopts[] = {
		{ "participant", required_argument, NULL, 'p' },
		{ "answers", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, O_JSON },
		{ "out", required_argument, NULL, 'o' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "practical-limit", required_argument, NULL, O_LIMIT },
		GD_DOCS_LONGOPTS,
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_bank bank = { 0 };
	struct gd_answers ans = { 0 };
	struct gd_quiz_score sc = { 0 };
	struct lab labst = { 0 }, *lab = NULL;
	const char *participant = NULL, *ansfile = NULL, *outfile = NULL, *bankfile;
	const char *invfile = NULL, *limit = NULL;
	const char *junit = NULL, *metrics = NULL;
	struct gd_docs_opts docs = { 0 };
	char err[GD_ERRLEN], date[32], *dump = NULL;
	json_t *res = NULL;
	time_t now;
	struct tm tm;
	size_t i;
	int ch, json = 0, bad = 0, ret = GD_EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:a:o:i:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': participant = optarg; break;
		case 'a': ansfile = optarg; break;
		case 'o': outfile = optarg; break;
		case 'i': invfile = gd_inventory_arg(invfile, optarg); break;
		case O_LIMIT: limit = optarg; break;
		case O_JUNIT: junit = optarg; break;
		case O_METRICS: metrics = optarg; break;
		case O_JSON: json = 1; break;
		case 'h': fputs(quiz_usage, stdout); fputs(gd_docs_usage, stdout); return GD_EXIT_OK;
		default: bad = !gd_docs_getopt(ch, optarg, &docs); break;
		}
	}
	if (bad)
		goto usage;
	if (argc - optind != 1) {
		gd_warnx("quiz: give one bank file");
		goto usage;
	}
	bankfile = argv[optind];
	if (participant == NULL || participant[0] == '\0') {
		gd_warnx("quiz: --participant NAME is required");
		goto usage;
	}
	if (strlen(participant) > 200) {
		gd_warnx("quiz: --participant is longer than 200 bytes");
		goto usage;
	}
	if (limit != NULL && invfile == NULL) {
		gd_warnx("quiz: --practical-limit needs -i INVENTORY");
		goto usage;
	}
	if (limit != NULL) {
		char derr[GD_ERRLEN] = "";
		long long ms = 0;

		if (gd_duration_parse(limit, &ms, derr, sizeof(derr)) != 0 || ms <= 0) {
			gd_warnx("quiz: --practical-limit: %s", ms <= 0 && derr[0] == '\0' ?
			    "must be more than 0" : derr);
			goto usage;
		}
		labst.limit_s = (long)((ms + 999) / 1000);
	}
	if (ansfile == NULL && !isatty(STDIN_FILENO)) {
		gd_warnx("quiz: no --answers FILE, and stdin is not a terminal to ask on");
		goto usage;
	}

	if (gd_bank_load(&bank, bankfile, err, sizeof(err)) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (ansfile != NULL) {
		if (gd_answers_load(&ans, ansfile, err, sizeof(err)) < 0 ||
		    gd_answers_check(&bank, &ans, err, sizeof(err)) < 0) {
			gd_warnx("%s", err);
			goto out;
		}
		for (i = 0; i < ans.nwarnings; i++)
			gd_warnx("%s", ans.warnings[i]);
	}
	if (invfile != NULL) {
		/* every probe's hosts must answer before the first question */
		lab = &labst;
		lab->watch = isatty(STDIN_FILENO);
		if (lab_open(lab, &bank, invfile, err, sizeof(err)) < 0) {
			gd_warnx("quiz: %s", err);
			if (lab->unreachable)
				ret = GD_EXIT_UNREACHABLE;
			goto out;
		}
	}
	if (ansfile == NULL) {
		if (ask_all(&bank, participant, &ans, lab, err, sizeof(err)) < 0)
			goto lab_failed;
	} else if (lab != NULL) {
		/* the written answers are in; now the tasks, in bank order */
		for (i = 0; i < bank.nq; i++) {
			if (bank.q[i].type != GD_Q_PRACTICAL)
				continue;
			if (practical(lab, &bank, i, i + 1, bank.nq, err, sizeof(err)) < 0 ||
			    lab->stopped)
				goto lab_failed;
		}
	}

	gd_score_quiz(&bank, &ans, &sc);
	for (i = 0; lab != NULL && i < bank.nq; i++) {
		const struct prac *p = &lab->p[i];

		if (bank.q[i].type == GD_Q_PRACTICAL)
			gd_score_practical(&bank, &sc, i, !p->solved ? 0 :
			    p->seconds <= bank.q[i].target_s ? 1 : 0.5, p->ran);
	}
	for (i = 0; i < sc.nunknown; i++)
		gd_warnx("%s: line %zu: no question '%s' in bank %s; answer ignored",
		    ansfile ? ansfile : "answers", sc.unknown[i]->line, sc.unknown[i]->id, bank.id);

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	res = result_json(&bank, &sc, lab, participant, date);
	gd_result_envelope(res, GD_RESULT_QUIZ, NULL, 0);
	if ((dump = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))) == NULL) {
		gd_warnx("quiz: cannot encode the result");
		ret = GD_EXIT_UNREACHABLE;
		goto out;
	}
	if (json)
		printf("%s\n", dump);
	else
		print_text(&bank, &sc, lab, participant, date, gd_use_color(stdout));
	if (outfile != NULL) {
		struct gd_buf b = { 0 };

		gd_buf_printf(&b, "%s\n", dump);
		if (gd_write_atomic(outfile, b.data, b.len, 0644, err, sizeof(err)) < 0) {
			gd_warnx("quiz: %s", err);
			gd_buf_free(&b);
			ret = GD_EXIT_UNREACHABLE;
			goto out;
		}
		gd_buf_free(&b);
	}
	ret = sc.passed ? GD_EXIT_OK : GD_EXIT_FAIL;
	if (junit != NULL && gd_report_quiz_junit_write(res, junit, err, sizeof(err)) != 0) {
		gd_warnx("quiz: %s", err);
		ret = GD_EXIT_UNREACHABLE;
	}
	if (metrics != NULL && gd_report_quiz_metrics_write(res, metrics, err, sizeof(err)) != 0) {
		gd_warnx("quiz: %s", err);
		ret = GD_EXIT_UNREACHABLE;
	}
	if (docs.docs != NULL && gd_docs_commit_quiz(&docs, res, err, sizeof(err)) != 0) {
		gd_warnx("quiz: %s", err);
		ret = GD_EXIT_UNREACHABLE;
	}
	goto out;
lab_failed:
	if (lab->stopped) {
		gd_warnx("quiz: interrupted; cleaned up, no result");
		ret = GD_EXIT_ABORTED;
	} else {
		gd_warnx("quiz: %s", err);
		ret = lab->unreachable ? GD_EXIT_UNREACHABLE : GD_EXIT_USAGE;
	}
	goto out;
usage:
	fputs("usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] "
	    "[--out FILE] [-i INVENTORY [--practical-limit DURATION]] [--docs DIR [--author A] [--no-push]] "
	    "[--junit FILE] [--metrics FILE]\n", stderr);
out:
	free(dump);
	json_decref(res);
	gd_quiz_score_free(&sc);
	gd_answers_free(&ans);
	lab_free(&labst, bank.nq);
	gd_bank_free(&bank);
	return ret;
}
