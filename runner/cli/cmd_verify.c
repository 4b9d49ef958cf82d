/* cmd_verify.c: `gameday verify`, prove a backup archive whole, entry by entry. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "gd.h"
#include "report.h"
#include "verify.h"

static const char verify_usage[] =
"usage: gameday verify ARCHIVE [--manifest FILE] [--json] [budgets]\n"
"\n"
"Reads a backup archive once, as a stream, and proves it whole: every entry is\n"
"checked against the rules below, its content hashed with SHA-256 and compared\n"
"with the manifest, and the compression's own checks (gzip CRC-32, xz, zstd and\n"
"bzip2 checksums, zip CRCs) must pass to the last byte. Nothing is extracted and\n"
"nothing is written to disk; memory stays the same whatever the archive's size.\n"
"\n"
"formats:\n"
"  tar (ustar, pax, GNU, sparse files), compressed with gzip, zstd, xz, bzip2 or\n"
"  not at all, and zip. The format is found from the bytes, not the name.\n"
"  ARCHIVE - reads standard input. A zip keeps its file types in the central\n"
"  directory at its end: for a zip file it is read too, checked against the\n"
"  entries streamed; from standard input a zip symlink counts as a file.\n"
"\n"
"manifests (--manifest FILE), sha256sum format, one of:\n"
"  - the archive's files, with paths relative to the archive root (a leading ./\n"
"    is ignored). Made from the directory that was backed up:\n"
"        cd /srv/data && find . -type f -exec sha256sum {} + > /tmp/SHA256SUMS\n"
"    or from the archive itself, once you trust it:\n"
"        gameday verify backup.tar.gz > SHA256SUMS\n"
"    Every file must be in the archive with that hash (else \"missing\" or\n"
"    \"mismatched\"), and every file of the archive in the manifest (else\n"
"    \"extra\"). A hard link has the content of its target.\n"
"  - the whole archive: a line whose name is the archive's file name, or a\n"
"    single line named -. Checked against the SHA-256 of the archive's bytes:\n"
"        cd /srv/backups && sha256sum *.tar.gz > SHA256SUMS\n"
"        sha256sum < backup.tar.gz > backup.sha256\n"
"  Lines may be \"HASH  path\", \"HASH *path\" or \"SHA256 (path) = HASH\" (--tag).\n"
"  Without a manifest, the structure is still checked, and every file's hash is\n"
"  printed on stdout in sha256sum format (the summary goes to stderr).\n"
"\n"
"refused (exit 2, naming the entry): absolute paths; '..' in a path or a hard\n"
"link target; symlinks whose target leads outside the archive root (followed\n"
"from the link's directory, through the archive's other symlinks); entries\n"
"under a symlink; hard links to absolute paths, through or to symlinks; device\n"
"files, fifos and sockets; hard links to a file not before them in the archive;\n"
"data short of the size its header declares; compressed twice (gzip over gzip,\n"
"any two layers) and compression headers that do not end within 4 MiB; in a\n"
"zip, central directory names that are absolute, hold '..' or differ from the\n"
"local header's, two central entries for one local header (overlapping entries),\n"
"central sizes the data does not hold, and bytes after the end record.\n"
"\n"
"budgets (an archive over one is refused as soon as it is reached, before the\n"
"bytes past it are decompressed; SIZE takes K, M, G, T suffixes, powers of 1024):\n"
"      --max-entries N        entries of any type (default 1000000)\n"
"      --max-bytes SIZE       uncompressed content in all (default 64G)\n"
"      --max-entry-bytes SIZE uncompressed content of one entry (default 16G)\n"
"      --max-ratio N          content bytes per archive byte read so far, checked\n"
"                             past 32 MiB of content; 0 for none (default 200)\n"
"      --max-path N           bytes of a path or link target (default 4096)\n"
"\n"
"options:\n"
"  -m, --manifest FILE        check against FILE (see above)\n"
"      --manifest-format F    sha256sum (default) or backup_manifest: PostgreSQL's\n"
"                             (pg_basebackup --manifest-checksums=SHA256), of\n"
"                             the files of base.tar; the default for a file so named\n"
"      --json                 print {archive, files: [{path, type, size, sha256,\n"
"                             status, link}], entries, bytes, archive_bytes,\n"
"                             missing, extra, mismatched, refused, error, status}\n"
"                             on stdout; status of a file is ok, mismatch, extra\n"
"                             or unchecked\n"
"      --threads 1|2          decompress and hash on 2 threads (default) or 1\n"
"      --metrics FILE         write a Prometheus textfile (atomically):\n"
"                             gameday_verify_success, _entries, _bytes and\n"
"                             _last_timestamp_seconds, labelled with the archive\n"
"  -q, --quiet                no summary\n"
"  -h, --help                 this help\n"
"\n"
"exit status:\n"
"  0  the archive verifies: every entry read and accepted, and matching the\n"
"     manifest when there is one\n"
"  1  it was read whole, but does not match: missing, extra or mismatched files,\n"
"     a whole-archive hash that differs, or no entries at all (an empty backup is\n"
"     a failed backup)\n"
"  2  it cannot be verified: unreadable, not tar or zip, truncated, corrupt\n"
"     (a CRC, a checksum), refused by a rule or a budget; or a usage or manifest\n"
"     error. The message names the entry:\n"
"       gameday: backup.tar.gz: etc/../../x: path leaves the archive root\n"
"\n"
"examples:\n"
"  gameday verify /srv/backups/orders-2024-05-02.tar.gz --manifest SHA256SUMS\n"
"  gameday verify backup.tar.zst > SHA256SUMS      # hashes of a trusted backup\n"
"  ssh backup1 cat /srv/backups/db.tar.gz | gameday verify - -m db.sha256\n"
"  gameday verify big.tar.xz --max-bytes 2T --max-ratio 0 --json | jq .missing\n";

struct out {
	int json;
	int listing;    /* print sha256sum lines */
	size_t nfiles;
};

