
/*
 * vstreamctl: recordings.  "recordings [APP/NAME]" prints GET
 * URL/recordings[/APP/NAME] as a table (or as received with --json);
 * "rm-recording APP/NAME/ID" is DELETE URL/recordings/APP/NAME/ID.
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
static void vstreamctl_rec_size(char *dst, size_t size, double bytes);
static void vstreamctl_rec_cell(char *dst, json_t *obj, const char *key);
static int vstreamctl_rec_table(const char *shown,
    const vstreamctl_buf_t *body);


int
vstreamctl_recordings(const vstreamctl_http_conf_t *conf, const char *base,
    const char *target, int raw)
{
    int                     rc;
    char                   *app, *stream;
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
        rc = vstreamctl_rec_table(shown, &resp.body);

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
    char                   *app, *stream, *name;
    const char             *slash;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

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

    rc = vstreamctl_split_target(name, &app, &stream);
    free(name);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    rc = vstreamctl_rec_send(conf, "DELETE", base, app, stream, slash + 1,
                             shown, &resp);

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


static int
vstreamctl_rec_table(const char *shown, const vstreamctl_buf_t *body)
{
    size_t        i, n;
    json_t       *doc, *list, *r;
    json_error_t  jerr;
    char          app[VSTREAMCTL_REC_CELL], name[VSTREAMCTL_REC_CELL];
    char          id[VSTREAMCTL_REC_CELL], started[VSTREAMCTL_REC_CELL];
    char          bytes[32];

    doc = json_loadb(body->data, body->len, 0, &jerr);
    list = doc ? json_object_get(doc, "recordings") : NULL;

    if (!json_is_array(list)) {
        vstreamctl_error("%s: not a recordings document", shown);
        json_decref(doc);
        return VSTREAMCTL_FAIL;
    }

    n = json_array_size(list);

    if (n == 0) {
        printf("no recordings\n");
        json_decref(doc);
        return VSTREAMCTL_OK;
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

        printf("%-12s %-20s %-20s %-20s %8.1fs %8lld %10s %s\n", app, name,
               id, started,
               json_number_value(json_object_get(r, "duration_s")),
               (long long) json_integer_value(json_object_get(r, "segments")),
               bytes,
               json_is_true(json_object_get(r, "complete"))
               ? "complete" : "recording");
    }

    if (json_is_true(json_object_get(doc, "truncated"))) {
        printf("(the server listed only the first %zu)\n", n);
    }

    json_decref(doc);

    return VSTREAMCTL_OK;
}
