
/*
 * vstreamctl: one HTTP request to the admin API with libcurl, and the one
 * line that explains a failure.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "vstreamctl.h"


/* a status document is a few kilobytes a stream; this is far beyond */
#define VSTREAMCTL_BODY_MAX  (16 * 1024 * 1024)

#define VSTREAMCTL_AUTH_PREFIX  "Authorization: Bearer "


typedef struct {
    vstreamctl_buf_t    *body;
    int                  too_large;
} vstreamctl_http_sink_t;


static size_t vstreamctl_http_write(char *ptr, size_t size, size_t nmemb,
    void *data);
static struct curl_slist *vstreamctl_http_headers(const char *token);
static void vstreamctl_http_failed(CURL *curl, CURLcode rc,
    const char *errbuf, const char *shown, long timeout);
static const char *vstreamctl_http_reason(long status);
static char *vstreamctl_http_moved_base(const char *base, const char *url,
    const char *location);
static void vstreamctl_http_server_error(const vstreamctl_buf_t *body,
    char *dst, size_t size);


static const struct {
    long                 status;
    const char          *reason;
} vstreamctl_http_reasons[] = {
    { 200, "OK" },
    { 202, "Accepted" },
    { 204, "No Content" },
    { 301, "Moved Permanently" },
    { 302, "Found" },
    { 307, "Temporary Redirect" },
    { 308, "Permanent Redirect" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 408, "Request Timeout" },
    { 429, "Too Many Requests" },
    { 500, "Internal Server Error" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Gateway Timeout" },
    { 0, NULL }
};


int
vstreamctl_http_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        vstreamctl_error("cannot initialize libcurl");
        return VSTREAMCTL_FAIL;
    }

    return VSTREAMCTL_OK;
}


void
vstreamctl_http_cleanup(void)
{
    curl_global_cleanup();
}


/*
 * Checks the admin API base URL and returns a copy without trailing
 * slashes, so "BASE/status" is well formed with or without one.
 */

int
vstreamctl_http_check_base(const char *url, char **base)
{
    size_t  len;
    char   *copy;
    char    shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_http_shown(shown, sizeof(shown), url);

    if (strncasecmp(url, "http://", 7) != 0
        && strncasecmp(url, "https://", 8) != 0)
    {
        vstreamctl_error("invalid --url \"%s\": expected http://HOST/PATH "
                         "or https://HOST/PATH", shown);
        return VSTREAMCTL_USAGE;
    }

    if (strpbrk(url, "?# \t\r\n") != NULL) {
        vstreamctl_error("invalid --url \"%s\": the admin API base takes no "
                         "query, fragment or spaces", shown);
        return VSTREAMCTL_USAGE;
    }

    len = strlen(url);
    while (len > 0 && url[len - 1] == '/') {
        len--;
    }

    copy = malloc(len + 1);
    if (copy == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    memcpy(copy, url, len);
    copy[len] = '\0';
    *base = copy;

    return VSTREAMCTL_OK;
}


/* percent-encodes everything but RFC 3986's unreserved characters */

char *
vstreamctl_http_escape(const char *s)
{
    char                 *out, *p;
    const unsigned char  *c;
    static const char     hex[] = "0123456789ABCDEF";

    out = malloc(strlen(s) * 3 + 1);
    if (out == NULL) {
        return NULL;
    }

    p = out;

    for (c = (const unsigned char *) s; *c != '\0'; c++) {

        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')
            || (*c >= '0' && *c <= '9')
            || *c == '-' || *c == '.' || *c == '_' || *c == '~')
        {
            *p++ = (char) *c;
            continue;
        }

        *p++ = '%';
        *p++ = hex[*c >> 4];
        *p++ = hex[*c & 0x0f];
    }

    *p = '\0';

    return out;
}


/* BASE/WHAT/APP/STREAM[QUERY], the names escaped; NULL: out of memory */

char *
vstreamctl_http_target_url(const char *base, const char *what,
    const char *app, const char *stream, const char *query)
{
    char    *url, *app_esc, *stream_esc;
    size_t   size;

    app_esc = vstreamctl_http_escape(app);
    stream_esc = vstreamctl_http_escape(stream);
    url = NULL;

    if (app_esc != NULL && stream_esc != NULL) {
        size = strlen(base) + strlen(what) + strlen(app_esc)
               + strlen(stream_esc) + strlen(query) + sizeof("///");
        url = malloc(size);

        if (url != NULL) {
            snprintf(url, size, "%s/%s/%s/%s%s", base, what, app_esc,
                     stream_esc, query);
        }
    }

    free(app_esc);
    free(stream_esc);

    return url;
}


/* a URL for messages: no user:password part, no control characters */

