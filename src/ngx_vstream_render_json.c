
/*
 * vstream: a snapshot as JSON, /vstream/status and /vstream/streams/APP/NAME
 * (README.md, "Admin API").  Written through the checked writer of
 * ngx_vstream_render.h into one buffer sized from the budgets below.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <nginx.h>
#include "ngx_rtmp.h"
#include "ngx_rtmp_codec_module.h"
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"


/*
 * Bytes beside the escaped names, with room to spare: one stream (its
 * numbers at 20 digits each), one entry of the denied ring beside its
 * escaped strings, one application beside its name, the rest.  Too small
 * a budget fails the request; t/unit/render_test.c checks the worst case.
 */
#define NGX_VSTREAM_JSON_STREAM   1536
#define NGX_VSTREAM_JSON_DENIAL   256
#define NGX_VSTREAM_JSON_APP      1024
#define NGX_VSTREAM_JSON_FIXED    2048


static void ngx_vstream_json_header(ngx_vstream_wr_t *w,
    ngx_vstream_snapshot_t *snap, ngx_uint_t workers);
static void ngx_vstream_json_apps(ngx_vstream_wr_t *w,
    ngx_vstream_snapshot_t *snap);
static void ngx_vstream_json_denied(ngx_vstream_wr_t *w,
    ngx_vstream_totals_t *t);
static void ngx_vstream_json_stream(ngx_vstream_wr_t *w,
    ngx_vstream_stream_t *st, ngx_vstream_hls_stats_t *hls,
    ngx_vstream_snapshot_t *snap);
static void ngx_vstream_json_hls(ngx_vstream_wr_t *w,
    ngx_vstream_hls_stats_t *hls);
static void ngx_vstream_json_codec(ngx_vstream_wr_t *w, u_char *name);


ngx_buf_t *
ngx_vstream_render_status(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap,
    ngx_uint_t workers)
{
    size_t                   size;
    ngx_buf_t               *b;
    ngx_uint_t               i;
    ngx_vstream_wr_t         w;
    ngx_vstream_stream_t   **st;

    st = snap->streams.elts;

    size = NGX_VSTREAM_JSON_FIXED
           + snap->streams.nelts * NGX_VSTREAM_JSON_STREAM
           + NGX_VSTREAM_ESCAPE * ngx_vstream_render_names_len(snap)
           + snap->apps.nelts * (NGX_VSTREAM_JSON_APP
                                 + NGX_VSTREAM_ESCAPE * NGX_VSTREAM_NAME_MAX)
           + NGX_VSTREAM_DENIED_MAX
             * (NGX_VSTREAM_JSON_DENIAL
                + NGX_VSTREAM_ESCAPE * (NGX_VSTREAM_DENIED_APP_LEN
                                        + NGX_VSTREAM_DENIED_NAME_LEN
                                        + NGX_VSTREAM_ADDR_LEN));

    b = ngx_vstream_answer_buf(pool, size);
    if (b == NULL) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);

    ngx_vstream_json_header(&w, snap, workers);
    ngx_vstream_json_apps(&w, snap);
    ngx_vstream_json_denied(&w, &snap->t);

    ngx_vstream_wr_lit(&w, "\"streams\":[");

    for (i = 0; i < snap->streams.nelts; i++) {
        if (i) {
            ngx_vstream_wr_byte(&w, ',');
        }

        ngx_vstream_json_stream(&w, st[i], snap->hls ? &snap->hls[i] : NULL,
                                snap);
    }

    ngx_vstream_wr_lit(&w, "]}\n");

    return ngx_vstream_wr_done(&w, b, pool->log, "status");
}


