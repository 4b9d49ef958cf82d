/* score.h: scoring of quiz answers. Pure functions over a loaded bank. */
#ifndef GD_SCORE_H
#define GD_SCORE_H

#include <stddef.h>

#include "bank.h"

enum gd_qstatus {
	GD_ST_RIGHT,      /* full points */
	GD_ST_PARTIAL,    /* some points */
	GD_ST_WRONG,      /* an answer, no points */
	GD_ST_EMPTY,      /* answered with nothing */
	GD_ST_MISSING,    /* not answered at all */
	GD_ST_PRACTICAL,  /* graded on the lab, not by the quiz */
};

struct gd_qscore {
	double score, max;      /* both 0 for a practical question not graded */
	enum gd_qstatus status;
};

struct gd_topic_score {
	const char *name;       /* borrowed from the bank */
	double score, max;
	size_t nq;              /* graded questions in the topic */
};

struct gd_quiz_score {
	struct gd_qscore *q;            /* one per bank question, same order */
	const struct gd_answer **ans;   /* one per bank question; NULL when missing */
	struct gd_topic_score *topics;  /* the bank's topics, in its order */
	size_t ntopics;
	double total, max, percent;     /* practical questions only once graded */
	int passed;                     /* percent >= the bank's pass mark */
	const struct gd_answer **unknown;  /* answers to ids the bank lacks */
	size_t nunknown;
};

/* The share of a question's points an answer earns, 0 to 1. parts are the
 * answer as written: one string, or the items of a list. 0 for practical. */
double gd_score_fraction(const struct gd_question *q, const char *const *parts, size_t nparts);

/* Scores one question; a NULL answer is a missing one. */
void gd_score_question(const struct gd_question *q, const struct gd_answer *a,
    struct gd_qscore *out);

/* Scores every question of b with the answers in a (which may be NULL for
 * none), per topic and in total. Pointers in out are borrowed from b and a;
 * free it with gd_quiz_score_free. */
void gd_score_quiz(const struct gd_bank *b, const struct gd_answers *a,
    struct gd_quiz_score *out);
void gd_quiz_score_free(struct gd_quiz_score *s);

/* Grades practical question j of out after its probe ran on the lab: the
 * fraction of its points earned (1 in time, 0.5 late, 0 unsolved), or
 * ran = 0 when it never started (missing). Adds it to its topic and the
 * total. A question graded already is left alone. */
void gd_score_practical(const struct gd_bank *b, struct gd_quiz_score *out, size_t j,
    double fraction, int ran);

/* 1 when every part of the line means something for q (an option, an item,
 * a number), so that a TTY can ask again on a typo; empty lines are fine. */
int gd_score_understood(const struct gd_question *q, const char *line);

/* Text as the scorer compares it: trimmed, runs of white space made one
 * space, lowercased (ASCII, Latin-1, Greek and Cyrillic capitals; other
 * UTF-8 kept as is). Caller frees. */
char *gd_score_norm(const char *s);

/* The answers of a file checked against the bank before scoring: a multi
 * answer naming a key that is none of the question's options, or an order
 * answer with a piece that is none of its items, is an error ("FILE: line N:
 * question 'ID': 'z' is not one of its options (a, b, c)"). An order answer
 * given by numbers (as a terminal quiz lists the items, shuffled) adds a
 * warning to a->warnings saying which item each number is. */
int gd_answers_check(const struct gd_bank *b, struct gd_answers *a, char *err, size_t errlen);

/* 1 when the normalized phrase occurs in the normalized text as whole
 * words: not inside a longer word on either side. */
int gd_score_has_phrase(const char *text, const char *phrase);

const char *gd_qstatus_name(enum gd_qstatus st);

#endif
