/* probe.c: the synthetic user: one HTTP request (libcurl easy), one TCP
 * connect, one regex match. Each measures and reports; none decides. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#include <curl/curl.h>

#include "probe.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define DEFAULT_MAX_BODY   (64 * 1024)
#define USER_AGENT         "gameday/" GD_VERSION " (synthetic user)"

static int curl_ready;

int
gd_probe_init(char *err, size_t errlen)
{
	CURLcode rc;

	if (curl_ready)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return gd_errf(err, errlen, "cannot initialise libcurl: %s", curl_easy_strerror(rc));
	curl_ready = 1;
	return 0;
}

void
gd_probe_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = 0;
}

void
gd_probe_result_free(struct gd_probe_result *r)
{
	gd_buf_free(&r->body);  /* idempotent: __gc and explicit frees share it */
}

struct sink {
	struct gd_probe_result *r;
	size_t max;
};

/* Keeps at most max bytes but counts them all, and never aborts the
 * transfer: a probe measures the whole response. */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, keep = 0;

	if (s->r->body.len < s->max)
		keep = s->max - s->r->body.len < len ? s->max - s->r->body.len : len;
	if (keep > 0)
		gd_buf_add(&s->r->body, p, keep);
	s->r->body_total += len;
	return len;
}

/* An HTTP token (RFC 9110): anything else could split the request line. */
static int
valid_method(const char *m)
{
	size_t i;

	for (i = 0; m[i] != '\0'; i++)
		if (!isalnum((unsigned char)m[i]) && strchr("!#$%&'*+-.^_`|~", m[i]) == NULL)
			return 0;
	return i > 0 && i <= 32;
}

/* Checks the url and fills host ("[::1]" for IPv6) and port for messages. */
static int
check_url(const char *url, char *host, size_t hostlen, long *port, char *err, size_t errlen)
{
	CURLU *u = NULL;
	CURLUcode uc;
	char *scheme = NULL, *h = NULL, *p = NULL;
	int ret = -1;

	if (url == NULL || url[0] == '\0') {
		gd_errf(err, errlen, "url is missing");
		goto out;
	}
	u = curl_url();
	if (u == NULL) {
		gd_errf(err, errlen, "out of memory");
		goto out;
	}
	/* no CURLU_GUESS_SCHEME: "host/path" must not quietly become http:// */
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		gd_errf(err, errlen, "bad url '%s': %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
		gd_errf(err, errlen, "url '%s': scheme must be http or https", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		gd_errf(err, errlen, "bad url '%s': no host", url);
		goto out;
	}
	snprintf(host, hostlen, "%s", h);
	*port = strtol(p, NULL, 10);
	ret = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ret;
}

/* Builds the header list; "Expect:" unless the caller sets one, since curl's
 * 100-continue wait would add up to a second to a POST's latency. */
static int
make_headers(const char *const *headers, struct curl_slist **list, char *err, size_t errlen)
{
	struct curl_slist *l = NULL, *t;
	int expect = 0;
	size_t i;

	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		const char *h = headers[i];

		if (strpbrk(h, "\r\n") != NULL || (strchr(h, ':') == NULL && strchr(h, ';') == NULL)) {
			curl_slist_free_all(l);
			return gd_errf(err, errlen, "bad header '%.64s': must be \"Name: value\" on one line", h);
		}
		if (strncasecmp(h, "Expect", 6) == 0 && (h[6] == ':' || h[6] == ';'))
			expect = 1;
		if ((t = curl_slist_append(l, h)) == NULL)
			goto oom;
		l = t;
	}
	if (!expect) {
		if ((t = curl_slist_append(l, "Expect:")) == NULL)
			goto oom;
		l = t;
	}
	*list = l;
	return 0;
oom:
	curl_slist_free_all(l);
	return gd_errf(err, errlen, "out of memory");
}