ngx_buf_t *
ngx_vstream_render_stream(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap)
{
    ngx_buf_t              *b;
    ngx_vstream_wr_t        w;
    ngx_vstream_stream_t  **st;

    st = snap->streams.elts;

    b = ngx_create_temp_buf(pool, NGX_VSTREAM_JSON_STREAM
                                  + NGX_VSTREAM_ESCAPE
                                    * ngx_vstream_render_names_len(snap));
    if (b == NULL) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);

    ngx_vstream_json_stream(&w, st[0], snap->hls ? &snap->hls[0] : NULL,
                            snap);
    ngx_vstream_wr_byte(&w, '\n');

    return ngx_vstream_wr_done(&w, b, pool->log, "stream");
}


/* everything before the applications: versions, totals, webhooks */

static void
ngx_vstream_json_header(ngx_vstream_wr_t *w, ngx_vstream_snapshot_t *snap,
    ngx_uint_t workers)
{
    uint64_t                 bitrate;
    ngx_uint_t               i, viewers;
    ngx_vstream_totals_t    *t;
    ngx_vstream_stream_t   **st;

    t = &snap->t;
    st = snap->streams.elts;

    bitrate = 0;
    viewers = 0;

    for (i = 0; i < snap->streams.nelts; i++) {
        bitrate += st[i]->c.bitrate_bps;
        viewers += ngx_vstream_viewers_active(st[i], snap->now);
    }

    ngx_vstream_wr_num(w, "{\"version\":", NGX_VSTREAM_STATUS_VERSION);
    ngx_vstream_wr_lit(w, ",\"module_version\":\"" NGX_VSTREAM_VERSION
                       "\",\"nginx_version\":\"" NGINX_VERSION "\"");
    ngx_vstream_wr_num(w, ",\"pid\":", ngx_pid);
    ngx_vstream_wr_num(w, ",\"workers\":", workers);
    ngx_vstream_wr_lit(w, ",\"started_at\":");
    ngx_vstream_wr_json_time(w, t->started_at);
    ngx_vstream_wr_lit(w, ",\"uptime_s\":");
    ngx_vstream_wr_i64(w, snap->now - t->started_at);

    ngx_vstream_wr_num(w, ",\"totals\":{\"streams\":", snap->nstreams);
    ngx_vstream_wr_num(w, ",\"publish_accepted\":", t->publish_accepted);
    ngx_vstream_wr_num(w, ",\"publish_denied\":", t->publish_denied);
    ngx_vstream_wr_num(w, ",\"bytes_in\":", t->bytes_in);
    ngx_vstream_wr_num(w, ",\"bitrate_in_bps\":", bitrate);
    ngx_vstream_wr_num(w, ",\"hls_requests\":", t->hls_requests);
    ngx_vstream_wr_num(w, ",\"hls_bytes_out\":", t->hls_bytes_out);
    ngx_vstream_wr_num(w, ",\"viewers\":", viewers);
    ngx_vstream_wr_num(w, ",\"hls_unmatched\":", t->hls_unmatched);
    ngx_vstream_wr_num(w, ",\"hls_errors\":", t->hls_errors);
    ngx_vstream_wr_num(w, ",\"hls_refused\":", t->hls_refused);
    ngx_vstream_wr_num(w, ",\"reaped\":", t->reaped);
    ngx_vstream_wr_num(w, ",\"admin_rejected\":", t->admin_rejected);
    ngx_vstream_wr_num(w, ",\"admin_not_found\":", t->admin_not_found);
    ngx_vstream_wr_num(w, ",\"admin_bad_requests\":",
                       t->admin_bad_requests);
    ngx_vstream_wr_num(w, ",\"bans\":", t->bans);
    ngx_vstream_wr_num(w, ",\"bans_refused\":", t->bans_refused);

    ngx_vstream_wr_num(w, "},\"webhooks\":{\"delivered\":",
                       t->webhook_delivered);
    ngx_vstream_wr_num(w, ",\"failed\":", t->webhook_failed);
    ngx_vstream_wr_num(w, ",\"dropped\":", t->webhook_dropped);
    ngx_vstream_wr_lit(w, "},");
}


