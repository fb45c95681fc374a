
/*
 * vstreamctl over several frontends: --url given more than once, or
 * VSTREAM_URL with commas.  status asks every frontend and prints one
 * table with a FRONTEND column (--json: one document per frontend); drop
 * asks every frontend which holds the stream and drops it there; the
 * recordings' commands are in vstreamctl_rec.c.  A frontend that fails is
 * named on stderr and makes the exit 1; the others are still shown.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstreamctl.h"


#define VSTREAMCTL_FLEET_MAX  64


typedef struct {
    char                *url;          /* as given */
    char                *base;         /* checked, no trailing slash */
    char                 label[VSTREAMCTL_SHOWN_MAX];   /* host[:port] */
    json_t              *doc;          /* its status, or NULL */
    int                  failed;       /* named in the summary line */
} vstreamctl_frontend_t;


static int vstreamctl_fleet_check(void);
static int vstreamctl_fleet_ask(const vstreamctl_http_conf_t *conf,
    vstreamctl_frontend_t *fe, int token_sent);
static int vstreamctl_fleet_ask_all(const vstreamctl_http_conf_t *conf,
    int token_sent);
static void vstreamctl_fleet_label(vstreamctl_frontend_t *fe);
static int vstreamctl_fleet_holds(vstreamctl_frontend_t *fe, const char *app,
    const char *stream);
static void vstreamctl_fleet_failed(size_t nfailed);
static int vstreamctl_fleet_json(void);
static int vstreamctl_fleet_table(void);


static vstreamctl_frontend_t  vstreamctl_fleet[VSTREAMCTL_FLEET_MAX];
static size_t                 vstreamctl_nfleet;


/* adds the comma-separated URLs of one --url or of VSTREAM_URL */

int
vstreamctl_fleet_add(const char *urls)
{
    size_t       len;
    const char  *p, *end;

    for (p = urls; /* void */ ; p = end + 1) {
        end = strchr(p, ',');
        len = end != NULL ? (size_t) (end - p) : strlen(p);

        if (len == 0) {
            vstreamctl_error("invalid --url \"%s\": an empty URL in the "
                             "list", urls);
            return VSTREAMCTL_USAGE;
        }

        if (vstreamctl_nfleet == VSTREAMCTL_FLEET_MAX) {
            vstreamctl_error("more than %d frontends in --url",
                             VSTREAMCTL_FLEET_MAX);
            return VSTREAMCTL_USAGE;
        }

        vstreamctl_fleet[vstreamctl_nfleet].url = strndup(p, len);
        if (vstreamctl_fleet[vstreamctl_nfleet].url == NULL) {
            vstreamctl_error("out of memory");
            return VSTREAMCTL_FAIL;
        }

        vstreamctl_nfleet++;

        if (end == NULL) {
            return VSTREAMCTL_OK;
        }
    }
}


size_t
vstreamctl_fleet_size(void)
{
    return vstreamctl_nfleet;
}


const char *
vstreamctl_fleet_url(size_t i)
{
    return vstreamctl_fleet[i].url;
}


void
vstreamctl_fleet_free(void)
{
    size_t  i;

    for (i = 0; i < vstreamctl_nfleet; i++) {
        free(vstreamctl_fleet[i].url);
        free(vstreamctl_fleet[i].base);
        json_decref(vstreamctl_fleet[i].doc);
        vstreamctl_fleet[i].failed = 0;
    }

    vstreamctl_nfleet = 0;
}


/* the bases are checked before any request: a bad one is bad usage */

static int
vstreamctl_fleet_check(void)
{
    int     rc;
    size_t  i;

    for (i = 0; i < vstreamctl_nfleet; i++) {
        rc = vstreamctl_http_check_base(vstreamctl_fleet[i].url,
                                        &vstreamctl_fleet[i].base);
        if (rc != VSTREAMCTL_OK) {
            return rc;
        }

        vstreamctl_fleet_label(&vstreamctl_fleet[i]);
    }

    return VSTREAMCTL_OK;
}


int
vstreamctl_fleet_status(const vstreamctl_http_conf_t *conf, int raw,
    int token_sent)
{
    int     rc, shown;
    size_t  nfailed;

    rc = vstreamctl_fleet_check();
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    nfailed = vstreamctl_fleet_ask_all(conf, token_sent);

    shown = raw ? vstreamctl_fleet_json() : vstreamctl_fleet_table();

    vstreamctl_fleet_failed(nfailed);

    return (nfailed || shown != VSTREAMCTL_OK) ? VSTREAMCTL_FAIL
                                                : VSTREAMCTL_OK;
}


