
/*
 * vstreamctl: the status document, passed through (--json) or as a table.
 * Fields may be absent or null (older servers, audio-only streams, no HLS):
 * those cells show "-".
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstreamctl.h"


#define VSTREAMCTL_CELL_MAX  160


enum {
    VSTREAMCTL_COL_FRONTEND = 0,
    VSTREAMCTL_COL_STREAM,
    VSTREAMCTL_COL_PUBLISHER,
    VSTREAMCTL_COL_UPTIME,
    VSTREAMCTL_COL_BITRATE,
    VSTREAMCTL_COL_RESOLUTION,
    VSTREAMCTL_COL_HLS,
    VSTREAMCTL_COL_VIEWERS,
    VSTREAMCTL_NCOLS
};


typedef struct {
    char                 cell[VSTREAMCTL_NCOLS][VSTREAMCTL_CELL_MAX];
} vstreamctl_row_t;


static json_t *vstreamctl_status_get(json_t *obj, const char *key,
    const char *sub);
static int vstreamctl_status_number(json_t *v, double *n);
static void vstreamctl_status_count(char *dst, size_t size, json_t *v);
static void vstreamctl_status_fps(char *dst, size_t size, double fps);
static void vstreamctl_status_row(vstreamctl_row_t *row, json_t *stream);
static int vstreamctl_status_compare(const void *a, const void *b);
static void vstreamctl_status_table(json_t *doc, json_t *streams);
static void vstreamctl_status_totals(json_t *doc, size_t nstreams);


static const struct {
    const char          *title;
    int                  right;
} vstreamctl_columns[VSTREAMCTL_NCOLS] = {
    { "FRONTEND", 0 },
    { "APP/STREAM", 0 },
    { "PUBLISHER", 0 },
    { "UPTIME", 1 },
    { "BITRATE", 1 },
    { "RESOLUTION", 0 },
    { "HLS", 0 },
    { "VIEWERS", 1 }
};


int
vstreamctl_status_show(const char *shown, const vstreamctl_buf_t *body,
    int raw)
{
    json_t  *doc, *streams;

    doc = vstreamctl_json_load(shown, body);
    if (doc == NULL) {
        return VSTREAMCTL_FAIL;
    }

    streams = json_object_get(doc, "streams");

    if (!json_is_object(doc)
        || (streams != NULL && !json_is_null(streams)
            && !json_is_array(streams)))
    {
        json_decref(doc);
        vstreamctl_error("bad JSON from %s: not a status document (an "
                         "object with a \"streams\" array)", shown);
        return VSTREAMCTL_FAIL;
    }

    if (raw) {
        vstreamctl_print_raw(body);

    } else {
        vstreamctl_status_table(doc, json_is_array(streams) ? streams : NULL);
    }

    json_decref(doc);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        vstreamctl_error("cannot write the status to standard output");
        return VSTREAMCTL_FAIL;
    }

    return VSTREAMCTL_OK;
}


/* the document of an answer, or NULL after an error line */

json_t *
vstreamctl_json_load(const char *shown, const vstreamctl_buf_t *body)
{
    json_t        *doc;
    json_error_t   err;
    char           text[VSTREAMCTL_SHOWN_MAX];

    doc = json_loadb(body->data != NULL ? body->data : "", body->len, 0,
                     &err);
    if (doc == NULL) {
        vstreamctl_sanitize(text, sizeof(text), err.text);
        vstreamctl_error("bad JSON from %s: %s (line %d, column %d)", shown,
                         text, err.line, err.column);
    }

    return doc;
}


/* --json: the body as received, with a final newline */

void
vstreamctl_print_raw(const vstreamctl_buf_t *body)
{
    fwrite(body->data, 1, body->len, stdout);

    if (body->data[body->len - 1] != '\n') {
        fputc('\n', stdout);
    }
}


/* obj.key or obj.key.sub; NULL when absent or not an object on the way */

static json_t *
vstreamctl_status_get(json_t *obj, const char *key, const char *sub)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (sub != NULL) {
        v = json_object_get(v, sub);
    }

    return json_is_null(v) ? NULL : v;
}


