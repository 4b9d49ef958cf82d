/* cmd_docs.c: `gameday docs push` (the report commits an earlier run could
 * not push) and `gameday docs add` (results made elsewhere, filed through the
 * one doc-repo writer). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "docs.h"
#include "gd.h"
#include "result.h"

static const char docs_cmd_usage[] =
"usage: gameday docs push [--docs DIR] [--known-hosts F] [--accept-new]\n"
"       gameday docs add RESULT.json... [--docs DIR] [--author 'N <E>']\n"
"                        [--branch B] [--no-push] [--participant NAME]\n"
"\n"
"push  pushes the branch's commits that its upstream lacks: the reports of runs\n"
"      whose push failed (unreachable remote, --no-push). When the remote moved\n"
"      on, gameday's own commits are rebuilt on its tip (index tables\n"
"      regenerated, a report name another runner took renamed) and the push is\n"
"      tried again, up to 5 times. Nothing is ever force-pushed; a commit that\n"
"      is not gameday's is left for you to push.\n"
"add   files results that `--json` or `--out` wrote (a run, drill, quiz,\n"
"      wheel spin or readiness check: told apart by their envelope or shape)\n"
"      as if the command had been given --docs: the report, its twin, the\n"
"      index row, one commit each, then a push. --participant adds a name to\n"
"      each result's participants.\n"
"\n"
"Remotes over SSH use gameday's own host-key rules: --known-hosts FILE, else\n"
"~/.ssh/known_hosts; an unknown key is refused with its fingerprint unless\n"
"--accept-new; ssh-agent first, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa.\n"
"\n"
"options:\n"
"      --docs DIR         the doc repo (default: the current directory)\n"
"      --known-hosts F    host keys of an ssh:// remote\n"
"      --accept-new       record an unknown host key of the remote\n"
"      --participant NAME (add) who played\n"
"  -q, --quiet            no \"pushed\" line\n"
"  -h, --help             this help\n"
"\n"
"exit status: 0 pushed (or nothing to push), 2 usage or a result that is not\n"
"one, 3 the doc repo or its remote could not be used (the commit is kept)\n";

static int
docs_add(struct gd_docs_opts *o, const char *const *files, size_t n, const char *participant)
{
	char err[4096];
	enum gd_result_kind kind;
	size_t i;
	int ret = GD_EXIT_OK, rc;

	for (i = 0; i < n; i++) {
		json_error_t je;
		json_t *res = json_load_file(files[i], 0, &je);

		if (res == NULL || !json_is_object(res)) {
			if (res == NULL)
				gd_warnx("%s: line %d: not valid JSON: %s", files[i], je.line, je.text);
			else
				gd_warnx("%s: a result must be a JSON object", files[i]);
			json_decref(res);
			return GD_EXIT_USAGE;
		}
		gd_result_envelope(res, GD_RESULT_OTHER, participant != NULL ? &participant : NULL,
		    participant != NULL);
		kind = gd_result_kind(res);
		rc = gd_docs_commit_result(o, res, err, sizeof(err));
		json_decref(res);
		if (rc != 0) {
			gd_warnx("%s: %s", files[i], err);
			if (rc != GD_DOCS_UNPUSHED)
				return kind == GD_RESULT_OTHER ? GD_EXIT_USAGE : gd_docs_exit(rc);
			ret = gd_docs_exit(rc);
		}
	}
	return ret;
}

int
gd_cmd_docs(int argc, char **argv)
{
	enum { O_KNOWN = 256, O_ACCEPT, O_WHO };
	static const struct option longopts[] = {
		GD_DOCS_LONGOPTS,
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "accept-new", no_argument, NULL, O_ACCEPT },
		{ "participant", required_argument, NULL, O_WHO },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_docs_opts o = { .docs = "." };
	const char *who = NULL, *sub;
	char err[4096];
	size_t n = 0;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case O_KNOWN: o.known_hosts = optarg; break;
		case O_ACCEPT: o.accept_new = 1; break;
		case O_WHO: who = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'h': fputs(docs_cmd_usage, stdout); return GD_EXIT_OK;
		default:
			if (gd_docs_getopt(ch, optarg, &o))
				break;
			fputs(docs_cmd_usage, stderr);
			return GD_EXIT_USAGE;
		}
	}
	sub = optind < argc ? argv[optind] : "";
	if (strcmp(sub, "add") == 0 && optind + 1 < argc)
		return docs_add(&o, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1), who);
	if (strcmp(sub, "push") != 0 || optind + 1 != argc) {
		gd_warnx("docs: give push, or add RESULT.json...");
		fputs(docs_cmd_usage, stderr);
		return GD_EXIT_USAGE;
	}
	rc = gd_docs_push(&o, &n, err, sizeof(err));
	if (rc != 0) {
		gd_warnx("%s", err);
		return gd_docs_exit(rc);
	}
	if (n == 0 && !o.quiet)
		printf("nothing to push: %s is even with its upstream\n", o.docs);
	return GD_EXIT_OK;
}