static void
ngx_vstream_json_apps(ngx_vstream_wr_t *w, ngx_vstream_snapshot_t *snap)
{
    ngx_uint_t           i, r;
    ngx_vstream_app_t  **apps;

    apps = snap->apps.elts;

    ngx_vstream_wr_lit(w, "\"apps\":[");

    for (i = 0; i < snap->apps.nelts; i++) {
        if (i) {
            ngx_vstream_wr_byte(w, ',');
        }

        ngx_vstream_wr_lit(w, "{\"app\":");
        ngx_vstream_wr_json_str(w, apps[i]->name, apps[i]->len);
        ngx_vstream_wr_num(w, ",\"streams\":",
                           ngx_vstream_render_app_streams(snap, apps[i]));
        ngx_vstream_wr_num(w, ",\"publish_accepted\":", apps[i]->accepted);
        ngx_vstream_wr_lit(w, ",\"publish_denied\":{");

        for (r = 1; r < NGX_VSTREAM_DENY_MAX; r++) {
            if (r > 1) {
                ngx_vstream_wr_byte(w, ',');
            }

            ngx_vstream_wr_byte(w, '"');
            ngx_vstream_wr_str(w, &ngx_vstream_reasons[r]);
            ngx_vstream_wr_num(w, "\":", apps[i]->denied[r]);
        }

        ngx_vstream_wr_lit(w, "}}");
    }

    ngx_vstream_wr_lit(w, "],");
}


/* the ring of recent refusals, newest first */

static void
ngx_vstream_json_denied(ngx_vstream_wr_t *w, ngx_vstream_totals_t *t)
{
    ngx_uint_t             i;
    ngx_vstream_denial_t  *d;

    ngx_vstream_wr_lit(w, "\"denied\":[");

    for (i = 0; i < t->denied_count; i++) {
        d = &t->denied[(t->denied_next + NGX_VSTREAM_DENIED_MAX - 1 - i)
                       % NGX_VSTREAM_DENIED_MAX];

        if (i) {
            ngx_vstream_wr_byte(w, ',');
        }

        ngx_vstream_wr_lit(w, "{\"at\":");
        ngx_vstream_wr_json_time(w, d->at);
        ngx_vstream_wr_lit(w, ",\"addr\":");
        ngx_vstream_wr_json_str(w, d->addr, ngx_strlen(d->addr));
        ngx_vstream_wr_lit(w, ",\"app\":");
        ngx_vstream_wr_json_str(w, d->app, d->app_len);
        ngx_vstream_wr_lit(w, ",\"stream\":");
        ngx_vstream_wr_json_str(w, d->name, d->name_len);
        ngx_vstream_wr_lit(w, ",\"reason\":\"");
        ngx_vstream_wr_str(w, &ngx_vstream_reasons[d->reason]);
        ngx_vstream_wr_lit(w, "\"}");
    }

    ngx_vstream_wr_lit(w, "],");
}