static const char *
type_name(enum gd_verify_type t)
{
	switch (t) {
	case GD_VT_FILE: return "file";
	case GD_VT_DIR: return "dir";
	case GD_VT_SYMLINK: return "symlink";
	case GD_VT_HARDLINK: return "hardlink";
	}
	return "?";
}

static const char *
status_name(enum gd_verify_status s)
{
	switch (s) {
	case GD_VS_OK: return "ok";
	case GD_VS_MISMATCH: return "mismatch";
	case GD_VS_EXTRA: return "extra";
	case GD_VS_UNCHECKED: return "unchecked";
	}
	return "?";
}

static void
hex(const unsigned char *sha, char *out)
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sha[i]);
}

static json_t *
json_path(const char *s)
{
	char *clean = gd_utf8_clean(s, strlen(s));
	json_t *j = json_string(clean);

	free(clean);
	return j != NULL ? j : json_string("");
}

static json_t *
json_paths(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_path(v[i]));
	return a;
}

/* A line of sha256sum: names with a newline or a backslash are escaped and
 * the line marked with a leading backslash, as sha256sum does. */
static void
print_sum(const struct gd_verify_entry *e)
{
	char h[65];
	const char *p;

	hex(e->sha256, h);
	if (strpbrk(e->path, "\\\n\r") == NULL) {
		printf("%s  %s\n", h, e->path);
		return;
	}
	printf("\\%s  ", h);
	for (p = e->path; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

static void
report(void *arg, const struct gd_verify_entry *e)
{
	struct out *o = arg;
	char h[65];
	json_t *j;
	char *s;

	if (o->listing && e->has_sha256)
		print_sum(e);
	if (!o->json)
		return;
	j = json_object();
	json_object_set_new(j, "path", json_path(e->path));
	json_object_set_new(j, "type", json_string(type_name(e->type)));
	json_object_set_new(j, "size", json_integer((json_int_t)e->size));
	if (e->has_sha256) {
		hex(e->sha256, h);
		json_object_set_new(j, "sha256", json_string(h));
	} else {
		json_object_set_new(j, "sha256", json_null());
	}
	json_object_set_new(j, "status", json_string(status_name(e->status)));
	if (e->link != NULL)
		json_object_set_new(j, "link", json_path(e->link));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	printf("%s\n    %s", o->nfiles++ ? "," : "", s);
	free(s);
	json_decref(j);
}

/* One more key of the top-level object; steals v. */
static void
put_key(const char *key, json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	printf(",\n  \"%s\": %s", key, s != NULL ? s : "null");
	free(s);
	json_decref(v);
}

/* SIZE: a count of bytes with an optional K, M, G or T (powers of 1024). */
static int
parse_size(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0 || *s == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (shift > 0 && (*end == 'i' || *end == 'I'))
		end++;
	if (shift > 0 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0' || (shift > 0 && v > (UINT64_MAX >> shift)))
		goto bad;
	*out = (uint64_t)v << shift;
	return 0;
bad:
	gd_warnx("%s: bad size '%s' (want a number of bytes, as 500M or 64G)", opt, s);
	return -1;
}

static void
human(uint64_t n, char *buf, size_t len)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, unit[u]);
}

static void
print_list(const char *what, char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *clean = gd_utf8_clean(v[i], strlen(v[i]));

		printf("  %-10s %s\n", what, clean);
		free(clean);
	}
}