/* Why a transfer failed, in words a report can show. */
static void
http_error(CURL *h, CURLcode rc, const char *cerr, const char *host, long port,
    long timeout_ms, char *err, size_t errlen)
{
	char *ip = NULL, where[300];
	long oserr = 0;
	curl_off_t connected = 0;

	curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
	if (ip != NULL && ip[0] != '\0' && strstr(host, ip) == NULL)
		snprintf(where, sizeof(where), "%s:%ld (%s)", host, port, ip);
	else
		snprintf(where, sizeof(where), "%s:%ld", host, port);

	if (rc == CURLE_OPERATION_TIMEDOUT && connected == 0)
		gd_errf(err, errlen, "connect to %s timed out after %.1f s", where, timeout_ms / 1000.0);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		gd_errf(err, errlen, "timed out after %.1f s", timeout_ms / 1000.0);
	else if (rc == CURLE_COULDNT_RESOLVE_HOST)
		gd_errf(err, errlen, "cannot resolve %s", host);  /* as the tcp probe says it */
	else if (rc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
		gd_errf(err, errlen, "connect to %s refused", where);
	else if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
		gd_errf(err, errlen, "connect to %s: %s", where, strerror((int)oserr));
	else {
		gd_errf(err, errlen, "%s", cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		/* curl says "Could not resolve host"; we say it lowercase */
		if (isupper((unsigned char)err[0]) && islower((unsigned char)err[1]))
			err[0] = (char)tolower((unsigned char)err[0]);
	}
}

int
gd_probe_http(const struct gd_http_req *req, struct gd_probe_result *r)
{
	char cerr[CURL_ERROR_SIZE] = "", host[256];
	struct curl_slist *hdrs = NULL;
	struct sink sink;
	CURL *h = NULL;
	CURLcode rc;
	curl_off_t total_us = 0;
	long port = 0, timeout_ms;
	long long start;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
	sink.r = r;
	sink.max = req->max_body > 0 ? req->max_body : DEFAULT_MAX_BODY;

	if (check_url(req->url, host, sizeof(host), &port, r->error, sizeof(r->error)) < 0)
		goto out;
	if (req->method != NULL && !valid_method(req->method)) {
		gd_errf(r->error, sizeof(r->error), "bad method '%.64s'", req->method);
		goto out;
	}
	if (make_headers(req->headers, &hdrs, r->error, sizeof(r->error)) < 0)
		goto out;
	if (gd_probe_init(r->error, sizeof(r->error)) < 0)
		goto out;
	if ((h = curl_easy_init()) == NULL) {
		gd_errf(r->error, sizeof(r->error), "cannot create a curl handle");
		goto out;
	}

	curl_easy_setopt(h, CURLOPT_URL, req->url);
	/* scenario files are semi-trusted: no file://, gopher:// or the like */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  /* a probe should see the 301 */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);        /* no SIGALRM for DNS timeouts */
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");        /* a probe measures the service, not a proxy */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	if (req->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->body != NULL) {
		size_t n = req->body_len > 0 ? req->body_len : strlen(req->body);

		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);  /* not copied: lives through perform */
	}
	if (req->method != NULL && strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);  /* else curl waits for a body that never comes */
	else if (req->method != NULL)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);

	start = gd_now_ms();
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us);
	r->ms = total_us > 0 ? (long long)(total_us / 1000) : gd_now_ms() - start;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc == CURLE_OK)
		r->ok = 1;
	else
		http_error(h, rc, cerr, host, port, timeout_ms, r->error, sizeof(r->error));
	ret = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	return ret;
}

/* One non-blocking connect to a, waiting at most ms: 0 or an errno. */
static int
try_connect(const struct addrinfo *a, long long ms)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	long long deadline = gd_now_ms() + ms;
	int fd, e = 0, n;

	fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
	if (fd < 0)
		return errno;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		goto out;
	if (errno != EINPROGRESS) {
		e = errno;
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		long long left = deadline - gd_now_ms();

		if (left <= 0) {
			e = ETIMEDOUT;
			goto out;
		}
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			e = errno;
			goto out;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
out:
	close(fd);
	return e;
}

