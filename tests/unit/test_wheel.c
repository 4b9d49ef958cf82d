/* test_wheel.c: the wheel's pick over many seeds: determinism, no repeats,
 * weights, the least-played participant, ties, nothing left; the roster. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gd.h"
#include "date.h"
#include "roster.h"
#include "wheel.h"

static const struct gd_wheel_scn six[] = {
	{ "a", 1 }, { "b", 1 }, { "c", 1 }, { "d", 1 }, { "e", 1 }, { "f", 1 },
};
static const struct gd_wheel_person four[] = {
	{ "alice", 2 }, { "bruno", 1 }, { "chen", 3 }, { "dana", 1 },
};

static void
test_rand_known(void **state)
{
	uint64_t s = 0;

	(void)state;
	/* splitmix64's published first output from state 0 */
	assert_true(gd_wheel_rand(&s) == 0xe220a8397b1dcdafULL);
}

static void
test_determinism(void **state)
{
	struct gd_wheel_pick p1, p2;
	char err[GD_ERRLEN];
	uint64_t seed;
	int diff = 0;

	(void)state;
	for (seed = 0; seed < 1000; seed++) {
		assert_int_equal(gd_wheel_pick(six, 6, NULL, 0, four, 4, seed, &p1, err, sizeof(err)), 0);
		assert_int_equal(gd_wheel_pick(six, 6, NULL, 0, four, 4, seed, &p2, err, sizeof(err)), 0);
		assert_int_equal(p1.scenario, p2.scenario);
		assert_int_equal(p1.person, p2.person);
		if (seed > 0 && p1.scenario != 0)
			diff = 1;
	}
	assert_true(diff);   /* the seed matters */
}

static void
test_no_repeat(void **state)
{
	const char *recent[] = { "b", "e", "f" };
	struct gd_wheel_pick p;
	char err[GD_ERRLEN];
	size_t seen[6] = { 0 };
	uint64_t seed;

	(void)state;
	for (seed = 0; seed < 1000; seed++) {
		assert_int_equal(gd_wheel_pick(six, 6, recent, 3, four, 4, seed * 7919, &p, err, sizeof(err)), 0);
		assert_string_not_equal(six[p.scenario].id, "b");
		assert_string_not_equal(six[p.scenario].id, "e");
		assert_string_not_equal(six[p.scenario].id, "f");
		assert_int_equal(p.eligible, 3);
		seen[p.scenario]++;
	}
	/* and every one left is picked at times */
	assert_true(seen[0] > 0 && seen[2] > 0 && seen[3] > 0);
}

static void
test_weights(void **state)
{
	const struct gd_wheel_weight w[] = { { (char *)"network", 9 }, { (char *)"off", 0 } };
	const char *t1[] = { "network", "db" }, *t2[] = { "disk" }, *t3[] = { "disk", "off" };
	struct gd_wheel_scn s[3];
	struct gd_wheel_pick p;
	char err[GD_ERRLEN];
	uint64_t seed;
	int heavy = 0;

	(void)state;
	s[0].id = "net";
	s[0].weight = gd_wheel_weight(t1, 2, w, 2);
	s[1].id = "disk";
	s[1].weight = gd_wheel_weight(t2, 1, w, 2);
	s[2].id = "never";
	s[2].weight = gd_wheel_weight(t3, 2, w, 2);
	assert_true(s[0].weight == 9 && s[1].weight == 1 && s[2].weight == 0);
	for (seed = 0; seed < 10000; seed++) {
		assert_int_equal(gd_wheel_pick(s, 3, NULL, 0, four, 4, seed, &p, err, sizeof(err)), 0);
		assert_int_not_equal(p.scenario, 2);   /* weight 0: off the wheel */
		heavy += p.scenario == 0;
	}
	/* expected 9000, sd 30: 8000 is 33 sd away, it cannot flake */
	assert_true(heavy > 8000);
	assert_true(heavy < 9900);
}