static void
ngx_vstream_json_stream(ngx_vstream_wr_t *w, ngx_vstream_stream_t *st,
    ngx_vstream_hls_stats_t *hls, ngx_vstream_snapshot_t *snap)
{
    uint64_t                 up;
    ngx_vstream_counters_t  *c;

    c = &st->c;
    up = snap->now_ms > st->started_ms ? snap->now_ms - st->started_ms : 0;

    ngx_vstream_wr_lit(w, "{\"app\":");
    ngx_vstream_wr_json_str(w, ngx_vstream_stream_app(st), st->app_len);
    ngx_vstream_wr_lit(w, ",\"name\":");
    ngx_vstream_wr_json_str(w, ngx_vstream_stream_name(st), st->name_len);

    ngx_vstream_wr_lit(w, ",\"publisher\":{\"addr\":");
    ngx_vstream_wr_json_str(w, st->addr, ngx_strlen(st->addr));
    ngx_vstream_wr_num(w, ",\"worker_pid\":", st->pid);
    ngx_vstream_wr_lit(w, ",\"started_at\":");
    ngx_vstream_wr_json_time(w, (time_t) (st->started_ms / 1000));
    ngx_vstream_wr_num(w, ",\"uptime_s\":", up / 1000);

    ngx_vstream_wr_num(w, "},\"bytes_in\":", c->bytes_in);
    ngx_vstream_wr_num(w, ",\"bitrate_in_bps\":", c->bitrate_bps);

    ngx_vstream_wr_lit(w, ",\"video\":{\"codec\":");
    ngx_vstream_json_codec(w, c->video_codec
                           ? ngx_rtmp_get_video_codec_name(c->video_codec)
                           : NULL);
    ngx_vstream_wr_num(w, ",\"width\":", c->width);
    ngx_vstream_wr_num(w, ",\"height\":", c->height);
    ngx_vstream_wr_num(w, ",\"fps\":", c->fps);
    ngx_vstream_wr_num(w, ",\"frames\":", c->video_frames);
    ngx_vstream_wr_num(w, ",\"keyframes\":", c->video_keyframes);

    ngx_vstream_wr_lit(w, "},\"audio\":{\"codec\":");
    ngx_vstream_json_codec(w, c->audio_codec
                           ? ngx_rtmp_get_audio_codec_name(c->audio_codec)
                           : NULL);
    ngx_vstream_wr_num(w, ",\"sample_rate\":", c->sample_rate);
    ngx_vstream_wr_num(w, ",\"channels\":", c->channels);
    ngx_vstream_wr_num(w, ",\"frames\":", c->audio_frames);

    ngx_vstream_wr_num(w, "},\"players\":", c->players);
    ngx_vstream_wr_lit(w, ",\"hls\":");
    ngx_vstream_json_hls(w, hls);

    ngx_vstream_wr_num(w, ",\"viewers\":{\"active\":",
                       ngx_vstream_viewers_active(st, snap->now));
    ngx_vstream_wr_num(w, ",\"playlist_requests\":", st->playlist_requests);
    ngx_vstream_wr_num(w, ",\"segment_requests\":", st->segment_requests);
    ngx_vstream_wr_num(w, ",\"bytes_out\":", st->bytes_out);
    ngx_vstream_wr_lit(w, "}}");
}


static void
ngx_vstream_json_hls(ngx_vstream_wr_t *w, ngx_vstream_hls_stats_t *hls)
{
    if (hls == NULL || !hls->present) {
        ngx_vstream_wr_lit(w, "null");
        return;
    }

    ngx_vstream_wr_lit(w, "{\"playlist\":");
    ngx_vstream_wr_json_str(w, hls->playlist.data, hls->playlist.len);
    ngx_vstream_wr_num(w, ",\"target_duration_s\":", hls->target_duration);
    ngx_vstream_wr_num(w, ",\"media_sequence\":", hls->media_sequence);
    ngx_vstream_wr_num(w, ",\"segments\":", hls->segments);
    ngx_vstream_wr_lit(w, ",\"window_s\":");
    ngx_vstream_wr_ms(w, hls->window_ms, 1);
    ngx_vstream_wr_lit(w, ",\"last_segment_s\":");
    ngx_vstream_wr_ms(w, hls->last_segment_ms, 1);
    ngx_vstream_wr_num(w, ",\"bitrate_bps\":", hls->bitrate_bps);
    ngx_vstream_wr_lit(w, ",\"playlist_age_s\":");
    ngx_vstream_wr_ms(w, hls->age_ms, 1);

    if (hls->healthy) {
        ngx_vstream_wr_lit(w, ",\"healthy\":true}");

    } else {
        ngx_vstream_wr_lit(w, ",\"healthy\":false}");
    }
}


static void
ngx_vstream_json_codec(ngx_vstream_wr_t *w, u_char *name)
{
    if (name == NULL || *name == '\0') {
        ngx_vstream_wr_lit(w, "null");
        return;
    }

    ngx_vstream_wr_json_str(w, name, ngx_strlen(name));
}