int
gd_probe_tcp(const char *host, int port, long timeout_ms, struct gd_probe_result *r)
{
	struct addrinfo hints, *ai = NULL, *a;
	char portstr[16], where[300];
	long long start = gd_now_ms(), deadline;
	int rc, e = ETIMEDOUT;

	memset(r, 0, sizeof(*r));
	if (host == NULL || host[0] == '\0')
		return gd_errf(r->error, sizeof(r->error), "tcp probe: host is missing");
	if (port < 1 || port > 65535)
		return gd_errf(r->error, sizeof(r->error), "tcp probe: port %d is not in 1-65535", port);
	if (timeout_ms <= 0)
		timeout_ms = DEFAULT_TIMEOUT_MS;
	deadline = start + timeout_ms;
	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(where, sizeof(where), strchr(host, ':') != NULL ? "[%.256s]:%d" : "%.256s:%d", host, port);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;  /* no AI_ADDRCONFIG: it hides localhost when only lo is up */
	/* getaddrinfo has no timeout; a stuck resolver delays the probe */
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0) {
		r->ms = gd_now_ms() - start;
		gd_errf(r->error, sizeof(r->error), "cannot resolve %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return 0;
	}
	/* every address in turn, within one deadline, as a client would */
	for (a = ai; a != NULL; a = a->ai_next) {
		long long left = deadline - gd_now_ms();

		if (left <= 0) {
			e = ETIMEDOUT;
			break;
		}
		if ((e = try_connect(a, left)) == 0)
			break;
	}
	freeaddrinfo(ai);
	r->ms = gd_now_ms() - start;
	if (e == 0)
		r->ok = 1;
	else if (e == ECONNREFUSED)
		gd_errf(r->error, sizeof(r->error), "connect to %s refused", where);
	else if (e == ETIMEDOUT)
		gd_errf(r->error, sizeof(r->error), "connect to %s timed out after %.1f s",
		    where, timeout_ms / 1000.0);
	else
		gd_errf(r->error, sizeof(r->error), "connect to %s: %s", where, strerror(e));
	return 0;
}

/* Whether an extended regex has a back-reference (\1..\9, a glibc extension
 * to ERE): the one construct that makes regexec take exponential time. In a
 * bracket expression a backslash is only itself. */
static int
has_backref(const char *re)
{
	int in_bracket = 0;

	for (; *re != '\0'; re++) {
		if (in_bracket) {
			if (*re == ']')
				in_bracket = 0;
		} else if (*re == '[') {
			in_bracket = 1;
			if (re[1] == '^')
				re++;
			if (re[1] == ']')  /* "[]...]" and "[^]...]": a literal ] */
				re++;
		} else if (*re == '\\' && re[1] != '\0') {
			if (re[1] >= '1' && re[1] <= '9')
				return 1;
			re++;
		}
	}
	return 0;
}

int
gd_regex_match(const char *re, const char *subject, size_t len, char *err, size_t errlen)
{
	char msg[256];
	regex_t rx;
	int rc, ret = -1;
#ifndef REG_STARTEND
	char *copy = NULL;
#endif

	if (has_backref(re))
		return gd_errf(err, errlen, "regex '%.128s': back-references (\\1..\\9) are not "
		    "allowed: they can take exponential time", re);
	rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &rx, msg, sizeof(msg));
		return gd_errf(err, errlen, "bad regex '%.128s': %s", re, msg);
	}
#ifdef REG_STARTEND
	{
		regmatch_t m[1];

		/* regoff_t is an int on glibc */
		if (len > INT_MAX) {
			gd_errf(err, errlen, "regex subject too long (%zu bytes)", len);
			goto out;
		}
		m[0].rm_so = 0;
		m[0].rm_eo = (regoff_t)len;
		rc = regexec(&rx, subject, 1, m, REG_STARTEND);
	}
#else
	copy = strndup(subject, len);  /* stops at the first NUL */
	if (copy == NULL) {
		gd_errf(err, errlen, "out of memory");
		goto out;
	}
	rc = regexec(&rx, copy, 0, NULL, 0);
#endif
	if (rc == 0)
		ret = 1;
	else if (rc == REG_NOMATCH)
		ret = 0;
	else {
		regerror(rc, &rx, msg, sizeof(msg));
		gd_errf(err, errlen, "regex '%.128s': %s", re, msg);
	}
out:
#ifndef REG_STARTEND
	free(copy);
#endif
	regfree(&rx);
	return ret;
}

/* ---- Prometheus and Alertmanager HTTP APIs ---- */

#define PROM_MAX_BODY (32 << 20)

const char *
gd_prom_outcome_name(enum gd_prom_outcome o)
{
	static const char *const names[] = { "ok", "empty", "query-error", "unreachable",
	    "bad-reply" };

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "bad-reply";
}

void
gd_prom_result_free(struct gd_prom_result *r)
{
	json_decref(r->items);
	r->items = NULL;
}

long long
gd_rfc3339_ms(const char *s)
{
	struct tm tm;
	const char *p;
	long long ms = 0, scale = 100;
	int oh = 0, om = 0, sign = 0;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			ms += (*p - '0') * scale;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	return ((long long)t - sign * (oh * 3600LL + om * 60LL)) * 1000 + ms;
}

