
/*
 * vstream: renders a snapshot of the zone as JSON (/status, /streams/...)
 * and as Prometheus text (/metrics).  Like stub_status: compute an upper
 * bound of the size, allocate one buffer, fill it with ngx_sprintf; no
 * intermediate trees, no per-field allocations, and never under the lock.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <nginx.h>
#include "ngx_rtmp.h"
#include "ngx_rtmp_codec_module.h"
#include "ngx_vstream.h"
#include "vstream_text.h"


/* bytes of one stream's output beside its escaped names */
#define NGX_VSTREAM_JSON_STREAM   1536
#define NGX_VSTREAM_JSON_DENIAL   256
#define NGX_VSTREAM_JSON_APP      1024
#define NGX_VSTREAM_JSON_FIXED    2048
#define NGX_VSTREAM_PROM_STREAM   2560
#define NGX_VSTREAM_PROM_APP      2048
#define NGX_VSTREAM_PROM_FIXED    4096
#define NGX_VSTREAM_PROM_LABELS   24

#define ngx_vstream_lit(p, s)  ngx_cpymem(p, s, sizeof(s) - 1)

/* a literal and a decimal, the unit of the per-stream loops */
#define ngx_vstream_num(p, s, n)                                             \
    ngx_vstream_u64(ngx_vstream_lit(p, s), (uint64_t) (n))

/* a string escaped for JSON or a Prometheus label is at most this longer */
#define NGX_VSTREAM_ESCAPE        VSTREAM_TEXT_ESCAPE_MAX

#if (NGX_VSTREAM_NAME_MAX != VSTREAM_TEXT_NAME_MAX)
#error "NGX_VSTREAM_NAME_MAX and VSTREAM_TEXT_NAME_MAX differ"
#endif

/* how many label sets of a stream repeat its names in /metrics */
#define NGX_VSTREAM_PROM_SERIES   18

#define NGX_VSTREAM_VIEWER_WINDOW 10


typedef enum {
    NGX_VSTREAM_ESCAPE_JSON = 0,
    NGX_VSTREAM_ESCAPE_PROM
} ngx_vstream_escape_e;


static u_char *ngx_vstream_escape(u_char *p, u_char *src, size_t len,
    ngx_uint_t type);
static u_char *ngx_vstream_json_str(u_char *p, u_char *src, size_t len);
static u_char *ngx_vstream_json_time(u_char *p, time_t t);
static u_char *ngx_vstream_json_codec(u_char *p, u_char *name);
static u_char *ngx_vstream_json_stream(u_char *p, ngx_vstream_stream_t *st,
    ngx_vstream_hls_stats_t *hls, ngx_vstream_snapshot_t *snap);
static u_char *ngx_vstream_json_ms(u_char *p, uint64_t ms);
static ngx_uint_t ngx_vstream_viewers(ngx_vstream_stream_t *st,
    ngx_vstream_hls_stats_t *hls, time_t now);
static size_t ngx_vstream_names_len(ngx_vstream_snapshot_t *snap);
static u_char *ngx_vstream_u64(u_char *p, uint64_t n);
static u_char *ngx_vstream_2d(u_char *p, ngx_uint_t n);
static ngx_uint_t ngx_vstream_app_streams(ngx_vstream_snapshot_t *snap,
    ngx_vstream_app_t *app);


/*
 * Every size computed here gives each byte of a name NGX_VSTREAM_ESCAPE
 * bytes of room: that is the bound handed to the escapers, which never
 * write past it and always write valid UTF-8 (vstream_text.c).
 */

static u_char *
ngx_vstream_escape(u_char *p, u_char *src, size_t len, ngx_uint_t type)
{
    if (type == NGX_VSTREAM_ESCAPE_JSON) {
        return vstream_json_escape(p, p + len * NGX_VSTREAM_ESCAPE, src, len);
    }

    return vstream_prom_escape(p, p + len * NGX_VSTREAM_ESCAPE, src, len);
}


/* a decimal without ngx_sprintf's format parsing, for the hot loops */

static u_char *
ngx_vstream_u64(u_char *p, uint64_t n)
{
    u_char   tmp[NGX_INT64_LEN], *t;

    t = tmp + NGX_INT64_LEN;

    do {
        *--t = (u_char) (n % 10 + '0');
        n /= 10;
    } while (n);

    return ngx_cpymem(p, t, tmp + NGX_INT64_LEN - t);
}


