
/*
 * vstreamctl: recordings.  "recordings [APP/NAME]" prints GET
 * URL/recordings[/APP/NAME] as a table (or as received with --json);
 * "rm-recording APP/NAME/ID" is DELETE URL/recordings/APP/NAME/ID.  Over
 * several frontends (vstreamctl_fleet.c) each keeps what it recorded:
 * recordings asks every one and prints one table with a FRONTEND column
 * (--json: one document per frontend), rm-recording asks every one to
 * delete and says which did.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstreamctl.h"


#define VSTREAMCTL_REC_CELL  160


static int vstreamctl_rec_send(const vstreamctl_http_conf_t *conf,
    const char *method, const char *base, const char *app, const char *stream,
    const char *id, char *shown, vstreamctl_http_resp_t *resp);
static char *vstreamctl_rec_url(const char *base, const char *app,
    const char *stream, const char *id);
static int vstreamctl_rec_target(const char *target, char **app,
    char **stream, const char **id);
static int vstreamctl_rec_list_one(void *data, const char *base,
    const char *label);
static int vstreamctl_rec_rm_one(void *data, const char *base,
    const char *label);
static int vstreamctl_rec_fleet_json(json_t *frontends);
static int vstreamctl_rec_by_start(const void *a, const void *b);
static void vstreamctl_rec_size(char *dst, size_t size, double bytes);
static void vstreamctl_rec_cell(char *dst, json_t *obj, const char *key);
static json_t *vstreamctl_rec_parse(const char *shown,
    const vstreamctl_buf_t *body);
static void vstreamctl_rec_rows(json_t *list, int fleet, int truncated);


/* one command over several frontends */

typedef struct {
    const vstreamctl_http_conf_t  *conf;
    const char                    *app;
    const char                    *stream;
    const char                    *id;
    int                            token_sent;
    json_t                        *rows;        /* with "frontend" */
    json_t                        *frontends;   /* what --json prints */
    int                            truncated;
    size_t                         answered;
    const char                    *deleted;     /* the label that did */
    const char                    *busy;        /* the one still recording */
} vstreamctl_rec_fleet_t;


int
vstreamctl_recordings(const vstreamctl_http_conf_t *conf, const char *base,
    const char *target, int raw)
{
    int                     rc;
    char                   *app, *stream;
    json_t                 *doc;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    app = NULL;
    stream = NULL;

    if (target != NULL) {
        rc = vstreamctl_split_target(target, &app, &stream);
        if (rc != VSTREAMCTL_OK) {
            return rc;
        }
    }

    rc = vstreamctl_rec_send(conf, "GET", base, app, stream, NULL, shown,
                             &resp);
    free(app);
    free(stream);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status == 200 && raw) {
        fwrite(resp.body.data, 1, resp.body.len, stdout);
        rc = VSTREAMCTL_OK;

    } else if (resp.status == 200) {
        doc = vstreamctl_rec_parse(shown, &resp.body);
        rc = (doc != NULL) ? VSTREAMCTL_OK : VSTREAMCTL_FAIL;

        if (doc != NULL) {
            vstreamctl_rec_rows(json_object_get(doc, "recordings"), 0,
                                json_is_true(json_object_get(doc,
                                                             "truncated")));
            json_decref(doc);
        }

    } else {
        vstreamctl_http_refused(shown, &resp, conf->token != NULL);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

    return rc;
}