/* GET url; on an answer, *body is its JSON (NULL when it is not JSON) and
 * *status the HTTP status. Returns 0, or -1 with r filled (unreachable or
 * misuse: *misuse says which). */
static int
api_get(const char *url, long timeout_ms, struct gd_prom_result *r, json_t **body, long *status,
    int *misuse)
{
	static const char *const hdrs[] = { "Accept: application/json", NULL };
	struct gd_http_req req = { .url = url, .timeout_ms = timeout_ms, .max_body = PROM_MAX_BODY,
	    .headers = hdrs };
	struct gd_probe_result hr;
	int rc;

	*body = NULL;
	*misuse = 0;
	rc = gd_probe_http(&req, &hr);
	r->ms += hr.ms;
	if (rc < 0 || !hr.ok) {
		*misuse = rc < 0;
		r->outcome = GD_PROM_UNREACHABLE;
		snprintf(r->error, sizeof(r->error), "%s", hr.error);
		gd_probe_result_free(&hr);
		return -1;
	}
	*status = hr.status;
	if (hr.body_total <= hr.body.len && hr.body.len > 0)
		*body = json_loadb(hr.body.data, hr.body.len, 0, NULL);
	else if (hr.body_total > hr.body.len)
		gd_errf(r->error, sizeof(r->error), "%s: the reply is over %d MiB", url,
		    PROM_MAX_BODY >> 20);
	gd_probe_result_free(&hr);
	return 0;
}

/* Prometheus's error envelope ({"status":"error","errorType","error"}) or
 * another reply that is not what was asked for. */
static void
api_refused(const char *url, long status, json_t *body, struct gd_prom_result *r)
{
	const char *type = json_string_value(json_object_get(body, "errorType"));
	const char *msg = json_string_value(json_object_get(body, "error"));

	if (msg != NULL && json_is_string(json_object_get(body, "status"))) {
		r->outcome = GD_PROM_QUERY_ERROR;
		gd_errf(r->error, sizeof(r->error), "%s: %s", type != NULL ? type : "error", msg);
	} else {
		r->outcome = GD_PROM_BAD_REPLY;
		if (r->error[0] == '\0')
			gd_errf(r->error, sizeof(r->error), "%s: HTTP %ld, not the API's JSON (is "
			    "this the server's base URL?)", url, status);
	}
}

static char *
api_url(const char *base, const char *path, const char *arg)
{
	size_t n = strlen(base);
	char *esc = NULL, *url;
	CURL *h;

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (arg != NULL && (h = curl_easy_init()) != NULL) {
		esc = curl_easy_escape(h, arg, 0);
		curl_easy_cleanup(h);
	}
	url = gd_xasprintf("%.*s%s%s", (int)n, base, path, esc != NULL ? esc : "");
	curl_free(esc);
	return url;
}

/* One sample's value: Prometheus sends numbers as strings ("NaN", "+Inf"). */
static double
sample_value(json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL ? strtod(s, NULL) : json_number_value(v);
}

/* { labels, value, text }: JSON has no NaN or infinity, so value is left
 * out when the sample is not finite; text is what the server sent. */
static json_t *
sample_item(json_t *labels, json_t *v)
{
	double d = sample_value(v);
	json_t *o = json_pack("{s:o, s:s}", "labels", json_is_object(labels) ? json_incref(labels) :
	    json_object(), "text", json_string_value(v) != NULL ? json_string_value(v) : "");

	if (isfinite(d))
		json_object_set_new(o, "value", json_real(d));
	return o;
}