void
vstreamctl_http_shown(char *dst, size_t size, const char *url)
{
    size_t       skip;
    const char  *scheme_end, *authority_end, *at;
    char         copy[VSTREAMCTL_SHOWN_MAX];

    scheme_end = strstr(url, "://");
    if (scheme_end == NULL) {
        vstreamctl_sanitize(dst, size, url);
        return;
    }

    scheme_end += 3;
    authority_end = scheme_end + strcspn(scheme_end, "/?#");

    at = NULL;
    for (skip = 0; scheme_end + skip < authority_end; skip++) {
        if (scheme_end[skip] == '@') {
            at = scheme_end + skip;
        }
    }

    if (at == NULL) {
        vstreamctl_sanitize(dst, size, url);
        return;
    }

    snprintf(copy, sizeof(copy), "%.*s%s", (int) (scheme_end - url), url,
             at + 1);
    vstreamctl_sanitize(dst, size, copy);
}


static size_t
vstreamctl_http_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    size_t                   n;
    char                    *p;
    vstreamctl_http_sink_t  *sink;

    sink = data;
    n = size * nmemb;

    if (sink->body->len + n > VSTREAMCTL_BODY_MAX) {
        sink->too_large = 1;
        return 0;
    }

    p = realloc(sink->body->data, sink->body->len + n + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p + sink->body->len, ptr, n);
    sink->body->data = p;
    sink->body->len += n;
    p[sink->body->len] = '\0';

    return n;
}


static struct curl_slist *
vstreamctl_http_headers(const char *token)
{
    size_t              len;
    char               *auth;
    struct curl_slist  *list, *next;

    list = curl_slist_append(NULL, "Accept: application/json");
    if (list == NULL || token == NULL) {
        return list;
    }

    len = sizeof(VSTREAMCTL_AUTH_PREFIX) - 1 + strlen(token);

    auth = malloc(len + 1);
    if (auth == NULL) {
        curl_slist_free_all(list);
        return NULL;
    }

    memcpy(auth, VSTREAMCTL_AUTH_PREFIX, sizeof(VSTREAMCTL_AUTH_PREFIX) - 1);
    memcpy(auth + sizeof(VSTREAMCTL_AUTH_PREFIX) - 1, token, strlen(token));
    auth[len] = '\0';

    next = curl_slist_append(list, auth);

    OPENSSL_cleanse(auth, len);
    free(auth);

    if (next == NULL) {
        curl_slist_free_all(list);
        return NULL;
    }

    return next;
}


/*
 * Sends one request and collects the answer.  Transport failures are
 * reported here (VSTREAMCTL_FAIL); any HTTP status is the caller's to judge.
 */

int
vstreamctl_http_request(const vstreamctl_http_conf_t *conf,
    const char *method, const char *url, vstreamctl_http_resp_t *resp)
{
    int                      ret;
    CURL                    *curl;
    char                    *location;
    CURLcode                 rc;
    struct curl_slist       *headers;
    vstreamctl_http_sink_t   sink;
    char                     shown[VSTREAMCTL_SHOWN_MAX];
    char                     errbuf[CURL_ERROR_SIZE];
    long                     connect_ms;

    memset(resp, 0, sizeof(vstreamctl_http_resp_t));
    vstreamctl_http_shown(shown, sizeof(shown), url);

    curl = curl_easy_init();
    headers = vstreamctl_http_headers(conf->token);

    if (curl == NULL || headers == NULL) {
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
        vstreamctl_error("cannot set up a request to %s", shown);
        return VSTREAMCTL_FAIL;
    }

    sink.body = &resp->body;
    sink.too_large = 0;
    errbuf[0] = '\0';

    connect_ms = VSTREAMCTL_CONNECT_TIMEOUT * 1000L;
    if (conf->timeout * 1000L < connect_ms) {
        connect_ms = conf->timeout * 1000L;
    }

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT,
                     "vstreamctl/" VSTREAMCTL_VERSION);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, conf->timeout * 1000L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, vstreamctl_http_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);

    if (conf->cacert != NULL) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, conf->cacert);
    }

    if (conf->insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    rc = curl_easy_perform(curl);

    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);

        location = NULL;
        curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
        if (location != NULL) {
            resp->location = strdup(location);
            resp->moved_base = vstreamctl_http_moved_base(conf->base, url,
                                                          location);
        }

        ret = VSTREAMCTL_OK;

    } else if (sink.too_large) {
        vstreamctl_error("the answer from %s is larger than %d bytes", shown,
                         VSTREAMCTL_BODY_MAX);
        ret = VSTREAMCTL_FAIL;

    } else {
        vstreamctl_http_failed(curl, rc, errbuf, shown, conf->timeout);
        ret = VSTREAMCTL_FAIL;
    }

    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (ret != VSTREAMCTL_OK) {
        vstreamctl_http_resp_free(resp);
    }

    return ret;
}


/*
 * The admin API base a redirect points to: the request was BASE/PATH, the
 * new location ends with the same PATH, so what comes before it is the
 * base to give as --url.  NULL when the location does not end so.
 */