int
vstreamctl_fleet_drop(const vstreamctl_http_conf_t *conf, const char *app,
    const char *stream, const char *query, int token_sent)
{
    int                     rc;
    char                   *url;
    size_t                  i, nfailed, nholders;
    vstreamctl_frontend_t  *holder;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    rc = vstreamctl_fleet_check();
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    nfailed = vstreamctl_fleet_ask_all(conf, token_sent);
    nholders = 0;
    holder = NULL;

    for (i = 0; i < vstreamctl_nfleet; i++) {
        if (vstreamctl_fleet_holds(&vstreamctl_fleet[i], app, stream)) {
            holder = &vstreamctl_fleet[i];
            nholders++;
        }
    }

    if (nholders == 0) {
        vstreamctl_error("no live stream %s/%s on any of the %zu frontends "
                         "that answered", app, stream,
                         vstreamctl_nfleet - nfailed);
        vstreamctl_fleet_failed(nfailed);
        return VSTREAMCTL_FAIL;
    }

    if (nholders > 1) {
        /* the same name published on two frontends: the user chooses */
        fprintf(stderr, "vstreamctl: %s/%s is live on %zu frontends:", app,
                stream, nholders);

        for (i = 0; i < vstreamctl_nfleet; i++) {
            if (vstreamctl_fleet_holds(&vstreamctl_fleet[i], app, stream)) {
                fprintf(stderr, " %s", vstreamctl_fleet[i].label);
            }
        }

        fputs("; give the one to drop as --url\n", stderr);
        return VSTREAMCTL_FAIL;
    }

    url = vstreamctl_http_target_url(holder->base, "streams", app, stream,
                                     query);

    if (url == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(conf, "DELETE", url, &resp);
    free(url);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status >= 200 && resp.status < 300) {
        printf("%s/%s: disconnect requested on %s (%ld)\n", app, stream,
               holder->label, resp.status);

    } else {
        vstreamctl_http_refused(shown, &resp, token_sent);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);
    vstreamctl_fleet_failed(nfailed);

    return nfailed ? VSTREAMCTL_FAIL : rc;
}


/*
 * one() for every frontend, in the order given, with its checked base and
 * its label; the failures are summed up at the end (exit 1 if any)
 */

int
vstreamctl_fleet_each(int (*one)(void *ctx, const char *base,
    const char *label), void *ctx)
{
    int     rc;
    size_t  i, nfailed;

    rc = vstreamctl_fleet_check();
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    nfailed = 0;

    for (i = 0; i < vstreamctl_nfleet; i++) {
        if (one(ctx, vstreamctl_fleet[i].base, vstreamctl_fleet[i].label)
            != VSTREAMCTL_OK)
        {
            vstreamctl_fleet[i].failed = 1;
            nfailed++;
        }
    }

    vstreamctl_fleet_failed(nfailed);

    return nfailed ? VSTREAMCTL_FAIL : VSTREAMCTL_OK;
}


/* returns how many frontends failed; each says why on stderr */

static int
vstreamctl_fleet_ask_all(const vstreamctl_http_conf_t *conf, int token_sent)
{
    int     nfailed;
    size_t  i;

    nfailed = 0;

    for (i = 0; i < vstreamctl_nfleet; i++) {
        if (vstreamctl_fleet_ask(conf, &vstreamctl_fleet[i], token_sent)
            != VSTREAMCTL_OK)
        {
            vstreamctl_fleet[i].failed = 1;
            nfailed++;
        }
    }

    return nfailed;
}


static int
vstreamctl_fleet_ask(const vstreamctl_http_conf_t *conf,
    vstreamctl_frontend_t *fe, int token_sent)
{
    int                     rc;
    char                   *url;
    size_t                  size;
    json_t                 *streams;
    json_error_t            err;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    size = strlen(fe->base) + sizeof("/status");

    url = malloc(size);
    if (url == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    snprintf(url, size, "%s/status", fe->base);
    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(conf, "GET", url, &resp);
    free(url);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status != 200) {
        vstreamctl_http_refused(shown, &resp, token_sent);
        vstreamctl_http_resp_free(&resp);
        return VSTREAMCTL_FAIL;
    }

    fe->doc = json_loadb(resp.body.data != NULL ? resp.body.data : "",
                         resp.body.len, 0, &err);
    vstreamctl_http_resp_free(&resp);

    streams = json_object_get(fe->doc, "streams");

    if (!json_is_object(fe->doc)
        || (streams != NULL && !json_is_array(streams)))
    {
        json_decref(fe->doc);
        fe->doc = NULL;
        vstreamctl_error("bad JSON from %s: not a status document", shown);
        return VSTREAMCTL_FAIL;
    }

    return VSTREAMCTL_OK;
}


