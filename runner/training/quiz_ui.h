/* quiz_ui.h: asking a quiz on a terminal. */
#ifndef GD_QUIZ_UI_H
#define GD_QUIZ_UI_H

#include <stddef.h>

#include "bank.h"
#include "score.h"

/* Runs practical question j in its turn; -1 (err filled, or an interrupt)
 * stops the quiz. */
typedef int (*gd_quiz_practical_fn)(void *arg, size_t j, char *err, size_t errlen);

/* Asks every question on the terminal into a (one answer per graded
 * question answered; none for those left when input ends). With prac,
 * practical questions run in their turn through it; -1 when one fails. */
int gd_quiz_ask_all(const struct gd_bank *b, const char *participant, struct gd_answers *a,
    gd_quiz_practical_fn prac, void *arg, char *err, size_t errlen);

#endif