static char *
vstreamctl_http_moved_base(const char *base, const char *url,
    const char *location)
{
    size_t       blen, tlen, llen;
    const char  *tail;

    if (base == NULL) {
        return NULL;
    }

    blen = strlen(base);

    if (strncmp(url, base, blen) != 0 || url[blen] != '/') {
        return NULL;
    }

    tail = url + blen;
    tlen = strlen(tail);
    llen = strlen(location);

    if (llen <= tlen || strcmp(location + llen - tlen, tail) != 0) {
        return NULL;
    }

    return strndup(location, llen - tlen);
}


void
vstreamctl_http_resp_free(vstreamctl_http_resp_t *resp)
{
    free(resp->body.data);
    free(resp->location);
    free(resp->moved_base);
    memset(resp, 0, sizeof(vstreamctl_http_resp_t));
}


static void
vstreamctl_http_failed(CURL *curl, CURLcode rc, const char *errbuf,
    const char *shown, long timeout)
{
    long         os_errno;
    curl_off_t   connected;
    char         detail[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_sanitize(detail, sizeof(detail),
                        errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));

    switch (rc) {

    case CURLE_COULDNT_CONNECT:
        os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);

        if (os_errno != 0) {
            vstreamctl_error("cannot connect to %s: %s", shown,
                             strerror((int) os_errno));
            return;
        }

        vstreamctl_error("cannot connect to %s: %s", shown, detail);
        return;

    case CURLE_COULDNT_RESOLVE_HOST:
        vstreamctl_error("cannot resolve the host of %s: %s", shown, detail);
        return;

    case CURLE_OPERATION_TIMEDOUT:
        connected = 0;
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected);

        if (connected == 0) {
            vstreamctl_error("cannot connect to %s: timed out", shown);
            return;
        }

        vstreamctl_error("no answer from %s within %ld s (--timeout)", shown,
                         timeout);
        return;

    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        vstreamctl_error("TLS with %s failed: %s (see --cacert, --insecure)",
                         shown, detail);
        return;

    default:
        vstreamctl_error("request to %s failed: %s", shown, detail);
        return;
    }
}


static const char *
vstreamctl_http_reason(long status)
{
    int  i;

    for (i = 0; vstreamctl_http_reasons[i].reason != NULL; i++) {
        if (vstreamctl_http_reasons[i].status == status) {
            return vstreamctl_http_reasons[i].reason;
        }
    }

    return "";
}


/* the "error" of a JSON error answer, for display; empty when none */

static void
vstreamctl_http_server_error(const vstreamctl_buf_t *body, char *dst,
    size_t size)
{
    json_t  *doc, *error;

    dst[0] = '\0';

    if (body->data == NULL) {
        return;
    }

    doc = json_loadb(body->data, body->len, 0, NULL);
    if (doc == NULL) {
        return;
    }

    error = json_object_get(doc, "error");
    if (json_is_string(error)) {
        vstreamctl_sanitize(dst, size, json_string_value(error));
    }

    json_decref(doc);
}


/* the line for an HTTP status the command did not expect */

void
vstreamctl_http_refused(const char *shown, const vstreamctl_http_resp_t *resp,
    int token_sent)
{
    const char  *reason, *sep;
    char         error[VSTREAMCTL_SHOWN_MAX];
    char         location[VSTREAMCTL_SHOWN_MAX];

    reason = vstreamctl_http_reason(resp->status);
    sep = reason[0] != '\0' ? " " : "";

    if (resp->status == 401) {
        if (token_sent) {
            vstreamctl_error("401 Unauthorized: check --token-file");

        } else {
            vstreamctl_error("401 Unauthorized: the admin API needs a token: "
                             "give --token-file");
        }

        return;
    }

    if (resp->status >= 300 && resp->status < 400 && resp->location != NULL) {
        vstreamctl_http_shown(location, sizeof(location), resp->location);

        if (resp->moved_base == NULL) {
            vstreamctl_error("%ld%s%s from %s: redirected to %s",
                             resp->status, sep, reason, shown, location);
            return;
        }

        vstreamctl_http_shown(error, sizeof(error), resp->moved_base);
        vstreamctl_error("%ld%s%s from %s: redirected to %s: give --url %s",
                         resp->status, sep, reason, shown, location, error);
        return;
    }

    vstreamctl_http_server_error(&resp->body, error, sizeof(error));

    if (error[0] != '\0') {
        vstreamctl_error("%ld%s%s from %s: %s", resp->status, sep, reason,
                         shown, error);
        return;
    }

    if (resp->status == 404) {
        vstreamctl_error("404 Not Found from %s: is --url the admin API "
                         "base?", shown);
        return;
    }

    vstreamctl_error("%ld%s%s from %s", resp->status, sep, reason, shown);
}