int
gd_prom_query(const char *base, const char *query, long timeout_ms, struct gd_prom_result *r)
{
	json_t *body = NULL, *data, *res, *e;
	const char *type;
	char *url = NULL;
	long status = 0;
	size_t i;
	int misuse, ret = 0;

	memset(r, 0, sizeof(*r));
	if (base == NULL || query == NULL || query[0] == '\0') {
		r->outcome = GD_PROM_QUERY_ERROR;
		return gd_errf(r->error, sizeof(r->error), "a query and a server url are needed");
	}
	url = api_url(base, "/api/v1/query?query=", query);
	if (api_get(url, timeout_ms, r, &body, &status, &misuse) == -1) {
		ret = misuse ? -1 : 0;
		goto out;
	}
	data = json_object_get(body, "data");
	type = json_string_value(json_object_get(data, "resultType"));
	res = json_object_get(data, "result");
	if (status != 200 || type == NULL ||
	    !json_is_string(json_object_get(body, "status")) ||
	    strcmp(json_string_value(json_object_get(body, "status")), "success") != 0) {
		api_refused(url, status, body, r);
		goto out;
	}
	r->items = json_array();
	if (strcmp(type, "vector") == 0) {
		json_array_foreach(res, i, e)
			json_array_append_new(r->items, sample_item(json_object_get(e, "metric"),
			    json_array_get(json_object_get(e, "value"), 1)));
	} else if (strcmp(type, "scalar") == 0) {
		json_array_append_new(r->items, sample_item(NULL, json_array_get(res, 1)));
	} else {
		r->outcome = GD_PROM_QUERY_ERROR;
		gd_errf(r->error, sizeof(r->error), "the query gives a %s, not an instant vector or "
		    "a scalar (a range selector [5m] needs a function such as rate())", type);
		goto out;
	}
	r->outcome = json_array_size(r->items) > 0 ? GD_PROM_OK : GD_PROM_EMPTY;
out:
	json_decref(body);
	free(url);
	return ret;
}

/* Alertmanager answers /api/v2/status with its versionInfo; Prometheus
 * has no /api/v2. */
static int
detect_source(const char *base, long timeout_ms, struct gd_prom_result *r, int *misuse)
{
	json_t *body;
	long status = 0;
	char *url = api_url(base, "/api/v2/status", NULL);
	int rc = api_get(url, timeout_ms, r, &body, &status, misuse);

	free(url);
	if (rc == -1)
		return -1;
	snprintf(r->source, sizeof(r->source), "%s", status == 200 &&
	    json_is_object(json_object_get(body, "versionInfo")) ? "alertmanager" : "prometheus");
	json_decref(body);
	return 0;
}

static json_t *
alert_item(json_t *a, int am)
{
	const char *state, *at;

	if (am) {
		state = json_string_value(json_object_get(json_object_get(a, "status"), "state"));
		state = state == NULL ? "pending" : strcmp(state, "active") == 0 ? "firing" :
		    strcmp(state, "suppressed") == 0 ? "suppressed" : "pending";
		at = json_string_value(json_object_get(a, "startsAt"));
	} else {
		state = json_string_value(json_object_get(a, "state"));
		at = json_string_value(json_object_get(a, "activeAt"));
	}
	return json_pack("{s:o, s:o, s:s, s:I}",
	    "labels", json_is_object(json_object_get(a, "labels")) ?
	    json_incref(json_object_get(a, "labels")) : json_object(),
	    "annotations", json_is_object(json_object_get(a, "annotations")) ?
	    json_incref(json_object_get(a, "annotations")) : json_object(), "state", state ? state : "pending",
	    "active_at_ms", (json_int_t)gd_rfc3339_ms(at));
}

int
gd_prom_alerts(const char *base, const char *source, long timeout_ms, struct gd_prom_result *r)
{
	json_t *body = NULL, *list, *a;
	char *url = NULL;
	long status = 0;
	size_t i;
	int misuse = 0, am, ret = 0;

	memset(r, 0, sizeof(*r));
	if (base == NULL)
		return gd_errf(r->error, sizeof(r->error), "a server url is needed");
	if (source != NULL && strcmp(source, "prometheus") != 0 && strcmp(source, "alertmanager") != 0)
		return gd_errf(r->error, sizeof(r->error), "source must be prometheus or alertmanager, "
		    "not '%s'", source);
	if (source != NULL)
		snprintf(r->source, sizeof(r->source), "%s", source);
	else if (detect_source(base, timeout_ms, r, &misuse) == -1)
		return misuse ? -1 : 0;
	am = strcmp(r->source, "alertmanager") == 0;
	url = api_url(base, am ? "/api/v2/alerts" : "/api/v1/alerts", NULL);
	if (api_get(url, timeout_ms, r, &body, &status, &misuse) == -1) {
		ret = misuse ? -1 : 0;
		goto out;
	}
	list = am ? body : json_object_get(json_object_get(body, "data"), "alerts");
	if (status != 200 || !json_is_array(list)) {
		api_refused(url, status, body, r);
		goto out;
	}
	r->items = json_array();
	json_array_foreach(list, i, a)
		json_array_append_new(r->items, alert_item(a, am));
	r->outcome = json_array_size(r->items) > 0 ? GD_PROM_OK : GD_PROM_EMPTY;
out:
	json_decref(body);
	free(url);
	return ret;
}