static void
test_least_played(void **state)
{
	const struct gd_wheel_person one_least[] = { { "alice", 2 }, { "bruno", 0 }, { "chen", 3 } };
	struct gd_wheel_pick p;
	char err[GD_ERRLEN];
	uint64_t seed;
	int got[4] = { 0 };

	(void)state;
	for (seed = 0; seed < 1000; seed++) {
		assert_int_equal(gd_wheel_pick(six, 6, NULL, 0, one_least, 3, seed, &p, err, sizeof(err)), 0);
		assert_int_equal(p.person, 1);
		assert_int_equal(p.ties, 1);
	}
	/* bruno and dana tie at 1: the seed breaks it, each gets a fair share */
	for (seed = 0; seed < 1000; seed++) {
		assert_int_equal(gd_wheel_pick(six, 6, NULL, 0, four, 4, seed, &p, err, sizeof(err)), 0);
		assert_true(p.person == 1 || p.person == 3);
		assert_int_equal(p.ties, 2);
		got[p.person]++;
	}
	assert_true(got[1] > 350 && got[3] > 350);
}

static void
test_all_excluded(void **state)
{
	const char *recent[] = { "a", "b", "c", "d", "e", "f" };
	const struct gd_wheel_scn zero[] = { { "a", 0 }, { "b", 0 } };
	struct gd_wheel_pick p;
	char err[GD_ERRLEN];

	(void)state;
	assert_int_equal(gd_wheel_pick(six, 6, recent, 6, four, 4, 1, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no scenario left"));
	assert_int_equal(gd_wheel_pick(zero, 2, NULL, 0, four, 4, 1, &p, err, sizeof(err)), -1);
	assert_int_equal(gd_wheel_pick(six, 0, NULL, 0, four, 4, 1, &p, err, sizeof(err)), -1);
	assert_int_equal(gd_wheel_pick(six, 6, NULL, 0, four, 0, 1, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nobody"));
}

static void
test_recent(void **state)
{
	struct gd_wheel_play pl[] = {
		{ (char *)"a", NULL, 100 }, { (char *)"b", NULL, 400 }, { (char *)"b", NULL, 300 },
		{ (char *)"c", NULL, 200 }, { (char *)"d", NULL, 50 },
	};
	const char *ids[3];

	(void)state;
	assert_int_equal(gd_wheel_recent(pl, 5, 3, ids), 3);
	assert_string_equal(ids[0], "b");   /* distinct: b twice counts once */
	assert_string_equal(ids[1], "c");
	assert_string_equal(ids[2], "a");
	assert_int_equal(gd_wheel_recent(pl, 5, 0, ids), 0);
}

static void
test_date(void **state)
{
	long long t;

	(void)state;
	assert_int_equal(gd_date_parse("1970-01-02", &t), 0);
	assert_true(t == 86400);
	assert_int_equal(gd_date_parse("2024-05-02T10:00:00Z", &t), 0);
	assert_true(t == 1714644000LL);
	assert_int_equal(gd_date_parse("2024-05-02 10:00", &t), 0);
	assert_int_equal(gd_date_parse("2024-13-02", &t), -1);
	assert_int_equal(gd_date_parse("yesterday", &t), -1);
	assert_int_equal(gd_date_parse("2024-05-02x", &t), -1);
}

static char *
write_tmp(const char *text)
{
	char *path = gd_xstrdup("/tmp/gd-wheel-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_roster(void **state)
{
	char *path = write_tmp(
	    "no_repeat: 2\n"
	    "weights: { network: 3 }\n"
	    "participants:\n"
	    "  - name: alice\n"
	    "    oncall_start: 2024-01-08\n"
	    "    plays: [ { scenario: a, date: 2024-02-01 } ]\n"
	    "  - name: bruno\n"
	    "plays:\n"
	    "  - { scenario: b, participant: bruno, date: 2024-03-01 }\n");
	struct gd_roster r;
	char err[GD_ERRLEN];

	(void)state;
	assert_int_equal(gd_roster_load(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.npeople, 2);
	assert_int_equal(r.nweights, 1);
	assert_int_equal(r.nplays, 2);
	assert_int_equal(r.no_repeat, 2);
	assert_string_equal(r.plays[0].participant, "alice");
	gd_roster_free(&r);
	unlink(path);
	free(path);

	path = write_tmp("participants:\n  - name: alice\n  - name: alice\n");
	assert_int_equal(gd_roster_load(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 3"));
	unlink(path);
	free(path);

	path = write_tmp("participants:\n  - { name: a }\nplays:\n  - { scenario: x, date: soon }\n");
	assert_int_equal(gd_roster_load(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4"));
	unlink(path);
	free(path);

	path = write_tmp("participants: []\nwieghts: {}\n");
	assert_int_equal(gd_roster_load(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wieghts"));
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rand_known),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_no_repeat),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_least_played),
		cmocka_unit_test(test_all_excluded),
		cmocka_unit_test(test_recent),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_roster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