static u_char *
ngx_vstream_json_str(u_char *p, u_char *src, size_t len)
{
    *p++ = '"';
    p = ngx_vstream_escape(p, src, len, NGX_VSTREAM_ESCAPE_JSON);
    *p++ = '"';

    return p;
}


static u_char *
ngx_vstream_2d(u_char *p, ngx_uint_t n)
{
    *p++ = (u_char) ('0' + n / 10 % 10);
    *p++ = (u_char) ('0' + n % 10);

    return p;
}


static u_char *
ngx_vstream_json_time(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    *p++ = '"';
    p = ngx_vstream_u64(p, (uint64_t) tm.ngx_tm_year);
    *p++ = '-';
    p = ngx_vstream_2d(p, tm.ngx_tm_mon);
    *p++ = '-';
    p = ngx_vstream_2d(p, tm.ngx_tm_mday);
    *p++ = 'T';
    p = ngx_vstream_2d(p, tm.ngx_tm_hour);
    *p++ = ':';
    p = ngx_vstream_2d(p, tm.ngx_tm_min);
    *p++ = ':';
    p = ngx_vstream_2d(p, tm.ngx_tm_sec);
    *p++ = 'Z';
    *p++ = '"';

    return p;
}


static u_char *
ngx_vstream_json_ms(u_char *p, uint64_t ms)
{
    p = ngx_vstream_u64(p, ms / 1000);
    *p++ = '.';
    *p++ = (u_char) ('0' + (ms % 1000) / 100);

    return p;
}


static u_char *
ngx_vstream_json_codec(u_char *p, u_char *name)
{
    if (name == NULL || *name == '\0') {
        return ngx_vstream_lit(p, "null");
    }

    return ngx_vstream_json_str(p, name, ngx_strlen(name));
}


static size_t
ngx_vstream_names_len(ngx_vstream_snapshot_t *snap)
{
    size_t                  len;
    ngx_uint_t              i;
    ngx_vstream_stream_t  **st;

    len = 0;
    st = snap->streams.elts;

    for (i = 0; i < snap->streams.nelts; i++) {
        len += st[i]->app_len + 2 * st[i]->name_len;
    }

    return len;
}


static ngx_uint_t
ngx_vstream_app_streams(ngx_vstream_snapshot_t *snap, ngx_vstream_app_t *app)
{
    ngx_uint_t              i, n;
    ngx_vstream_stream_t  **st;

    st = snap->streams.elts;

    for (i = 0, n = 0; i < snap->streams.nelts; i++) {
        if (st[i]->app_len == app->len
            && ngx_memcmp(ngx_vstream_stream_app(st[i]), app->name, app->len)
               == 0)
        {
            n++;
        }
    }

    return n;
}


/* active viewers: distinct addresses within 2 x target duration */

static ngx_uint_t
ngx_vstream_viewers(ngx_vstream_stream_t *st, ngx_vstream_hls_stats_t *hls,
    time_t now)
{
    time_t  window;

    window = NGX_VSTREAM_VIEWER_WINDOW;

    if (hls && hls->present && hls->target_duration) {
        window = ngx_max(2 * (time_t) hls->target_duration, 2);
    }

    return ngx_vstream_viewers_active(st, now, window);
}


