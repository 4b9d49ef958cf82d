/* cmd_quiz.c: `gameday quiz`, a scored internal test from a question bank. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "duration.h"
#include "gd.h"
#include "bank.h"
#include "docs.h"
#include "report.h"
#include "result.h"
#include "inventory.h"
#include "practical.h"
#include "quiz_ui.h"
#include "score.h"
#include "session.h"

static const char quiz_usage[] =
"usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] [--out FILE]\n"
"                    [-i INVENTORY [--practical-limit DURATION] [--state-dir DIR]]\n"
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
"      --state-dir DIR     where the practicals' journal goes (default\n"
"                          $XDG_STATE_HOME/gameday): each setup is journaled\n"
"                          with its cleanup, takes the hosts' leases and arms\n"
"                          a dead-man timer on them, so that a killed quiz is\n"
"                          cleaned up by the hosts or by `gameday recover`\n"
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

/* ---- the result ---- */

/* seconds through the one duration formatter */
static const char *
dur(long s, char *buf, size_t len)
{
	return gd_duration_fmt((long long)s * 1000, buf, len);
}

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
practical_json(json_t *qo, const struct gd_lab *l, const struct gd_question *q,
    const struct gd_prac *p)
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
result_json(const struct gd_bank *b, const struct gd_quiz_score *s, const struct gd_lab *l,
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
print_text(const struct gd_bank *b, const struct gd_quiz_score *s, const struct gd_lab *l,
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


struct quiz_opts {
	const char *participant, *ansfile, *outfile, *bankfile, *invfile, *state_dir;
	const char *junit, *metrics;
	struct gd_docs_opts docs;   /* docs.docs NULL: no doc repo */
	int json;
	long limit_s;               /* --practical-limit, in seconds; 0 for none */
};

/* Options into o: 0, 1 when --help was printed, -1 for a usage error (said). */
static int
parse_opts(int argc, char **argv, struct quiz_opts *o)
{
	enum { O_JSON = 256, O_LIMIT, O_JUNIT, O_METRICS, O_STATE };
	static const struct option longopts[] = {
		{ "participant", required_argument, NULL, 'p' },
		{ "answers", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, O_JSON },
		{ "out", required_argument, NULL, 'o' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "practical-limit", required_argument, NULL, O_LIMIT },
		{ "state-dir", required_argument, NULL, O_STATE },
		GD_DOCS_LONGOPTS,
		{ "junit", required_argument, NULL, O_JUNIT },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *limit = NULL;
	int ch, bad = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:a:o:i:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->participant = optarg; break;
		case 'a': o->ansfile = optarg; break;
		case 'o': o->outfile = optarg; break;
		case 'i': o->invfile = gd_inventory_arg(o->invfile, optarg); break;
		case O_LIMIT: limit = optarg; break;
		case O_STATE: o->state_dir = optarg; break;
		case O_JUNIT: o->junit = optarg; break;
		case O_METRICS: o->metrics = optarg; break;
		case O_JSON: o->json = 1; break;
		case 'h': fputs(quiz_usage, stdout); fputs(gd_docs_usage, stdout); return 1;
		default: bad = !gd_docs_getopt(ch, optarg, &o->docs); break;
		}
	}
	if (bad)
		return -1;
	if (argc - optind != 1) {
		gd_warnx("quiz: give one bank file");
		return -1;
	}
	o->bankfile = argv[optind];
	if (o->participant == NULL || o->participant[0] == '\0') {
		gd_warnx("quiz: --participant NAME is required");
		return -1;
	}
	if (strlen(o->participant) > 200) {
		gd_warnx("quiz: --participant is longer than 200 bytes");
		return -1;
	}
	if (limit != NULL && o->invfile == NULL) {
		gd_warnx("quiz: --practical-limit needs -i INVENTORY");
		return -1;
	}
	if (limit != NULL) {
		char derr[GD_ERRLEN] = "";
		long long ms = 0;

		if (gd_duration_parse(limit, &ms, derr, sizeof(derr)) != 0 || ms <= 0) {
			gd_warnx("quiz: --practical-limit: %s", ms <= 0 && derr[0] == '\0' ?
			    "must be more than 0" : derr);
			return -1;
		}
		o->limit_s = (long)((ms + 999) / 1000);
	}
	if (o->ansfile == NULL && !isatty(STDIN_FILENO)) {
		gd_warnx("quiz: no --answers FILE, and stdin is not a terminal to ask on");
		return -1;
	}
	return 0;
}

struct take {
	struct gd_lab *lab;
	const struct gd_bank *bank;
};

/* gd_quiz_practical_fn: practical question j on the lab, in its turn. */
static int
take_practical(void *arg, size_t j, char *err, size_t errlen)
{
	struct take *t = arg;

	if (gd_lab_practical(t->lab, t->bank, j, j + 1, t->bank->nq, err, errlen) < 0 ||
	    t->lab->stopped)
		return -1;
	return 0;
}

/* The answers, asked or read, and the practical questions on the lab (NULL:
 * none); -1 with err when the lab failed or the quiz was interrupted. */
static int
take_quiz(const struct quiz_opts *o, const struct gd_bank *bank, struct gd_answers *ans,
    struct gd_lab *lab, char *err, size_t errlen)
{
	struct take t = { lab, bank };
	size_t i;

	if (o->ansfile == NULL)
		return gd_quiz_ask_all(bank, o->participant, ans, lab != NULL ? take_practical : NULL,
		    &t, err, errlen);
	/* the written answers are in; now the tasks, in bank order */
	for (i = 0; lab != NULL && i < bank->nq; i++)
		if (bank->q[i].type == GD_Q_PRACTICAL && take_practical(&t, i, err, errlen) < 0)
			return -1;
	return 0;
}

/* A failed output's message as "quiz: ...", as the quiz says everything. */
static int
said(int rc, char *err, size_t errlen)
{
	char e[GD_ERRLEN];

	if (rc != 0) {
		snprintf(e, sizeof(e), "quiz: %s", err);
		snprintf(err, errlen, "%s", e);
	}
	return rc;
}

static int
write_out(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	char *dump = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	struct gd_buf b = { 0 };
	int rc;

	(void)author;
	if (dump == NULL)
		return gd_errf(err, errlen, "quiz: cannot encode the result");
	gd_buf_printf(&b, "%s\n", dump);
	rc = gd_write_atomic(path, b.data, b.len, 0644, err, errlen);
	gd_buf_free(&b);
	free(dump);
	return said(rc, err, errlen);
}

static int
write_junit(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	(void)author;
	return said(gd_report_quiz_junit_write(res, path, err, errlen), err, errlen);
}

static int
write_metrics(const json_t *res, const char *path, const char *author, char *err, size_t errlen)
{
	(void)author;
	return said(gd_report_quiz_metrics_write(res, path, err, errlen), err, errlen);
}


/* Scores, prints and writes the result; returns the exit code. */
static int
conclude(const struct quiz_opts *o, const struct gd_bank *bank, const struct gd_answers *ans,
    struct gd_quiz_score *sc, const struct gd_lab *lab)
{
	struct gd_output outs[3] = {
		{ o->outfile, write_out, NULL },
		{ o->junit, write_junit, NULL },
		{ o->metrics, write_metrics, NULL },
	};
	char date[32], *dump, err[4096];
	time_t now = time(NULL);
	struct tm tm;
	json_t *res;
	size_t i;
	int ret;

	gd_score_quiz(bank, ans, sc);
	for (i = 0; lab != NULL && i < bank->nq; i++) {
		const struct gd_prac *p = &lab->p[i];

		if (bank->q[i].type == GD_Q_PRACTICAL)
			gd_score_practical(bank, sc, i, !p->solved ? 0 :
			    p->seconds <= bank->q[i].target_s ? 1 : 0.5, p->ran);
	}
	for (i = 0; i < sc->nunknown; i++)
		gd_warnx("%s: line %zu: no question '%s' in bank %s; answer ignored",
		    o->ansfile ? o->ansfile : "answers", sc->unknown[i]->line, sc->unknown[i]->id, bank->id);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	res = result_json(bank, sc, lab, o->participant, date);
	gd_result_envelope(res, GD_RESULT_QUIZ, NULL, 0);
	dump = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	if (dump == NULL) {
		gd_warnx("quiz: cannot encode the result");
		json_decref(res);
		return GD_EXIT_UNREACHABLE;
	}
	if (o->json)
		printf("%s\n", dump);
	else
		print_text(bank, sc, lab, o->participant, date, gd_use_color(stdout));
	ret = gd_outputs_write(sc->passed ? GD_EXIT_OK : GD_EXIT_FAIL, res, outs,
	    sizeof(outs) / sizeof(outs[0]));
	if (o->docs.docs != NULL && gd_docs_commit_quiz(&o->docs, res, err, sizeof(err)) != 0) {
		gd_warnx("quiz: %s", err);
		ret = gd_exit_output_failed(ret);
	}
	free(dump);
	json_decref(res);
	return ret;
}

int
gd_cmd_quiz(int argc, char **argv)
{
	struct quiz_opts o = { 0 };
	struct gd_bank bank = { 0 };
	struct gd_answers ans = { 0 };
	struct gd_quiz_score sc = { 0 };
	struct gd_lab labst = { 0 }, *lab = NULL;
	char err[GD_ERRLEN];
	size_t i;
	int ret = GD_EXIT_USAGE, rc;

	if ((rc = parse_opts(argc, argv, &o)) != 0) {
		if (rc > 0)
			return GD_EXIT_OK;
		fputs("usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] "
		    "[--out FILE] [-i INVENTORY [--practical-limit DURATION] [--state-dir DIR]] "
		    "[--docs DIR [--author A] [--no-push]] [--junit FILE] [--metrics FILE]\n", stderr);
		return GD_EXIT_USAGE;
	}
	labst.limit_s = o.limit_s;
	if (gd_bank_load(&bank, o.bankfile, err, sizeof(err)) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (o.ansfile != NULL) {
		if (gd_answers_load(&ans, o.ansfile, err, sizeof(err)) < 0 ||
		    gd_answers_check(&bank, &ans, err, sizeof(err)) < 0) {
			gd_warnx("%s", err);
			goto out;
		}
		for (i = 0; i < ans.nwarnings; i++)
			gd_warnx("%s", ans.warnings[i]);
	}
	if (o.invfile != NULL) {
		/* every probe's hosts must answer before the first question */
		lab = &labst;
		lab->watch = isatty(STDIN_FILENO);
		if (gd_lab_open(lab, &bank, o.invfile, o.state_dir, err, sizeof(err)) < 0) {
			gd_warnx("quiz: %s", err);
			if (lab->unreachable)
				ret = GD_EXIT_UNREACHABLE;
			goto out;
		}
	}
	if (take_quiz(&o, &bank, &ans, lab, err, sizeof(err)) == 0) {
		ret = conclude(&o, &bank, &ans, &sc, lab);
	} else if (lab->stopped) {
		gd_warnx("quiz: interrupted; cleaned up, no result");
		ret = GD_EXIT_ABORTED;
	} else {
		gd_warnx("quiz: %s", err);
		ret = lab->unreachable ? GD_EXIT_UNREACHABLE : GD_EXIT_USAGE;
	}
out:
	gd_quiz_score_free(&sc);
	gd_answers_free(&ans);
	gd_lab_free(&labst, bank.nq);
	gd_bank_free(&bank);
	return ret;
}