/* host[:port] of the URL, for the FRONTEND column and messages */

static void
vstreamctl_fleet_label(vstreamctl_frontend_t *fe)
{
    char  *p, *end;
    char   shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_http_shown(shown, sizeof(shown), fe->base);

    p = strstr(shown, "://");
    p = p != NULL ? p + 3 : shown;
    end = p + strcspn(p, "/");
    *end = '\0';

    snprintf(fe->label, sizeof(fe->label), "%s", p);
}


static int
vstreamctl_fleet_holds(vstreamctl_frontend_t *fe, const char *app,
    const char *stream)
{
    size_t   i;
    json_t  *s, *streams;

    streams = json_object_get(fe->doc, "streams");

    for (i = 0; i < json_array_size(streams); i++) {
        s = json_array_get(streams, i);

        if (json_is_string(json_object_get(s, "app"))
            && json_is_string(json_object_get(s, "name"))
            && strcmp(json_string_value(json_object_get(s, "app")), app) == 0
            && strcmp(json_string_value(json_object_get(s, "name")), stream)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


static void
vstreamctl_fleet_failed(size_t nfailed)
{
    size_t  i;

    if (nfailed == 0) {
        return;
    }

    fprintf(stderr, "vstreamctl: %zu of %zu frontends failed:", nfailed,
            vstreamctl_nfleet);

    for (i = 0; i < vstreamctl_nfleet; i++) {
        if (vstreamctl_fleet[i].failed) {
            fprintf(stderr, " %s", vstreamctl_fleet[i].label);
        }
    }

    fputc('\n', stderr);
}


/* {"frontends": [{"frontend": LABEL, "url": BASE, "status": DOC|null}]} */

static int
vstreamctl_fleet_json(void)
{
    int      rc;
    size_t   i;
    json_t  *out, *list, *one;

    out = json_object();
    list = json_array();

    if (out == NULL || list == NULL
        || json_object_set_new(out, "frontends", list) != 0)
    {
        json_decref(out);
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    for (i = 0; i < vstreamctl_nfleet; i++) {
        one = json_pack("{s:s, s:s, s:O?}",
                        "frontend", vstreamctl_fleet[i].label,
                        "url", vstreamctl_fleet[i].base,
                        "status", vstreamctl_fleet[i].doc);

        if (one == NULL || json_array_append_new(list, one) != 0) {
            json_decref(out);
            vstreamctl_error("out of memory");
            return VSTREAMCTL_FAIL;
        }
    }

    rc = vstreamctl_fleet_print(out, "status");
    json_decref(out);

    return rc;
}


/* a document of the frontends (NULL: out of memory) on one line of stdout */

int
vstreamctl_fleet_print(json_t *doc, const char *what)
{
    if (doc == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    if (json_dumpf(doc, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF
        || fflush(stdout) != 0 || ferror(stdout))
    {
        vstreamctl_error("cannot write the %s to standard output", what);
        return VSTREAMCTL_FAIL;
    }

    return VSTREAMCTL_OK;
}


/*
 * One status document for the table: every frontend's streams, each with
 * a "frontend" field (the FRONTEND column), and the totals summed.
 */

static int
vstreamctl_fleet_table(void)
{
    int               rc;
    char             *text;
    size_t            i, j;
    json_t           *doc, *streams, *totals, *s, *v, *sum;
    const char       *key;
    vstreamctl_buf_t  body;

    doc = json_pack("{s:[], s:{}}", "streams", "totals");
    if (doc == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    streams = json_object_get(doc, "streams");
    totals = json_object_get(doc, "totals");

    for (i = 0; i < vstreamctl_nfleet; i++) {
        if (vstreamctl_fleet[i].doc == NULL) {
            continue;
        }

        json_array_foreach(json_object_get(vstreamctl_fleet[i].doc,
                                           "streams"), j, s)
        {
            s = json_deep_copy(s);
            if (s == NULL || !json_is_object(s)
                || json_object_set_new(s, "frontend",
                       json_string(vstreamctl_fleet[i].label)) != 0
                || json_array_append_new(streams, s) != 0)
            {
                json_decref(s);
                continue;
            }
        }

        json_object_foreach(json_object_get(vstreamctl_fleet[i].doc,
                                            "totals"), key, v)
        {
            if (!json_is_integer(v)) {
                continue;
            }

            sum = json_object_get(totals, key);
            json_object_set_new(totals, key, json_integer(
                json_integer_value(v) + json_integer_value(sum)));
        }
    }

    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);

    if (text == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    body.data = text;
    body.len = strlen(text);

    rc = vstreamctl_status_show("the frontends", &body, 0);
    free(text);

    return rc;
}