static u_char *
ngx_vstream_json_stream(u_char *p, ngx_vstream_stream_t *st,
    ngx_vstream_hls_stats_t *hls, ngx_vstream_snapshot_t *snap)
{
    uint64_t                 up;
    ngx_vstream_counters_t  *c;

    c = &st->c;
    up = snap->now_ms > st->started_ms ? snap->now_ms - st->started_ms : 0;

    p = ngx_vstream_lit(p, "{\"app\":");
    p = ngx_vstream_json_str(p, ngx_vstream_stream_app(st), st->app_len);
    p = ngx_vstream_lit(p, ",\"name\":");
    p = ngx_vstream_json_str(p, ngx_vstream_stream_name(st), st->name_len);

    p = ngx_vstream_lit(p, ",\"publisher\":{\"addr\":");
    p = ngx_vstream_json_str(p, st->addr, ngx_strlen(st->addr));
    p = ngx_vstream_num(p, ",\"worker_pid\":", st->pid);
    p = ngx_vstream_lit(p, ",\"started_at\":");
    p = ngx_vstream_json_time(p, (time_t) (st->started_ms / 1000));
    p = ngx_vstream_num(p, ",\"uptime_s\":", up / 1000);

    p = ngx_vstream_num(p, "},\"bytes_in\":", c->bytes_in);
    p = ngx_vstream_num(p, ",\"bitrate_in_bps\":", c->bitrate_bps);
    p = ngx_vstream_lit(p, ",");

    p = ngx_vstream_lit(p, "\"video\":{\"codec\":");
    p = ngx_vstream_json_codec(p, c->video_codec
                               ? ngx_rtmp_get_video_codec_name(c->video_codec)
                               : NULL);
    p = ngx_vstream_num(p, ",\"width\":", c->width);
    p = ngx_vstream_num(p, ",\"height\":", c->height);
    p = ngx_vstream_num(p, ",\"fps\":", c->fps);
    p = ngx_vstream_num(p, ",\"frames\":", c->video_frames);
    p = ngx_vstream_num(p, ",\"keyframes\":", c->video_keyframes);
    p = ngx_vstream_lit(p, "},");

    p = ngx_vstream_lit(p, "\"audio\":{\"codec\":");
    p = ngx_vstream_json_codec(p, c->audio_codec
                               ? ngx_rtmp_get_audio_codec_name(c->audio_codec)
                               : NULL);
    p = ngx_vstream_num(p, ",\"sample_rate\":", c->sample_rate);
    p = ngx_vstream_num(p, ",\"channels\":", c->channels);
    p = ngx_vstream_num(p, ",\"frames\":", c->audio_frames);

    p = ngx_vstream_num(p, "},\"players\":", c->players);
    p = ngx_vstream_lit(p, ",\"hls\":");

    if (hls == NULL || !hls->present) {
        p = ngx_vstream_lit(p, "null");

    } else {
        p = ngx_vstream_lit(p, "{\"playlist\":");
        p = ngx_vstream_json_str(p, hls->playlist.data, hls->playlist.len);
        p = ngx_vstream_num(p, ",\"target_duration_s\":",
                            hls->target_duration);
        p = ngx_vstream_num(p, ",\"media_sequence\":", hls->media_sequence);
        p = ngx_vstream_num(p, ",\"segments\":", hls->segments);
        p = ngx_vstream_lit(p, ",\"window_s\":");
        p = ngx_vstream_json_ms(p, hls->window_ms);
        p = ngx_vstream_lit(p, ",\"last_segment_s\":");
        p = ngx_vstream_json_ms(p, hls->last_segment_ms);
        p = ngx_vstream_num(p, ",\"bitrate_bps\":", hls->bitrate_bps);
        p = ngx_vstream_lit(p, ",\"playlist_age_s\":");
        p = ngx_vstream_json_ms(p, hls->age_ms);

        if (hls->healthy) {
            p = ngx_vstream_lit(p, ",\"healthy\":true}");

        } else {
            p = ngx_vstream_lit(p, ",\"healthy\":false}");
        }
    }

    p = ngx_vstream_num(p, ",\"viewers\":{\"active\":",
                        ngx_vstream_viewers(st, hls, snap->now));
    p = ngx_vstream_num(p, ",\"playlist_requests\":", st->playlist_requests);
    p = ngx_vstream_num(p, ",\"segment_requests\":", st->segment_requests);
    p = ngx_vstream_num(p, ",\"bytes_out\":", st->bytes_out);
    p = ngx_vstream_lit(p, "}}");

    return p;
}


