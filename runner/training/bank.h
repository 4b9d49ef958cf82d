/* bank.h: question banks (YAML) and answers files for `gameday quiz`. */
#ifndef GD_BANK_H
#define GD_BANK_H

#include <stddef.h>

enum gd_qtype {
	GD_Q_CHOICE,     /* one right option */
	GD_Q_MULTI,      /* weighted options; a negative total clamps to 0 */
	GD_Q_KEYWORDS,   /* groups of synonyms; each group found earns its share */
	GD_Q_ORDER,      /* longest correctly ordered subsequence */
	GD_Q_NUMERIC,    /* a number within a tolerance */
	GD_Q_PRACTICAL,  /* graded by a probe on lab hosts (quiz -i), else not graded */
};

struct gd_option {
	char *key;       /* "a" */
	char *text;
	double weight;   /* multi only */
};

struct gd_kwgroup {
	char **words;    /* synonyms, as written */
	size_t n;
};

struct gd_question {
	char *id, *topic, *text, *remedy;  /* remedy may be NULL (a warning) */
	enum gd_qtype type;
	double points;
	size_t line;                 /* where the question starts */
	struct gd_option *opts;      /* choice, multi */
	size_t nopts;
	char *answer;                /* choice: the right option's key */
	struct gd_kwgroup *groups;   /* keywords */
	size_t ngroups;
	char **items;                /* order: the right order */
	size_t nitems;
	size_t *shown;               /* order: items as the quiz lists them (a fixed
	                              * shuffle), which numbers in answers refer to */
	double number, tolerance;    /* numeric */
	int tol_percent;             /* tolerance is a percent of number */
	char *unit;                  /* numeric, may be NULL */
	char *probe_on, *probe_cmd;  /* practical */
	long target_s;               /* practical: target time to solve, seconds */
	char *setup, *cleanup;       /* practical, may be NULL: shell run on the probe's
	                              * hosts before the task and always after it */
};

struct gd_bank {
	char *path;
	char *id, *title;
	double pass;                 /* pass mark, percent of the graded points */
	char **topics;
	size_t ntopics;
	struct gd_question *q;
	size_t nq;
	char **warnings;             /* "FILE: line N: ..." that do not stop a quiz */
	size_t nwarnings;
};

/* Limits. An answer longer than GD_ANSWER_MAX bytes is cut there (at a
 * UTF-8 boundary) with a warning. */
#define GD_ANSWER_MAX 4096

/* Reads and validates a bank. On error fills err with "FILE: line N: what"
 * and returns -1; b is then empty. */
int gd_bank_load(struct gd_bank *b, const char *path, char *err, size_t errlen);
/* The same from memory; name stands for the file in messages. */
int gd_bank_parse(struct gd_bank *b, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
void gd_bank_free(struct gd_bank *b);

/* For `gameday check`: 0 when path is a valid bank, else -1 with
 * "FILE: line N: what". Warnings (a question without remedy) go to stderr. */
int gd_bank_check(const char *path, char *err, size_t errlen);

/* 1 when path looks like a bank (a YAML mapping with 'bank' and 'questions'
 * keys), so that `gameday check` knows which loader to use; 0 otherwise. */
int gd_bank_sniff(const char *path);

/* The question with that id, or NULL. Borrowed. */
const struct gd_question *gd_bank_find(const struct gd_bank *b, const char *id);

const char *gd_qtype_name(enum gd_qtype t);

/* One answer of an answers file: a string or number is one part, a list
 * several. Parts are kept as written (verbatim), cut at GD_ANSWER_MAX. */
struct gd_answer {
	char *id;
	size_t line;
	char **parts;
	size_t nparts;
	int list;        /* written as a list */
	int truncated;   /* cut at GD_ANSWER_MAX */
};

struct gd_answers {
	char *path;
	struct gd_answer *a;
	size_t n;
	char **warnings;   /* answers cut short */
	size_t nwarnings;
};

/* Reads an answers file: a YAML mapping of question id to answer. Unknown ids
 * are kept here; the quiz warns about them. -1 with "FILE: line N: what". */
int gd_answers_load(struct gd_answers *a, const char *path, char *err, size_t errlen);
int gd_answers_parse(struct gd_answers *a, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
void gd_answers_free(struct gd_answers *a);

/* Cuts s to at most max bytes without splitting a UTF-8 sequence; returns
 * 1 when it cut. */
int gd_answer_cut(char *s, size_t max);

#endif