static void
print_summary(FILE *f, const char *name, const char *manifest, const struct gd_verify_result *r)
{
	char h[65], bytes[32], arch[32];

	human(r->bytes, bytes, sizeof(bytes));
	human(r->archive_bytes, arch, sizeof(arch));
	fprintf(f, "%s: %llu entries, %llu files, %s (%llu bytes) read from %s of %s, %s\n",
	    name, (unsigned long long)r->entries, (unsigned long long)r->files, bytes,
	    (unsigned long long)r->bytes, arch, r->format, strcmp(r->filter, "none") == 0 ?
	    "not compressed" : r->filter);
	if (r->whole >= 0 || manifest == NULL) {
		hex(r->archive_sha256, h);
		fprintf(f, "%s: sha256 of the archive %s%s\n", name, h,
		    r->whole == 1 ? ", as in the manifest" : r->whole == 0 ? ", NOT as in the manifest" :
		    "");
	}
	if (manifest != NULL && r->whole < 0)
		fprintf(f, "manifest %s: %llu files: %llu mismatched, %zu missing, %zu extra\n", manifest,
		    (unsigned long long)r->files, (unsigned long long)r->nmismatched, r->nmissing,
		    r->nextra);
	if (f == stdout) {
		print_list("mismatched", r->mismatched, r->nmismatched);
		print_list("missing", r->missing, r->nmissing);
		print_list("extra", r->extra, r->nextra);
	}
	if (r->entries == 0)
		fprintf(f, "%s: NOT verified: no entries (an empty backup is a failed backup)\n", name);
	else if (!gd_verify_ok(r))
		fprintf(f, "%s: NOT verified: %s\n", name, r->whole == 0 ?
		    "the archive's hash differs from the manifest's" : "it does not match the manifest");
	else
		fprintf(f, "%s: verified%s\n", name, manifest == NULL ? " (structure and "
		    "compression checks; no manifest)" : r->whole == 1 ? " (hash of the whole archive)" :
		    " (every file's hash)");
}

struct verify_args {
	struct gd_verify_opts vo;
	const char *mfile, *archive, *metrics;
	enum gd_manifest_format mformat;
	int quiet, json, mformat_set;
};

/* The options into a; returns -1 to exit with *ret (help, or a usage error). */
static int
parse_args(int argc, char **argv, struct verify_args *a, int *ret)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "max-entries", required_argument, NULL, 'E' },
		{ "max-bytes", required_argument, NULL, 'B' },
		{ "max-entry-bytes", required_argument, NULL, 'S' },
		{ "max-ratio", required_argument, NULL, 'R' },
		{ "max-path", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "metrics", required_argument, NULL, 'X' },
		{ "manifest-format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_verify_limits *l = &a->vo.limits;
	const char *base;
	uint64_t v;
	int ch;

	*ret = GD_EXIT_USAGE;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm': a->mfile = optarg; break;
		case 'j': a->json = 1; break;
		case 'q': a->quiet = 1; break;
		case 'X': a->metrics = optarg; break;
		case 'F':
			if (gd_manifest_format_parse(optarg) < 0) {
				gd_warnx("--manifest-format: sha256sum or backup_manifest, not '%s'", optarg);
				return -1;
			}
			a->mformat = (enum gd_manifest_format)gd_manifest_format_parse(optarg);
			a->mformat_set = 1;
			break;
		case 'E':
		case 'B':
		case 'S':
		case 'R':
		case 'P':
			if (parse_size(ch == 'E' ? "--max-entries" : ch == 'B' ? "--max-bytes" :
			    ch == 'S' ? "--max-entry-bytes" : ch == 'R' ? "--max-ratio" : "--max-path",
			    optarg, &v) != 0)
				return -1;
			if (ch == 'E')
				l->max_entries = v;
			else if (ch == 'B')
				l->max_total = v;
			else if (ch == 'S')
				l->max_entry = v;
			else if (ch == 'R')
				l->max_ratio = v;
			else
				l->max_path = (size_t)v;
			break;
		case 'T':
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
				gd_warnx("--threads: want 1 or 2, not '%s'", optarg);
				return -1;
			}
			a->vo.threads = atoi(optarg);
			break;
		case 'h':
			fputs(verify_usage, stdout);
			*ret = GD_EXIT_OK;
			return -1;
		default:
			fputs("try 'gameday verify --help'\n", stderr);
			return -1;
		}
	}
	if (argc - optind != 1) {
		gd_warnx(argc - optind == 0 ? "verify: which archive?" : "verify: one archive at a time");
		fputs("usage: gameday verify ARCHIVE [--manifest FILE] [--json]\n"
		    "try 'gameday verify --help'\n", stderr);
		return -1;
	}
	a->archive = argv[optind];
	a->vo.name = a->archive;
	/* PostgreSQL's manifest has its own name */
	base = a->mfile != NULL && strrchr(a->mfile, '/') != NULL ? strrchr(a->mfile, '/') + 1 :
	    a->mfile;
	if (!a->mformat_set && base != NULL && strcmp(base, "backup_manifest") == 0)
		a->mformat = GD_MANIFEST_PG;
	return 0;
}

