/* util.c: errors, allocation and buffers shared by all of gameday. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gd.h"

int
gd_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
gd_warnx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("gameday: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
oom(void)
{
	fputs("gameday: out of memory\n", stderr);
	abort();
}

void *
gd_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
gd_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
gd_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
gd_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
gd_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return s;
}

void
gd_buf_add(struct gd_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = gd_xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
gd_buf_adds(struct gd_buf *b, const char *s)
{
	gd_buf_add(b, s, strlen(s));
}

void
gd_buf_printf(struct gd_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	gd_buf_add(b, s, (size_t)r);
	free(s);
}

void
gd_buf_free(struct gd_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
gd_exit_output_failed(int ret)
{
	(void)ret;  /* the run's own code gives way: its outputs are missing */
	return GD_EXIT_UNREACHABLE;
}

long long
gd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
gd_epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "4 MiB", "300 KiB", "12 bytes" */
static void
size_text(size_t n, char *buf, size_t len)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu bytes", n);
}

char *
gd_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	struct gd_buf b = { 0 };
	char chunk[65536], cap[32];
	struct stat st;
	size_t n;
	int fd, saved = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		saved = errno;
		gd_errf(err, errlen, "%s: %s", path, strerror(saved));
		goto fail;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		saved = EISDIR;
		gd_errf(err, errlen, "%s: %s", path, strerror(saved));
		goto fail;
	}
	gd_buf_add(&b, "", 0);
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			gd_errf(err, errlen, "%s: %s", path, strerror(saved));
			goto fail;
		}
		if (r == 0)
			break;
		n = (size_t)r;
		if (max > 0 && b.len + n > max) {
			saved = EFBIG;
			size_text(max, cap, sizeof(cap));
			gd_errf(err, errlen, "%s: larger than %s", path, cap);
			goto fail;
		}
		gd_buf_add(&b, chunk, n);
	}
	close(fd);
	if (len != NULL)
		*len = b.len;
	return b.data;
fail:
	if (fd >= 0)
		close(fd);
	gd_buf_free(&b);
	errno = saved;
	return NULL;
}

int
gd_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	return isatty(fileno(f));
}

/* Replaces bytes that are not UTF-8 with U+FFFD, since JSON strings must be UTF-8. */
char *
gd_utf8_clean(const char *s, size_t len)
{
	struct gd_buf b = { 0 };
	size_t i = 0;

	gd_buf_add(&b, "", 0);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 ? 4 : 0;
		size_t k;

		for (k = 1; n > 0 && k < n; k++)
			if (i + k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n > 1) {
			unsigned char c1 = (unsigned char)s[i + 1];

			if ((n == 2 && c < 0xc2) ||                 /* overlong */
			    (n == 3 && c == 0xe0 && c1 < 0xa0) ||   /* overlong */
			    (n == 3 && c == 0xed && c1 >= 0xa0) ||  /* surrogates */
			    (n == 4 && c == 0xf0 && c1 < 0x90) ||   /* overlong */
			    (n == 4 && (c > 0xf4 || (c == 0xf4 && c1 >= 0x90))))  /* > U+10FFFF */
				n = 0;
		}
		if (n == 0) {
			gd_buf_add(&b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		gd_buf_add(&b, s + i, n);
		i += n;
	}
	return b.data;
}

int
gd_write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
    size_t errlen)
{
	char *tmp = gd_xasprintf("%s.tmp", path), *dcopy = gd_xstrdup(path);
	size_t off = 0;
	int fd, dfd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		gd_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	(void)fchmod(fd, mode);  /* the umask may have narrowed it */
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gd_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
			close(fd);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		gd_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		gd_errf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	if ((dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);  /* the rename itself must survive a crash */
		close(dfd);
	}
	rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(dcopy);
	return rc;
}
