
/*
 * vstream: the admin API's recordings (README.md, "Admin API"):
 *   GET    PREFIX/recordings                 every application's
 *   GET    PREFIX/recordings/APP/NAME        one stream's
 *   DELETE PREFIX/recordings/APP/NAME/ID     204; 404 if none; 409 if live
 * and their metrics.  A listing reads at most NGX_VSTREAM_RECORD_LIST_MAX
 * recordings (their info files) and says "truncated" when there are more.
 * What comes from the URI is a path component only when it is a safe name
 * (an ID: YYYYMMDDTHHMMSSZ[-N]); anything else is 400, never looked up.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"
#include "ngx_vstream_record.h"
#include "vstream_m3u8.h"


/* where the recordings are served: location /rec/ { alias PATH/; } */
#define NGX_VSTREAM_REC_URL   "/rec/"

/* one recording's object beside its escaped names */
#define NGX_VSTREAM_REC_JSON  384


static ngx_int_t ngx_vstream_rec_api_list(ngx_http_request_t *r,
    ngx_str_t *app, ngx_str_t *name);
static ngx_int_t ngx_vstream_rec_api_delete(ngx_http_request_t *r,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *id);
static ngx_buf_t *ngx_vstream_rec_api_render(ngx_pool_t *pool,
    ngx_array_t *list, ngx_uint_t truncated, ngx_log_t *log);
static void ngx_vstream_rec_api_url(ngx_vstream_wr_t *w, ngx_str_t *s);
static ngx_uint_t ngx_vstream_rec_api_split(ngx_str_t *path, ngx_str_t *part,
    ngx_uint_t n);


/*
 * NGX_DECLINED when the path below the prefix is not ours; the rest of the
 * admin API routes it then
 */