/* The rest of the --json object, after the files; rc is the verification's. */
static void
print_json_tail(const struct verify_args *a, const struct out *o, const struct gd_verify_result *r,
    int rc, int ret, const char *err)
{
	char h[65];

	printf("%s  ]", o->nfiles > 0 ? "\n" : "");
	put_key("entries", json_integer((json_int_t)r->entries));
	put_key("file_count", json_integer((json_int_t)r->files));
	put_key("bytes", json_integer((json_int_t)r->bytes));
	put_key("archive_bytes", json_integer((json_int_t)r->archive_bytes));
	put_key("format", r->format[0] ? json_string(r->format) : json_null());
	put_key("compression", r->filter[0] ? json_string(r->filter) : json_null());
	hex(r->archive_sha256, h);
	put_key("archive_sha256", rc == 0 && (a->mfile == NULL || r->whole >= 0) ?
	    json_string(h) : json_null());
	put_key("manifest", a->mfile != NULL ? json_path(a->mfile) : json_null());
	put_key("whole_archive", r->whole < 0 ? json_null() :
	    json_string(r->whole ? "ok" : "mismatch"));
	put_key("missing", json_paths(r->missing, r->nmissing));
	put_key("extra", json_paths(r->extra, r->nextra));
	put_key("mismatched", json_paths(r->mismatched, r->nmismatched));
	put_key("refused", r->refused ? json_pack("{s:o, s:o}", "entry", json_path(r->where ?
	    r->where : ""), "reason", json_path(r->why ? r->why : err)) : json_null());
	put_key("error", rc != 0 ? json_path(err) : json_null());
	put_key("status", json_string(rc != 0 ? (r->refused ? "refused" : "error") :
	    r->entries == 0 ? "empty" : gd_verify_ok(r) ? "verified" : "mismatch"));
	put_key("exit", json_integer(ret));
	printf("\n}\n");
}

int
gd_cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	struct gd_verify_result r;
	struct gd_manifest man;
	struct out o = { 0 };
	char err[GD_ERRLEN] = "";
	int fd = -1, have_man = 0, ret = GD_EXIT_USAGE, rc = -1;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	memset(&man, 0, sizeof(man));
	r.whole = -1;
	gd_verify_limits_default(&a.vo.limits);
	if (parse_args(argc, argv, &a, &ret) != 0)
		return ret;
	o.json = a.json;
	if (o.json) {
		json_t *j = json_path(a.archive);
		char *s = json_dumps(j, JSON_ENCODE_ANY);

		printf("{\n  \"archive\": %s,\n  \"files\": [", s);
		free(s);
		json_decref(j);
	}
	if (a.mfile != NULL) {
		if (gd_manifest_load(&man, a.mfile, a.mformat, err, sizeof(err)) != 0)
			goto out;
		have_man = 1;
		a.vo.manifest = &man;
	}
	o.listing = !o.json && a.mfile == NULL;
	if (strcmp(a.archive, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(a.archive, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			gd_errf(err, sizeof(err), "cannot open %s: %s", a.archive, strerror(errno));
			goto out;
		}
	}
	rc = gd_verify_fd(fd, &a.vo, report, &o, &r, err, sizeof(err));
	if (rc != 0)
		goto out;
	ret = gd_verify_ok(&r) ? GD_EXIT_OK : GD_EXIT_FAIL;
	if (!o.json && !a.quiet)
		print_summary(o.listing ? stderr : stdout, a.archive, a.mfile, &r);
	else if (!o.json && !gd_verify_ok(&r))
		print_summary(stderr, a.archive, a.mfile, &r);
out:
	if (rc != 0) {
		ret = GD_EXIT_USAGE;
		gd_warnx("%s", err);
	}
	if (a.metrics != NULL) {
		char merr[GD_ERRLEN];

		/* a metrics file that cannot be written is said, and leaves the verdict alone */
		if (gd_report_verify_metrics_write(a.archive, rc == 0 && gd_verify_ok(&r),
		    (unsigned long long)r.entries, (unsigned long long)r.bytes, a.metrics, merr,
		    sizeof(merr)) != 0)
			gd_warnx("verify: metrics: %s", merr);
	}
	if (o.json)
		print_json_tail(&a, &o, &r, rc, ret, err);
	if (fd > STDIN_FILENO)
		close(fd);
	if (have_man)
		gd_manifest_free(&man);
	gd_verify_result_free(&r);
	return ret;
}