ngx_buf_t *
ngx_vstream_render_status(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap,
    ngx_uint_t workers)
{
    u_char                  *p;
    size_t                   size;
    uint64_t                 bitrate;
    ngx_buf_t               *b;
    ngx_uint_t               i, n, r, viewers;
    ngx_vstream_app_t      **apps;
    ngx_vstream_totals_t    *t;
    ngx_vstream_denial_t    *d;
    ngx_vstream_stream_t   **st;
    ngx_vstream_hls_stats_t *hls;

    t = &snap->t;
    st = snap->streams.elts;
    apps = snap->apps.elts;

    size = NGX_VSTREAM_JSON_FIXED
           + snap->streams.nelts * NGX_VSTREAM_JSON_STREAM
           + NGX_VSTREAM_ESCAPE * ngx_vstream_names_len(snap)
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

    bitrate = 0;
    viewers = 0;

    for (i = 0; i < snap->streams.nelts; i++) {
        hls = snap->hls ? &snap->hls[i] : NULL;
        bitrate += st[i]->c.bitrate_bps;
        viewers += ngx_vstream_viewers(st[i], hls, snap->now);
    }

    p = ngx_sprintf(b->last, "{\"version\":%d,\"module_version\":\""
                    NGX_VSTREAM_VERSION "\",\"nginx_version\":\""
                    NGINX_VERSION "\",\"pid\":%P,\"workers\":%ui,"
                    "\"started_at\":",
                    NGX_VSTREAM_STATUS_VERSION, ngx_pid, workers);
    p = ngx_vstream_json_time(p, t->started_at);

    p = ngx_sprintf(p, ",\"uptime_s\":%T,\"totals\":{\"streams\":%ui,"
                    "\"publish_accepted\":%uL,\"publish_denied\":%uL,"
                    "\"bytes_in\":%uL,\"bitrate_in_bps\":%uL,"
                    "\"hls_requests\":%uL,\"hls_bytes_out\":%uL,"
                    "\"viewers\":%ui,\"hls_unmatched\":%uL,"
                    "\"hls_errors\":%uL,\"hls_refused\":%uL,"
                    "\"reaped\":%uL,\"admin_rejected\":%uL},",
                    snap->now - t->started_at, snap->nstreams,
                    t->publish_accepted, t->publish_denied, t->bytes_in,
                    bitrate, t->hls_requests, t->hls_bytes_out, viewers,
                    t->hls_unmatched, t->hls_errors, t->hls_refused,
                    t->reaped, t->admin_rejected);

    p = ngx_sprintf(p, "\"webhooks\":{\"delivered\":%uL,\"failed\":%uL,"
                    "\"dropped\":%uL},\"apps\":[",
                    t->webhook_delivered, t->webhook_failed,
                    t->webhook_dropped);

    for (i = 0; i < snap->apps.nelts; i++) {
        p = i ? ngx_vstream_lit(p, ",{\"app\":") : ngx_vstream_lit(p, "{\"app\":");
        p = ngx_vstream_json_str(p, apps[i]->name, apps[i]->len);

        n = ngx_vstream_app_streams(snap, apps[i]);

        p = ngx_sprintf(p, ",\"streams\":%ui,\"publish_accepted\":%uL,"
                        "\"publish_denied\":{", n, apps[i]->accepted);

        for (r = 1; r < NGX_VSTREAM_DENY_MAX; r++) {
            p = ngx_sprintf(p, "%s\"%V\":%uL", r > 1 ? "," : "",
                            &ngx_vstream_reasons[r], apps[i]->denied[r]);
        }

        p = ngx_vstream_lit(p, "}}");
    }

    p = ngx_vstream_lit(p, "],\"denied\":[");

    /* newest first */
    for (i = 0; i < t->denied_count; i++) {
        d = &t->denied[(t->denied_next + NGX_VSTREAM_DENIED_MAX - 1 - i)
                       % NGX_VSTREAM_DENIED_MAX];

        p = i ? ngx_vstream_lit(p, ",{\"at\":") : ngx_vstream_lit(p, "{\"at\":");
        p = ngx_vstream_json_time(p, d->at);
        p = ngx_vstream_lit(p, ",\"addr\":");
        p = ngx_vstream_json_str(p, d->addr, ngx_strlen(d->addr));
        p = ngx_vstream_lit(p, ",\"app\":");
        p = ngx_vstream_json_str(p, d->app, d->app_len);
        p = ngx_vstream_lit(p, ",\"stream\":");
        p = ngx_vstream_json_str(p, d->name, d->name_len);
        p = ngx_sprintf(p, ",\"reason\":\"%V\"}",
                        &ngx_vstream_reasons[d->reason]);
    }

    p = ngx_vstream_lit(p, "],\"streams\":[");

    for (i = 0; i < snap->streams.nelts; i++) {
        if (i) {
            *p++ = ',';
        }

        p = ngx_vstream_json_stream(p, st[i], snap->hls ? &snap->hls[i] : NULL,
                                    snap);
    }

    p = ngx_vstream_lit(p, "]}\n");

    b->last = p;

    return b;
}


