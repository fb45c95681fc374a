
/*
 * vstream: the admin API's recordings (README.md, "Admin API"):
 *   GET    PREFIX/recordings                 every application's
 *   GET    PREFIX/recordings/APP/NAME        one stream's
 *   DELETE PREFIX/recordings/APP/NAME/ID     204; 404 if none; 409 if live
 * and their metrics.  A listing reads at most NGX_VSTREAM_RECORD_LIST_MAX
 * recordings (their info files) and says "truncated" when there are more.
 * The router (vstream_admin_route() of vstream_text.c) has checked what
 * comes from the URI: each part is a safe name, or an ID
 * (YYYYMMDDTHHMMSSZ[-N]), before it becomes a path component.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"
#include "ngx_vstream_record.h"


/* where the recordings are served: location /rec/ { alias PATH/; } */
#define NGX_VSTREAM_REC_URL   "/rec/"

/* one recording's object beside its escaped names */
#define NGX_VSTREAM_REC_JSON  384


static ngx_buf_t *ngx_vstream_rec_api_render(ngx_pool_t *pool,
    ngx_array_t *list, ngx_uint_t truncated, ngx_log_t *log);
static void ngx_vstream_rec_api_url(ngx_vstream_wr_t *w, ngx_str_t *s);


/* app and name: one stream's recordings; NULL: every application's */

ngx_int_t
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


ngx_int_t
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