int
vstreamctl_rm_recording(const vstreamctl_http_conf_t *conf, const char *base,
    const char *target)
{
    int                     rc;
    char                   *app, *stream;
    const char             *id;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    rc = vstreamctl_rec_target(target, &app, &stream, &id);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    rc = vstreamctl_rec_send(conf, "DELETE", base, app, stream, id, shown,
                             &resp);

    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    vstreamctl_sanitize(shown, sizeof(shown), target);

    if (resp.status == 204) {
        printf("%s: deleted\n", shown);

    } else if (resp.status == 404) {
        vstreamctl_error("no recording %s (404)", shown);
        rc = VSTREAMCTL_FAIL;

    } else if (resp.status == 409) {
        vstreamctl_error("%s is still recording (409)", shown);
        rc = VSTREAMCTL_FAIL;

    } else {
        vstreamctl_http_refused(shown, &resp, conf->token != NULL);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

done:

    free(app);
    free(stream);

    return rc;
}


/*
 * recordings (rm 0) or rm-recording (rm 1) over every frontend of --url;
 * a frontend that fails is named and makes the exit 1, the others are
 * still shown (or asked)
 */

int
vstreamctl_rec_fleet(const vstreamctl_http_conf_t *conf, const char *target,
    int rm, int raw, int token_sent)
{
    int                     rc, each;
    char                   *app, *stream;
    size_t                  i, n;
    json_t                 *list, **rows;
    vstreamctl_rec_fleet_t  f;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    memset(&f, 0, sizeof(f));
    app = NULL;
    stream = NULL;

    if (rm) {
        rc = vstreamctl_rec_target(target, &app, &stream, &f.id);

    } else {
        rc = target ? vstreamctl_split_target(target, &app, &stream)
                    : VSTREAMCTL_OK;
    }

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    f.conf = conf;
    f.app = app;
    f.stream = stream;
    f.token_sent = token_sent;
    f.rows = json_array();
    f.frontends = json_array();
    rows = NULL;

    if (f.rows == NULL || f.frontends == NULL) {
        vstreamctl_error("out of memory");
        rc = VSTREAMCTL_FAIL;
        goto done;
    }

    each = vstreamctl_fleet_each(rm ? vstreamctl_rec_rm_one
                                    : vstreamctl_rec_list_one, &f);

    if (each == VSTREAMCTL_USAGE) {
        rc = each;
        goto done;
    }

    if (rm) {
        vstreamctl_sanitize(shown, sizeof(shown), target);

        if (f.deleted) {
            printf("%s: deleted on %s\n", shown, f.deleted);
            rc = each;

        } else if (f.busy) {
            vstreamctl_error("%s is still recording on %s (409)", shown,
                             f.busy);
            rc = VSTREAMCTL_FAIL;

        } else {
            vstreamctl_error("no recording %s on any of the %zu frontends "
                             "that answered", shown, f.answered);
            rc = VSTREAMCTL_FAIL;
        }

        goto done;
    }

    if (raw) {
        rc = vstreamctl_rec_fleet_json(f.frontends);
        rc = (rc == VSTREAMCTL_OK) ? each : rc;
        goto done;
    }

    /* one table, oldest first, whichever frontend keeps it */

    n = json_array_size(f.rows);
    list = json_array();
    rows = calloc(n + 1, sizeof(json_t *));

    if (list == NULL || rows == NULL) {
        json_decref(list);
        vstreamctl_error("out of memory");
        rc = VSTREAMCTL_FAIL;
        goto done;
    }

    for (i = 0; i < n; i++) {
        rows[i] = json_array_get(f.rows, i);
    }

    qsort(rows, n, sizeof(json_t *), vstreamctl_rec_by_start);

    for (i = 0; i < n; i++) {
        json_array_append(list, rows[i]);
    }

    vstreamctl_rec_rows(list, 1, f.truncated);
    json_decref(list);
    rc = each;

done:

    free(rows);
    json_decref(f.rows);
    json_decref(f.frontends);
    free(app);
    free(stream);

    return rc;
}


/* APP/STREAM/ID into its parts (app and stream allocated, id into target) */

static int
vstreamctl_rec_target(const char *target, char **app, char **stream,
    const char **id)
{
    int          rc;
    char        *name;
    const char  *slash;
    char         shown[VSTREAMCTL_SHOWN_MAX];

    slash = strrchr(target, '/');

    if (slash == NULL || slash[1] == '\0' || strchr(target, '/') == slash) {
        vstreamctl_sanitize(shown, sizeof(shown), target);
        vstreamctl_error("\"%s\" is not APP/STREAM/ID", shown);
        return VSTREAMCTL_USAGE;
    }

    name = strndup(target, (size_t) (slash - target));
    if (name == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    rc = vstreamctl_split_target(name, app, stream);
    free(name);

    *id = slash + 1;

    return rc;
}


/* one frontend's list: its rows, each marked with the frontend */

static int
vstreamctl_rec_list_one(void *data, const char *base, const char *label)
{
    vstreamctl_rec_fleet_t *f = data;

    int                     rc;
    size_t                  i;
    json_t                 *one, *doc, *r;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    /* null until it answers: --json says which did not */
    one = json_pack("{s:s, s:s, s:n}", "frontend", label, "url", base,
                    "recordings");

    if (one == NULL || json_array_append_new(f->frontends, one) != 0) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    rc = vstreamctl_rec_send(f->conf, "GET", base, f->app, f->stream, NULL,
                             shown, &resp);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status != 200) {
        vstreamctl_http_refused(shown, &resp, f->token_sent);
        vstreamctl_http_resp_free(&resp);
        return VSTREAMCTL_FAIL;
    }

    doc = vstreamctl_rec_parse(shown, &resp.body);
    vstreamctl_http_resp_free(&resp);

    if (doc == NULL) {
        return VSTREAMCTL_FAIL;
    }

    json_object_set(one, "recordings", doc);

    json_array_foreach(json_object_get(doc, "recordings"), i, r) {
        if (json_is_object(r)) {
            r = json_deep_copy(r);

            if (r == NULL
                || json_object_set_new(r, "frontend", json_string(label))
                   != 0
                || json_array_append_new(f->rows, r) != 0)
            {
                json_decref(doc);
                vstreamctl_error("out of memory");
                return VSTREAMCTL_FAIL;
            }
        }
    }

    if (json_is_true(json_object_get(doc, "truncated"))) {
        f->truncated = 1;
    }

    json_decref(doc);

    return VSTREAMCTL_OK;
}


/* DELETE on one frontend: 404 is only "not here" */

static int
vstreamctl_rec_rm_one(void *data, const char *base, const char *label)
{
    vstreamctl_rec_fleet_t *f = data;

    int                     rc;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    rc = vstreamctl_rec_send(f->conf, "DELETE", base, f->app, f->stream,
                             f->id, shown, &resp);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    switch (resp.status) {

    case 204:
        f->deleted = label;
        break;

    case 409:
        f->busy = label;
        break;

    case 404:
        break;

    default:
        vstreamctl_http_refused(shown, &resp, f->token_sent);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

    if (rc == VSTREAMCTL_OK) {
        f->answered++;
    }

    return rc;
}


/* {"frontends": [{"frontend": LABEL, "url": BASE, "recordings": DOC|null}]} */

static int
vstreamctl_rec_fleet_json(json_t *frontends)
{
    int      rc;
    json_t  *out;

    out = json_pack("{s:O}", "frontends", frontends);
    rc = vstreamctl_fleet_print(out, "recordings");
    json_decref(out);

    return rc;
}


/* by started_at (RFC 3339 in UTC: as text, in time order), then frontend */

static int
vstreamctl_rec_by_start(const void *a, const void *b)
{
    int          c;
    json_t      *x, *y;
    const char  *sx, *sy;

    x = *(json_t * const *) a;
    y = *(json_t * const *) b;

    sx = json_string_value(json_object_get(x, "started_at"));
    sy = json_string_value(json_object_get(y, "started_at"));
    c = strcmp(sx ? sx : "", sy ? sy : "");

    if (c != 0) {
        return c;
    }

    sx = json_string_value(json_object_get(x, "frontend"));
    sy = json_string_value(json_object_get(y, "frontend"));

    return strcmp(sx ? sx : "", sy ? sy : "");
}


/* METHOD BASE/recordings[/APP/STREAM[/ID]]; shown: the URL for errors */

static int
vstreamctl_rec_send(const vstreamctl_http_conf_t *conf, const char *method,
    const char *base, const char *app, const char *stream, const char *id,
    char *shown, vstreamctl_http_resp_t *resp)
{
    int    rc;
    char  *url;

    url = vstreamctl_rec_url(base, app, stream, id);

    if (url == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    vstreamctl_http_shown(shown, VSTREAMCTL_SHOWN_MAX, url);

    rc = vstreamctl_http_request(conf, method, url, resp);
    free(url);

    return rc;
}


/* BASE/recordings[/APP/STREAM[/ID]], each part percent-escaped */

static char *
vstreamctl_rec_url(const char *base, const char *app, const char *stream,
    const char *id)
{
    char    *a, *s, *i, *url;
    size_t   size;

    a = app ? vstreamctl_http_escape(app) : strdup("");
    s = stream ? vstreamctl_http_escape(stream) : strdup("");
    i = id ? vstreamctl_http_escape(id) : strdup("");
    url = NULL;

    if (a != NULL && s != NULL && i != NULL) {
        size = strlen(base) + strlen(a) + strlen(s) + strlen(i)
               + sizeof("/recordings///");
        url = malloc(size);

        if (url != NULL) {
            snprintf(url, size, "%s/recordings%s%s%s%s%s%s", base,
                     app ? "/" : "", a, stream ? "/" : "", s,
                     id ? "/" : "", i);
        }
    }

    free(a);
    free(s);
    free(i);

    return url;
}


static void
vstreamctl_rec_size(char *dst, size_t size, double bytes)
{
    if (bytes >= 1024.0 * 1024 * 1024) {
        snprintf(dst, size, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));

    } else if (bytes >= 1024.0 * 1024) {
        snprintf(dst, size, "%.1f MiB", bytes / (1024.0 * 1024));

    } else if (bytes >= 1024.0) {
        snprintf(dst, size, "%.1f KiB", bytes / 1024.0);

    } else {
        snprintf(dst, size, "%.0f B", bytes);
    }
}


/* a string field, sanitized; "-" when missing (dst: VSTREAMCTL_REC_CELL) */

static void
vstreamctl_rec_cell(char *dst, json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);
    vstreamctl_sanitize(dst, VSTREAMCTL_REC_CELL,
                        json_is_string(v) ? json_string_value(v) : "-");
}


/* the answer of GET recordings, or NULL (said why) */

static json_t *
vstreamctl_rec_parse(const char *shown, const vstreamctl_buf_t *body)
{
    json_t        *doc;
    json_error_t   jerr;

    doc = json_loadb(body->data != NULL ? body->data : "", body->len, 0,
                     &jerr);

    if (!json_is_array(json_object_get(doc, "recordings"))) {
        vstreamctl_error("%s: not a recordings document", shown);
        json_decref(doc);
        return NULL;
    }

    return doc;
}


/* the table; fleet: a FRONTEND column first, from each row's "frontend" */

static void
vstreamctl_rec_rows(json_t *list, int fleet, int truncated)
{
    size_t  i, n;
    json_t *r;
    char    app[VSTREAMCTL_REC_CELL], name[VSTREAMCTL_REC_CELL];
    char    id[VSTREAMCTL_REC_CELL], started[VSTREAMCTL_REC_CELL];
    char    fe[VSTREAMCTL_REC_CELL], bytes[32];

    n = json_array_size(list);

    if (n == 0) {
        printf("no recordings\n");
        return;
    }

    if (fleet) {
        printf("%-21s ", "FRONTEND");
    }

    printf("%-12s %-20s %-20s %-20s %9s %8s %10s %s\n", "APP", "NAME", "ID",
           "STARTED", "DURATION", "SEGMENTS", "SIZE", "STATE");

    for (i = 0; i < n; i++) {
        r = json_array_get(list, i);

        vstreamctl_rec_cell(app, r, "app");
        vstreamctl_rec_cell(name, r, "name");
        vstreamctl_rec_cell(id, r, "id");
        vstreamctl_rec_cell(started, r, "started_at");

        vstreamctl_rec_size(bytes, sizeof(bytes),
                            json_number_value(json_object_get(r, "bytes")));

        if (fleet) {
            vstreamctl_rec_cell(fe, r, "frontend");
            printf("%-21s ", fe);
        }

        printf("%-12s %-20s %-20s %-20s %8.1fs %8lld %10s %s\n", app, name,
               id, started,
               json_number_value(json_object_get(r, "duration_s")),
               (long long) json_integer_value(json_object_get(r, "segments")),
               bytes,
               json_is_true(json_object_get(r, "complete"))
               ? "complete" : "recording");
    }

    if (truncated && fleet) {
        printf("(a frontend listed only the first of its recordings)\n");

    } else if (truncated) {
        printf("(the server listed only the first %zu)\n", n);
    }
}