ngx_int_t
ngx_vstream_rec_api_handler(ngx_http_request_t *r, ngx_str_t *prefix)
{
    ngx_str_t           path, part[4];
    ngx_uint_t          n, get;

    path = r->uri;

    if (path.len >= prefix->len
        && ngx_strncmp(path.data, prefix->data, prefix->len) == 0)
    {
        path.data += prefix->len;
        path.len -= prefix->len;
    }

    while (path.len && path.data[0] == '/') {
        path.data++;
        path.len--;
    }

    if (path.len < sizeof("recordings") - 1
        || ngx_strncmp(path.data, "recordings", sizeof("recordings") - 1)
           != 0
        || (path.len > sizeof("recordings") - 1
            && path.data[sizeof("recordings") - 1] != '/'))
    {
        return NGX_DECLINED;
    }

    n = ngx_vstream_rec_api_split(&path, part, 4);
    get = (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) != 0;

    if (n > 4 || n == 2) {
        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such resource");
    }

    /* a hostile name or ID is refused whatever the method */

    if (n >= 3
        && (!vstream_m3u8_safe_name(part[1].data, part[1].len)
            || !vstream_m3u8_safe_name(part[2].data, part[2].len)
            || (n == 4
                && !ngx_vstream_record_valid_id(part[3].data, part[3].len))))
    {
        return ngx_http_vstream_error(r, NGX_HTTP_BAD_REQUEST,
                                      "not a valid application, stream "
                                      "or recording name");
    }

    if (n == 4) {
        if (r->method != NGX_HTTP_DELETE) {
            if (ngx_http_vstream_header(r, "Allow", "DELETE") != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_vstream_error(r, NGX_HTTP_NOT_ALLOWED,
                                          "method not allowed");
        }

        return ngx_vstream_rec_api_delete(r, &part[1], &part[2], &part[3]);
    }

    if (!get) {
        if (ngx_http_vstream_header(r, "Allow", "GET, HEAD") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_vstream_error(r, NGX_HTTP_NOT_ALLOWED,
                                      "method not allowed");
    }

    if (n == 1) {
        return ngx_vstream_rec_api_list(r, NULL, NULL);
    }

    return ngx_vstream_rec_api_list(r, &part[1], &part[2]);
}


/* the path's components, up to n (more: n + 1); empty ones are kept */

static ngx_uint_t
ngx_vstream_rec_api_split(ngx_str_t *path, ngx_str_t *part, ngx_uint_t n)
{
    u_char      *p, *last, *slash;
    ngx_uint_t   i;

    p = path->data;
    last = path->data + path->len;

    for (i = 0; ; i++) {
        slash = ngx_strlchr(p, last, '/');

        if (i == n) {
            return n + 1;
        }

        part[i].data = p;
        part[i].len = (slash ? slash : last) - p;

        if (slash == NULL) {
            return i + 1;
        }

        p = slash + 1;
    }
}


static ngx_int_t
ngx_vstream_rec_api_list(ngx_http_request_t *r, ngx_str_t *app,
    ngx_str_t *name)
{
    ngx_buf_t                   *b;
    ngx_uint_t                   i, truncated;
    ngx_array_t                  list;
    ngx_vstream_main_conf_t     *vmcf;
    ngx_vstream_record_conf_t  **rcp, *rc;

    truncated = 0;

    if (ngx_array_init(&list, r->pool, 16, sizeof(ngx_vstream_recording_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (app) {
        rc = ngx_vstream_record_conf((ngx_cycle_t *) ngx_cycle, app);

        if (rc == NULL) {
            return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                          "no application records");
        }

        (void) ngx_vstream_record_list(rc, name, &list,
                                       NGX_VSTREAM_RECORD_LIST_MAX,
                                       &truncated, r->connection->log);

    } else {
        vmcf = ngx_vstream_main_conf((ngx_cycle_t *) ngx_cycle);
        rcp = vmcf->record_confs.elts;

        for (i = 0; i < vmcf->record_confs.nelts && !truncated; i++) {
            (void) ngx_vstream_record_list(rcp[i], NULL, &list,
                                           NGX_VSTREAM_RECORD_LIST_MAX,
                                           &truncated, r->connection->log);
        }
    }

    ngx_vstream_record_sort(&list);

    b = ngx_vstream_rec_api_render(r->pool, &list, truncated,
                                   r->connection->log);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vstream_send(r, NGX_HTTP_OK, "application/json", b);
}


static ngx_int_t
ngx_vstream_rec_api_delete(ngx_http_request_t *r, ngx_str_t *app,
    ngx_str_t *name, ngx_str_t *id)
{
    ngx_int_t                   rc;
    ngx_vstream_record_conf_t  *rcf;


    rcf = ngx_vstream_record_conf((ngx_cycle_t *) ngx_cycle, app);

    if (rcf == NULL) {
        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such recording");
    }

    rc = ngx_vstream_record_remove(rcf, name, id, r->connection->log);

    switch (rc) {

    case NGX_OK:
        r->headers_out.status = NGX_HTTP_NO_CONTENT;
        r->header_only = 1;
        r->headers_out.content_length_n = 0;

        if (ngx_http_vstream_header(r, "Cache-Control", "no-store") != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_send_header(r);

    case NGX_DECLINED:
        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such recording");

    case NGX_BUSY:
        return ngx_http_vstream_error(r, NGX_HTTP_CONFLICT,
                                      "the recording is in progress");

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


static ngx_buf_t *
ngx_vstream_rec_api_render(ngx_pool_t *pool, ngx_array_t *list,
    ngx_uint_t truncated, ngx_log_t *log)
{
    size_t                    size;
    ngx_buf_t                *b;
    ngx_uint_t                i;
    ngx_vstream_wr_t          w;
    ngx_vstream_recording_t  *rec;

    rec = list->elts;
    size = 64;

    for (i = 0; i < list->nelts; i++) {
        size += NGX_VSTREAM_REC_JSON
                + (rec[i].app.len + rec[i].name.len) * (NGX_VSTREAM_ESCAPE + 3);
    }

    b = ngx_create_temp_buf(pool, size);
    if (b == NULL) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);

    ngx_vstream_wr_lit(&w, "{\"recordings\":[");

    for (i = 0; i < list->nelts; i++) {
        if (i) {
            ngx_vstream_wr_byte(&w, ',');
        }

        ngx_vstream_wr_lit(&w, "{\"app\":");
        ngx_vstream_wr_json_str(&w, rec[i].app.data, rec[i].app.len);
        ngx_vstream_wr_lit(&w, ",\"name\":");
        ngx_vstream_wr_json_str(&w, rec[i].name.data, rec[i].name.len);
        ngx_vstream_wr_lit(&w, ",\"id\":\"");
        ngx_vstream_wr_mem(&w, rec[i].id, rec[i].id_len);
        ngx_vstream_wr_lit(&w, "\",\"started_at\":");
        ngx_vstream_wr_json_time(&w, rec[i].started_at);
        ngx_vstream_wr_lit(&w, ",\"duration_s\":");
        ngx_vstream_wr_ms(&w, rec[i].duration_ms, 3);
        ngx_vstream_wr_num(&w, ",\"segments\":", rec[i].segments);
        ngx_vstream_wr_num(&w, ",\"bytes\":", rec[i].bytes);

        if (rec[i].complete) {
            ngx_vstream_wr_lit(&w, ",\"complete\":true");

        } else {
            ngx_vstream_wr_lit(&w, ",\"complete\":false");
        }

        ngx_vstream_wr_lit(&w, ",\"playlist\":\"" NGX_VSTREAM_REC_URL);
        ngx_vstream_rec_api_url(&w, &rec[i].app);
        ngx_vstream_wr_byte(&w, '/');
        ngx_vstream_rec_api_url(&w, &rec[i].name);
        ngx_vstream_wr_byte(&w, '/');
        ngx_vstream_wr_mem(&w, rec[i].id, rec[i].id_len);
        ngx_vstream_wr_lit(&w, "/index.m3u8\"}");
    }

    ngx_vstream_wr_lit(&w, "],\"truncated\":");

    if (truncated) {
        ngx_vstream_wr_lit(&w, "true}\n");

    } else {
        ngx_vstream_wr_lit(&w, "false}\n");
    }

    return ngx_vstream_wr_done(&w, b, log, "recordings");
}


/* a path component of the URL: percent-escaped, so no JSON escape */

static void
ngx_vstream_rec_api_url(ngx_vstream_wr_t *w, ngx_str_t *s)
{
    size_t  len;

    len = s->len + 2 * ngx_escape_uri(NULL, s->data, s->len,
                                      NGX_ESCAPE_URI_COMPONENT);

    if ((size_t) (w->end - w->pos) < len) {
        ngx_vstream_wr_overflow(w);
        return;
    }

    w->pos = (u_char *) ngx_escape_uri(w->pos, s->data, s->len,
                                       NGX_ESCAPE_URI_COMPONENT);
}


/*
 * The recordings' families, after the others in /vstream/metrics: one
 * sample per application with vstream_record_path.  NULL: none.
 */

ngx_buf_t *
ngx_vstream_rec_api_metrics(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap,
    ngx_log_t *log)
{
    size_t                       size;
    uint64_t                    *count, *bytes, failures, removed;
    ngx_buf_t                   *b;
    ngx_uint_t                   i, j, k, truncated;
    ngx_array_t                  list;
    ngx_vstream_wr_t             w;
    ngx_vstream_app_t          **ap;
    ngx_vstream_main_conf_t     *vmcf;
    ngx_vstream_recording_t     *rec;
    ngx_vstream_record_conf_t  **rcp;

    static const char  *families[] = {
        "# HELP vstream_recordings Recordings on disk.\n"
        "# TYPE vstream_recordings gauge\n",
        "# HELP vstream_recording_bytes Bytes of the recordings' segments.\n"
        "# TYPE vstream_recording_bytes gauge\n",
        "# HELP vstream_record_failures_total Recorder failures (files not "
        "linked or written, playlists not read).\n"
        "# TYPE vstream_record_failures_total counter\n",
        "# HELP vstream_record_removed_total Recordings removed by "
        "retention.\n"
        "# TYPE vstream_record_removed_total counter\n"
    };

    static const char  *names[] = {
        "vstream_recordings{app=\"",
        "vstream_recording_bytes{app=\"",
        "vstream_record_failures_total{app=\"",
        "vstream_record_removed_total{app=\""
    };

    vmcf = ngx_vstream_main_conf((ngx_cycle_t *) ngx_cycle);

    if (vmcf->record_confs.nelts == 0) {
        return NULL;
    }

    rcp = vmcf->record_confs.elts;

    count = ngx_pcalloc(pool, 2 * vmcf->record_confs.nelts * sizeof(uint64_t));
    if (count == NULL) {
        return NULL;
    }

    bytes = count + vmcf->record_confs.nelts;
    size = 1024;

    for (i = 0; i < vmcf->record_confs.nelts; i++) {
        if (ngx_array_init(&list, pool, 64, sizeof(ngx_vstream_recording_t))
            != NGX_OK)
        {
            return NULL;
        }

        truncated = 0;
        (void) ngx_vstream_record_list(rcp[i], NULL, &list,
                                       NGX_VSTREAM_RECORD_LIST_MAX,
                                       &truncated, log);

        rec = list.elts;
        count[i] = list.nelts;

        for (j = 0; j < list.nelts; j++) {
            bytes[i] += rec[j].bytes;
        }

        size += 4 * (64 + NGX_INT64_LEN
                     + rcp[i]->app.len * NGX_VSTREAM_ESCAPE);
    }

    b = ngx_create_temp_buf(pool, size);
    if (b == NULL) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);
    ap = snap->apps.elts;

    for (k = 0; k < 4; k++) {
        ngx_vstream_wr_mem(&w, (u_char *) families[k],
                           ngx_strlen(families[k]));

        for (i = 0; i < vmcf->record_confs.nelts; i++) {
            failures = 0;
            removed = 0;

            for (j = 0; j < snap->apps.nelts; j++) {
                if (ap[j]->len == rcp[i]->app.len
                    && ngx_strncmp(ap[j]->name, rcp[i]->app.data, ap[j]->len)
                       == 0)
                {
                    failures = ap[j]->record_failures;
                    removed = ap[j]->record_removed;
                    break;
                }
            }

            ngx_vstream_wr_mem(&w, (u_char *) names[k],
                               ngx_strlen(names[k]));
            ngx_vstream_wr_prom_str(&w, rcp[i]->app.data, rcp[i]->app.len);
            ngx_vstream_wr_lit(&w, "\"} ");
            ngx_vstream_wr_u64(&w, k == 0 ? count[i]
                                   : k == 1 ? bytes[i]
                                   : k == 2 ? failures : removed);
            ngx_vstream_wr_byte(&w, '\n');
        }
    }

    return ngx_vstream_wr_done(&w, b, log, "recordings metrics");
}