ngx_buf_t *
ngx_vstream_render_stream(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap)
{
    ngx_buf_t              *b;
    ngx_vstream_stream_t  **st;

    st = snap->streams.elts;

    b = ngx_create_temp_buf(pool, NGX_VSTREAM_JSON_STREAM
                                  + NGX_VSTREAM_ESCAPE
                                    * ngx_vstream_names_len(snap));
    if (b == NULL) {
        return NULL;
    }

    b->last = ngx_vstream_json_stream(b->last, st[0],
                                      snap->hls ? &snap->hls[0] : NULL, snap);
    *b->last++ = '\n';

    return b;
}


/* Prometheus text format 0.0.4: each family's samples stand together */

#define ngx_vstream_prom_family(p, name, type, help)                         \
    ngx_cpymem(p, "# HELP " name " " help "\n# TYPE " name " " type "\n",   \
               sizeof("# HELP " name " " help "\n# TYPE " name " " type     \
                      "\n") - 1)


static u_char *
ngx_vstream_prom_labels(u_char *p, ngx_vstream_stream_t *st)
{
    p = ngx_vstream_lit(p, "{app=\"");
    p = ngx_vstream_escape(p, ngx_vstream_stream_app(st), st->app_len,
                           NGX_VSTREAM_ESCAPE_PROM);
    p = ngx_vstream_lit(p, "\",stream=\"");
    p = ngx_vstream_escape(p, ngx_vstream_stream_name(st), st->name_len,
                           NGX_VSTREAM_ESCAPE_PROM);
    *p++ = '"';

    return p;
}


static u_char *
ngx_vstream_prom_app(u_char *p, ngx_vstream_app_t *a)
{
    p = ngx_vstream_lit(p, "{app=\"");
    p = ngx_vstream_escape(p, a->name, a->len, NGX_VSTREAM_ESCAPE_PROM);
    *p++ = '"';

    return p;
}


