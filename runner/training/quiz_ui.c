/* quiz_ui.c: asking a quiz's questions on a terminal, with line editing
 * (readline); practical questions are handed back to the caller in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GD_HAVE_READLINE
#include <readline/readline.h>
#include <readline/history.h>
#endif

#include "gd.h"
#include "quiz_ui.h"
#include "score.h"

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

int
gd_quiz_ask_all(const struct gd_bank *b, const char *participant, struct gd_answers *a,
    gd_quiz_practical_fn prac, void *arg, char *err, size_t errlen)
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

		if (q->type == GD_Q_PRACTICAL && prac != NULL) {
			if (prac(arg, i, err, errlen) < 0)
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
