/* cmd_quiz.c: `gameday quiz`, a scored internal test from a question bank. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
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

#include "gd.h"
#include "bank.h"
#include "score.h"

static const char quiz_usage[] =
"usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] [--out FILE]\n"
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
"  practical not graded here: graded on the lab by its probe, and left out of\n"
"            the total\n"
"Answers are trimmed; one longer than 4096 bytes is cut there. Answers to ids\n"
"the bank lacks are named and ignored; missing answers score 0.\n"
"\n"
"options:\n"
"  -p, --participant NAME  who takes the test (required)\n"
"  -a, --answers FILE      read the answers from FILE instead of asking\n"
"      --json              print the result as JSON\n"
"  -o, --out FILE          also write the JSON result to FILE (atomically), for\n"
"                          history and `gameday readiness`\n"
"  -h, --help              this help\n"
"\n"
"On a terminal, an empty line leaves a question unanswered, Ctrl-D stops\n"
"(what is left counts as missing), Ctrl-C abandons without a result.\n"
"\n"
"exit status:\n"
"  0  passed\n"
"  1  not passed\n"
"  2  usage, or a bad bank or answers file (the message names file and line)\n"
"  3  the result could not be written\n"
"\n"
"examples:\n"
"  gameday quiz scenarios/banks/oncall.yaml --participant alice\n"
"  gameday quiz scenarios/banks/oncall.yaml -p bob --answers bob.yaml --out results/bob.json\n";

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
 * question answered; none for those left when input ends). */
static void
ask_all(const struct gd_bank *b, const char *participant, struct gd_answers *a)
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

static json_t *
result_json(const struct gd_bank *b, const struct gd_quiz_score *s, const char *participant,
    const char *date)
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
print_text(const struct gd_bank *b, const struct gd_quiz_score *s, const char *participant,
    const char *date, int color)
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
			printf("  %-28s %-16s %5s / %-3s  %s\n", b->q[i].id, b->q[i].topic,
			    num(r->score, n1, sizeof(n1)), num(r->max, n2, sizeof(n2)),
			    gd_qstatus_name(r->status));
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
	enum { O_JSON = 256 };
	static const struct option longopts[] = {
		{ "participant", required_argument, NULL, 'p' },
		{ "answers", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, O_JSON },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_bank bank = { 0 };
	struct gd_answers ans = { 0 };
	struct gd_quiz_score sc = { 0 };
	const char *participant = NULL, *ansfile = NULL, *outfile = NULL, *bankfile;
	char err[GD_ERRLEN], date[32], *dump = NULL;
	json_t *res = NULL;
	time_t now;
	struct tm tm;
	size_t i;
	int ch, json = 0, bad = 0, ret = GD_EXIT_USAGE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:a:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': participant = optarg; break;
		case 'a': ansfile = optarg; break;
		case 'o': outfile = optarg; break;
		case O_JSON: json = 1; break;
		case 'h': fputs(quiz_usage, stdout); return GD_EXIT_OK;
		default: bad = 1; break;
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
	if (ansfile == NULL && !isatty(STDIN_FILENO)) {
		gd_warnx("quiz: no --answers FILE, and stdin is not a terminal to ask on");
		goto usage;
	}

	if (gd_bank_load(&bank, bankfile, err, sizeof(err)) < 0) {
		gd_warnx("%s", err);
		goto out;
	}
	if (ansfile != NULL) {
		if (gd_answers_load(&ans, ansfile, err, sizeof(err)) < 0) {
			gd_warnx("%s", err);
			goto out;
		}
		for (i = 0; i < ans.nwarnings; i++)
			gd_warnx("%s", ans.warnings[i]);
	} else {
		ask_all(&bank, participant, &ans);
	}

	gd_score_quiz(&bank, &ans, &sc);
	for (i = 0; i < sc.nunknown; i++)
		gd_warnx("%s: line %zu: no question '%s' in bank %s; answer ignored",
		    ansfile ? ansfile : "answers", sc.unknown[i]->line, sc.unknown[i]->id, bank.id);

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	res = result_json(&bank, &sc, participant, date);
	if ((dump = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))) == NULL) {
		gd_warnx("quiz: cannot encode the result");
		ret = GD_EXIT_UNREACHABLE;
		goto out;
	}
	if (json)
		printf("%s\n", dump);
	else
		print_text(&bank, &sc, participant, date, gd_use_color(stdout));
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
	goto out;
usage:
	fputs("usage: gameday quiz BANK.yaml --participant NAME [--answers FILE] [--json] "
	    "[--out FILE]\n", stderr);
out:
	free(dump);
	json_decref(res);
	gd_quiz_score_free(&sc);
	gd_answers_free(&ans);
	gd_bank_free(&bank);
	return ret;
}