ngx_buf_t *
ngx_vstream_render_metrics(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap)
{
    u_char                   *p;
    size_t                    size;
    ngx_buf_t                *b;
    u_char                   *lp;
    ngx_str_t                *labels;
    ngx_uint_t                i, n, r;
    ngx_vstream_app_t       **apps;
    ngx_vstream_totals_t     *t;
    ngx_vstream_stream_t    **st, *s;
    ngx_vstream_hls_stats_t  *hls;

    t = &snap->t;
    st = snap->streams.elts;
    apps = snap->apps.elts;

    size = NGX_VSTREAM_PROM_FIXED
           + snap->streams.nelts * NGX_VSTREAM_PROM_STREAM
           + NGX_VSTREAM_PROM_SERIES * NGX_VSTREAM_ESCAPE
             * ngx_vstream_names_len(snap)
           + snap->apps.nelts
             * (NGX_VSTREAM_PROM_APP
                + (NGX_VSTREAM_DENY_MAX + 2) * NGX_VSTREAM_ESCAPE
                  * NGX_VSTREAM_NAME_MAX);

    b = ngx_vstream_answer_buf(pool, size);
    if (b == NULL) {
        return NULL;
    }

    p = b->last;

    p = ngx_vstream_prom_family(p, "vstream_info", "gauge",
                                "vstream module and nginx versions.");
    p = ngx_cpymem(p, "vstream_info{version=\"" NGX_VSTREAM_VERSION
                   "\",nginx_version=\"" NGINX_VERSION "\"} 1\n",
                   sizeof("vstream_info{version=\"" NGX_VSTREAM_VERSION
                          "\",nginx_version=\"" NGINX_VERSION "\"} 1\n") - 1);

    p = ngx_vstream_prom_family(p, "vstream_uptime_seconds", "gauge",
                                "Seconds since the shared zone was created.");
    p = ngx_sprintf(p, "vstream_uptime_seconds %T\n",
                    snap->now - t->started_at);

    p = ngx_vstream_prom_family(p, "vstream_streams", "gauge",
                                "Live streams by application.");

    for (i = 0; i < snap->apps.nelts; i++) {
        n = ngx_vstream_app_streams(snap, apps[i]);

        p = ngx_vstream_lit(p, "vstream_streams");
        p = ngx_vstream_prom_app(p, apps[i]);
        p = ngx_sprintf(p, "} %ui\n", n);
    }

    p = ngx_vstream_prom_family(p, "vstream_publish_accepted_total", "counter",
                                "Publishes accepted.");

    for (i = 0; i < snap->apps.nelts; i++) {
        p = ngx_vstream_lit(p, "vstream_publish_accepted_total");
        p = ngx_vstream_prom_app(p, apps[i]);
        p = ngx_sprintf(p, "} %uL\n", apps[i]->accepted);
    }

    p = ngx_vstream_prom_family(p, "vstream_publish_denied_total", "counter",
                                "Publishes refused, by reason.");

    for (i = 0; i < snap->apps.nelts; i++) {
        for (r = 1; r < NGX_VSTREAM_DENY_MAX; r++) {
            p = ngx_vstream_lit(p, "vstream_publish_denied_total");
            p = ngx_vstream_prom_app(p, apps[i]);
            p = ngx_sprintf(p, ",reason=\"%V\"} %uL\n",
                            &ngx_vstream_reasons[r], apps[i]->denied[r]);
        }
    }

    p = ngx_vstream_prom_family(p, "vstream_received_bytes_total", "counter",
                                "Audio and video bytes received, all streams.");
    p = ngx_sprintf(p, "vstream_received_bytes_total %uL\n", t->bytes_in);

    p = ngx_vstream_prom_family(p, "vstream_webhook_events_total", "counter",
                                "Webhook events by outcome.");
    p = ngx_sprintf(p, "vstream_webhook_events_total{result=\"delivered\"} %uL\n"
                    "vstream_webhook_events_total{result=\"failed\"} %uL\n"
                    "vstream_webhook_events_total{result=\"dropped\"} %uL\n",
                    t->webhook_delivered, t->webhook_failed,
                    t->webhook_dropped);

    p = ngx_vstream_prom_family(p, "vstream_reaped_streams_total", "counter",
                                "Streams removed after their worker died.");
    p = ngx_sprintf(p, "vstream_reaped_streams_total %uL\n", t->reaped);

    p = ngx_vstream_prom_family(p, "vstream_admin_rejected_total", "counter",
                                "Admin API requests refused (4xx).");
    p = ngx_sprintf(p, "vstream_admin_rejected_total %uL\n",
                    t->admin_rejected);

    p = ngx_vstream_prom_family(p, "vstream_hls_unmatched_requests_total",
                                "counter",
                                "HLS requests that matched no live stream.");
    p = ngx_sprintf(p, "vstream_hls_unmatched_requests_total %uL\n",
                    t->hls_unmatched);

    p = ngx_vstream_prom_family(p, "vstream_hls_playlist_errors_total",
                                "counter",
                                "Playlists that could not be read or parsed.");
    p = ngx_sprintf(p, "vstream_hls_playlist_errors_total %uL\n",
                    t->hls_errors);

    p = ngx_vstream_prom_family(p, "vstream_hls_refused_files_total",
                                "counter", "HLS files refused: links, not "
                                "regular files, not plain file names.");
    p = ngx_sprintf(p, "vstream_hls_refused_files_total %uL\n",
                    t->hls_refused);

    /* the label set of each stream, escaped once, used by every family */

    labels = ngx_vstream_scratch_alloc(pool, (snap->streams.nelts + 1)
                                             * sizeof(ngx_str_t));
    lp = ngx_vstream_scratch_alloc(pool,
                                   NGX_VSTREAM_PROM_LABELS * snap->streams.nelts
                                   + NGX_VSTREAM_ESCAPE
                                     * ngx_vstream_names_len(snap)
                                   + 1);
    if (labels == NULL || lp == NULL) {
        return NULL;
    }

    for (i = 0; i < snap->streams.nelts; i++) {
        labels[i].data = lp;
        lp = ngx_vstream_prom_labels(lp, st[i]);
        labels[i].len = lp - labels[i].data;
    }

#define ngx_vstream_prom_sample(fam, i, val)                                 \
    p = ngx_vstream_lit(p, fam);                                             \
    p = ngx_cpymem(p, labels[i].data, labels[i].len);                        \
    p = ngx_vstream_lit(p, "} ");                                            \
    p = ngx_vstream_u64(p, val);                                             \
    *p++ = '\n'

#define ngx_vstream_prom_each(fam, type, help, val)                          \
    p = ngx_vstream_prom_family(p, fam, type, help);                         \
    for (i = 0; i < snap->streams.nelts; i++) {                              \
        s = st[i];                                                           \
        hls = snap->hls ? &snap->hls[i] : NULL;                              \
        ngx_vstream_prom_sample(fam, i, val);                                \
    }

#define ngx_vstream_prom_hls(fam, type, help, val)                           \
    p = ngx_vstream_prom_family(p, fam, type, help);                         \
    for (i = 0; i < snap->streams.nelts; i++) {                              \
        hls = snap->hls ? &snap->hls[i] : NULL;                              \
        if (hls && hls->present) {                                           \
            ngx_vstream_prom_sample(fam, i, val);                            \
        }                                                                    \
    }

    ngx_vstream_prom_each("vstream_stream_received_bytes_total", "counter",
                          "Audio and video bytes received.", s->c.bytes_in);
    ngx_vstream_prom_each("vstream_stream_bitrate_bps", "gauge",
                          "Bits per second received over the last 5 s.",
                          s->c.bitrate_bps);
    ngx_vstream_prom_each("vstream_stream_uptime_seconds", "gauge",
                          "Seconds since the publish started.",
                          (snap->now_ms - ngx_min(snap->now_ms,
                                                  s->started_ms)) / 1000);
    ngx_vstream_prom_each("vstream_stream_video_frames_total", "counter",
                          "Video frames received.", s->c.video_frames);
    ngx_vstream_prom_each("vstream_stream_video_keyframes_total", "counter",
                          "Video keyframes received.", s->c.video_keyframes);
    ngx_vstream_prom_each("vstream_stream_audio_frames_total", "counter",
                          "Audio frames received.", s->c.audio_frames);
    ngx_vstream_prom_each("vstream_stream_players", "gauge",
                          "RTMP players of the stream.", s->c.players);

    ngx_vstream_prom_hls("vstream_hls_segments", "gauge",
                         "Segments in the playlist.", hls->segments);

    p = ngx_vstream_prom_family(p, "vstream_hls_playlist_age_seconds",
                                "gauge",
                                "Seconds since the playlist was written.");

    for (i = 0; i < snap->streams.nelts; i++) {
        hls = snap->hls ? &snap->hls[i] : NULL;

        if (hls && hls->present) {
            p = ngx_vstream_lit(p, "vstream_hls_playlist_age_seconds");
            p = ngx_cpymem(p, labels[i].data, labels[i].len);
            p = ngx_sprintf(p, "} %uL.%03uL\n",
                            hls->age_ms / 1000, hls->age_ms % 1000);
        }
    }

    ngx_vstream_prom_hls("vstream_hls_healthy", "gauge",
                         "1 if the playlist is fresher than twice the "
                         "target duration.", hls->healthy ? 1 : 0);
    ngx_vstream_prom_hls("vstream_hls_bitrate_bps", "gauge",
                         "Bits per second of the listed segments.",
                         hls->bitrate_bps);

    ngx_vstream_prom_each("vstream_hls_viewers", "gauge",
                          "Distinct addresses that fetched the playlist "
                          "lately.", ngx_vstream_viewers(s, hls, snap->now));

    p = ngx_vstream_prom_family(p, "vstream_hls_requests_total", "counter",
                                "HLS requests served, by kind.");

    for (i = 0; i < snap->streams.nelts; i++) {
        p = ngx_vstream_lit(p, "vstream_hls_requests_total");
        p = ngx_cpymem(p, labels[i].data, labels[i].len);
        p = ngx_vstream_lit(p, ",kind=\"playlist\"} ");
        p = ngx_vstream_u64(p, st[i]->playlist_requests);
        p = ngx_vstream_lit(p, "\nvstream_hls_requests_total");
        p = ngx_cpymem(p, labels[i].data, labels[i].len);
        p = ngx_vstream_lit(p, ",kind=\"segment\"} ");
        p = ngx_vstream_u64(p, st[i]->segment_requests);
        *p++ = '\n';
    }

    ngx_vstream_prom_each("vstream_hls_sent_bytes_total", "counter",
                          "HLS bytes sent.", s->bytes_out);

#undef ngx_vstream_prom_sample
#undef ngx_vstream_prom_each
#undef ngx_vstream_prom_hls

    b->last = p;

    return b;
}