static int
vstreamctl_status_number(json_t *v, double *n)
{
    if (!json_is_number(v)) {
        return 0;
    }

    *n = json_number_value(v);

    return isfinite(*n) && *n >= 0 && *n < 1e15;
}


static void
vstreamctl_status_count(char *dst, size_t size, json_t *v)
{
    double  n;

    if (!vstreamctl_status_number(v, &n)) {
        snprintf(dst, size, "-");
        return;
    }

    snprintf(dst, size, "%.0f", n);
}


static void
vstreamctl_status_fps(char *dst, size_t size, double fps)
{
    if (fps == floor(fps)) {
        snprintf(dst, size, "@%.0f", fps);
        return;
    }

    snprintf(dst, size, "@%.2f", fps);
}


static void
vstreamctl_status_row(vstreamctl_row_t *row, json_t *stream)
{
    json_t      *app, *name, *addr, *hls, *healthy;
    double       n, width, height, fps;
    long long    s;
    char         fps_text[32];
    char         name_text[VSTREAMCTL_CELL_MAX];
    const char  *text;

    /* set by vstreamctl_fleet.c for a table over several frontends */
    app = vstreamctl_status_get(stream, "frontend", NULL);
    vstreamctl_sanitize(row->cell[VSTREAMCTL_COL_FRONTEND],
                        VSTREAMCTL_CELL_MAX,
                        json_is_string(app) ? json_string_value(app) : "");

    app = vstreamctl_status_get(stream, "app", NULL);
    name = vstreamctl_status_get(stream, "name", NULL);

    snprintf(name_text, sizeof(name_text), "%s/%s",
             json_is_string(app) ? json_string_value(app) : "-",
             json_is_string(name) ? json_string_value(name) : "-");
    vstreamctl_sanitize(row->cell[VSTREAMCTL_COL_STREAM], VSTREAMCTL_CELL_MAX,
                        name_text);

    addr = vstreamctl_status_get(stream, "publisher", "addr");
    vstreamctl_sanitize(row->cell[VSTREAMCTL_COL_PUBLISHER],
                        VSTREAMCTL_CELL_MAX,
                        json_is_string(addr) ? json_string_value(addr) : "-");

    if (vstreamctl_status_number(
            vstreamctl_status_get(stream, "publisher", "uptime_s"), &n))
    {
        s = (long long) n;
        snprintf(row->cell[VSTREAMCTL_COL_UPTIME], VSTREAMCTL_CELL_MAX,
                 "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);

    } else {
        snprintf(row->cell[VSTREAMCTL_COL_UPTIME], VSTREAMCTL_CELL_MAX, "-");
    }

    if (vstreamctl_status_number(
            vstreamctl_status_get(stream, "bitrate_in_bps", NULL), &n))
    {
        snprintf(row->cell[VSTREAMCTL_COL_BITRATE], VSTREAMCTL_CELL_MAX,
                 "%.0f kbps", n / 1000);

    } else {
        snprintf(row->cell[VSTREAMCTL_COL_BITRATE], VSTREAMCTL_CELL_MAX, "-");
    }

    if (vstreamctl_status_number(
            vstreamctl_status_get(stream, "video", "width"), &width)
        && vstreamctl_status_number(
            vstreamctl_status_get(stream, "video", "height"), &height)
        && width > 0 && height > 0)
    {
        fps_text[0] = '\0';

        if (vstreamctl_status_number(
                vstreamctl_status_get(stream, "video", "fps"), &fps)
            && fps > 0)
        {
            vstreamctl_status_fps(fps_text, sizeof(fps_text), fps);
        }

        snprintf(row->cell[VSTREAMCTL_COL_RESOLUTION], VSTREAMCTL_CELL_MAX,
                 "%.0fx%.0f%s", width, height, fps_text);

    } else {
        snprintf(row->cell[VSTREAMCTL_COL_RESOLUTION], VSTREAMCTL_CELL_MAX,
                 "-");
    }

    hls = vstreamctl_status_get(stream, "hls", NULL);
    healthy = json_is_object(hls) ? json_object_get(hls, "healthy") : NULL;

    if (json_is_true(healthy)) {
        text = "ok";

    } else if (json_is_false(healthy)) {
        text = "stale";

    } else {
        text = "-";
    }

    snprintf(row->cell[VSTREAMCTL_COL_HLS], VSTREAMCTL_CELL_MAX, "%s", text);

    vstreamctl_status_count(row->cell[VSTREAMCTL_COL_VIEWERS],
                            VSTREAMCTL_CELL_MAX,
                            vstreamctl_status_get(stream, "viewers",
                                                  "active"));
}


static int
vstreamctl_status_compare(const void *a, const void *b)
{
    int                      rc;
    const vstreamctl_row_t  *ra, *rb;

    ra = a;
    rb = b;

    rc = strcmp(ra->cell[VSTREAMCTL_COL_STREAM],
                rb->cell[VSTREAMCTL_COL_STREAM]);

    return rc != 0 ? rc : strcmp(ra->cell[VSTREAMCTL_COL_FRONTEND],
                                 rb->cell[VSTREAMCTL_COL_FRONTEND]);
}


static void
vstreamctl_status_table(json_t *doc, json_t *streams)
{
    int                col, first;
    size_t             i, n, w, pad;
    size_t             width[VSTREAMCTL_NCOLS];
    vstreamctl_row_t  *rows;

    n = streams != NULL ? json_array_size(streams) : 0;

    if (n == 0) {
        printf("no live streams\n");
        vstreamctl_status_totals(doc, 0);
        return;
    }

    rows = calloc(n + 1, sizeof(vstreamctl_row_t));
    if (rows == NULL) {
        vstreamctl_error("out of memory");
        return;
    }

    /* row 0 holds the titles, so one loop measures and prints everything */

    for (col = 0; col < VSTREAMCTL_NCOLS; col++) {
        snprintf(rows[0].cell[col], VSTREAMCTL_CELL_MAX, "%s",
                 vstreamctl_columns[col].title);
    }

    for (i = 0; i < n; i++) {
        vstreamctl_status_row(&rows[i + 1], json_array_get(streams, i));
    }

    qsort(&rows[1], n, sizeof(vstreamctl_row_t), vstreamctl_status_compare);

    /* the FRONTEND column only over several frontends */
    first = rows[1].cell[VSTREAMCTL_COL_FRONTEND][0] == '\0'
            ? VSTREAMCTL_COL_STREAM : VSTREAMCTL_COL_FRONTEND;

    for (col = 0; col < VSTREAMCTL_NCOLS; col++) {
        width[col] = 0;

        for (i = 0; i <= n; i++) {
            w = vstreamctl_display_width(rows[i].cell[col]);
            if (w > width[col]) {
                width[col] = w;
            }
        }
    }

    for (i = 0; i <= n; i++) {

        for (col = first; col < VSTREAMCTL_NCOLS; col++) {
            pad = width[col] - vstreamctl_display_width(rows[i].cell[col]);

            if (vstreamctl_columns[col].right) {
                printf("%*s%s", (int) pad, "", rows[i].cell[col]);

            } else if (col + 1 < VSTREAMCTL_NCOLS) {
                printf("%s%*s", rows[i].cell[col], (int) pad, "");

            } else {
                printf("%s", rows[i].cell[col]);
            }

            printf(col + 1 < VSTREAMCTL_NCOLS ? "  " : "\n");
        }
    }

    free(rows);

    vstreamctl_status_totals(doc, n);
}


static void
vstreamctl_status_totals(json_t *doc, size_t nstreams)
{
    json_t  *streams;
    char     count[32], accepted[32], denied[32];

    streams = vstreamctl_status_get(doc, "totals", "streams");

    if (streams != NULL) {
        vstreamctl_status_count(count, sizeof(count), streams);

    } else {
        snprintf(count, sizeof(count), "%zu", nstreams);
    }

    vstreamctl_status_count(accepted, sizeof(accepted),
                            vstreamctl_status_get(doc, "totals",
                                                  "publish_accepted"));
    vstreamctl_status_count(denied, sizeof(denied),
                            vstreamctl_status_get(doc, "totals",
                                                  "publish_denied"));

    printf("totals: streams %s, accepted %s, denied %s\n", count, accepted,
           denied);
}
