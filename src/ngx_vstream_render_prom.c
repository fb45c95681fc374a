
/*
 * vstream: a snapshot as Prometheus text format 0.0.4, /vstream/metrics
 * (README.md, "Metrics").  Each family's samples stand together: the
 * server's, then one per application, then one per stream, each stream's
 * label set escaped once and copied into every family.  Written through
 * the checked writer of ngx_vstream_render.h.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <nginx.h>
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"


/*
 * Bytes beside the escaped names, with room to spare: one stream's samples
 * of every family, one application's, the server's and the HELP and TYPE
 * lines; the bytes of one label set beside its escaped names.  Too small a
 * budget fails the request; t/unit/render_test.c checks the worst case.
 */
#define NGX_VSTREAM_PROM_STREAM   2560
#define NGX_VSTREAM_PROM_APP      2048
#define NGX_VSTREAM_PROM_FIXED    8192
#define NGX_VSTREAM_PROM_LABELS   24

/* how many label sets of a stream repeat its names in /metrics */
#define NGX_VSTREAM_PROM_SERIES   18

#define ngx_vstream_prom_family(w, name, type, help)                         \
    ngx_vstream_wr_lit(w, "# HELP " name " " help "\n# TYPE " name " "      \
                       type "\n")

/* the same for a per-stream family, whose name is an array (see below) */
#define ngx_vstream_prom_head(w, name, type, help)                           \
    do {                                                                     \
        ngx_vstream_wr_lit(w, "# HELP ");                                    \
        ngx_vstream_wr_mem(w, name, sizeof(name) - 1);                       \
        ngx_vstream_wr_lit(w, " " help "\n# TYPE ");                         \
        ngx_vstream_wr_mem(w, name, sizeof(name) - 1);                       \
        ngx_vstream_wr_lit(w, " " type "\n");                                \
    } while (0)

/*
 * NAME{app="APP",stream="NAME"} VALUE: the name's length is a constant,
 * so its copy is inlined (the hot loop of a large scrape)
 */
#define ngx_vstream_prom_sample(w, name, labels, value)                      \
    do {                                                                     \
        ngx_vstream_wr_mem(w, name, sizeof(name) - 1);                       \
        ngx_vstream_wr_str(w, labels);                                       \
        ngx_vstream_wr_lit(w, "} ");                                         \
        ngx_vstream_wr_u64(w, value);                                        \
        ngx_vstream_wr_byte(w, '\n');                                        \
    } while (0)

/* a family's one sample, SERIES VALUE */
#define ngx_vstream_prom_one(w, series, value)                               \
    do {                                                                     \
        ngx_vstream_wr_num(w, series " ", value);                            \
        ngx_vstream_wr_byte(w, '\n');                                        \
    } while (0)


typedef struct {
    ngx_vstream_snapshot_t    *snap;
    ngx_str_t                 *labels;    /* {app="..",stream=".." */
} ngx_vstream_prom_ctx_t;


typedef struct ngx_vstream_prom_family_s  ngx_vstream_prom_family_t;

typedef void (*ngx_vstream_prom_family_pt)(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);

/*
 * A per-stream family.  Those whose samples are a plain 64-bit counter of
 * the record say where it is (offset) and share one handler; the others
 * have handlers of their own and need nothing else.
 */
struct ngx_vstream_prom_family_s {
    ngx_vstream_prom_family_pt  handler;
    ngx_str_t                   name;
    ngx_str_t                   type;
    ngx_str_t                   help;
    size_t                      offset;
};


static void ngx_vstream_prom_info(ngx_vstream_wr_t *w,
    ngx_vstream_snapshot_t *snap);
static void ngx_vstream_prom_apps(ngx_vstream_wr_t *w,
    ngx_vstream_snapshot_t *snap);
static void ngx_vstream_prom_app(ngx_vstream_wr_t *w, const u_char *family,
    size_t len, ngx_vstream_app_t *app);
static void ngx_vstream_prom_totals(ngx_vstream_wr_t *w,
    ngx_vstream_totals_t *t);
static void ngx_vstream_prom_s3(ngx_vstream_wr_t *w,
    ngx_vstream_totals_t *t);
static void ngx_vstream_prom_zone(ngx_vstream_wr_t *w,
    ngx_vstream_snapshot_t *snap);
static ngx_int_t ngx_vstream_prom_labels(ngx_vstream_prom_ctx_t *ctx,
    ngx_pool_t *pool);
static void ngx_vstream_prom_field(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_uptime(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_players(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_segments(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_age(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_healthy(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_hls_bitrate(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_viewers(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);
static void ngx_vstream_prom_requests(ngx_vstream_wr_t *w,
    ngx_vstream_prom_ctx_t *ctx, ngx_vstream_prom_family_t *fam);


/* the per-stream families, in their order */
static ngx_vstream_prom_family_t  ngx_vstream_prom_streams[] = {
    { ngx_vstream_prom_field, ngx_string("vstream_stream_received_bytes_total"),
      ngx_string("counter"), ngx_string("Audio and video bytes received."),
      offsetof(ngx_vstream_stream_t, c.bytes_in) },

    { ngx_vstream_prom_field, ngx_string("vstream_stream_bitrate_bps"),
      ngx_string("gauge"), ngx_string("Bits per second received over the last 5 s."),
      offsetof(ngx_vstream_stream_t, c.bitrate_bps) },

    { ngx_vstream_prom_uptime, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_field, ngx_string("vstream_stream_video_frames_total"),
      ngx_string("counter"), ngx_string("Video frames received."),
      offsetof(ngx_vstream_stream_t, c.video_frames) },

    { ngx_vstream_prom_field, ngx_string("vstream_stream_video_keyframes_total"),
      ngx_string("counter"), ngx_string("Video keyframes received."),
      offsetof(ngx_vstream_stream_t, c.video_keyframes) },

    { ngx_vstream_prom_field, ngx_string("vstream_stream_audio_frames_total"),
      ngx_string("counter"), ngx_string("Audio frames received."),
      offsetof(ngx_vstream_stream_t, c.audio_frames) },

    { ngx_vstream_prom_players, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_segments, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_age, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_healthy, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_hls_bitrate, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_viewers, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_requests, ngx_null_string, ngx_null_string,
      ngx_null_string, 0 },

    { ngx_vstream_prom_field, ngx_string("vstream_hls_sent_bytes_total"),
      ngx_string("counter"), ngx_string("HLS bytes sent."),
      offsetof(ngx_vstream_stream_t, bytes_out) },
};


/* the playlist facts of stream i, or NULL without a playlist */

static ngx_inline ngx_vstream_hls_stats_t *
ngx_vstream_prom_hls(ngx_vstream_prom_ctx_t *ctx, ngx_uint_t i)
{
    ngx_vstream_hls_stats_t  *hls;

    if (ctx->snap->hls == NULL) {
        return NULL;
    }

    hls = &ctx->snap->hls[i];

    return hls->present ? hls : NULL;
}


ngx_buf_t *
ngx_vstream_render_metrics(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap)
{
    size_t                  size;
    ngx_buf_t              *b;
    ngx_uint_t              i;
    ngx_vstream_wr_t        w;
    ngx_vstream_prom_ctx_t  ctx;

    size = NGX_VSTREAM_PROM_FIXED
           + snap->streams.nelts * NGX_VSTREAM_PROM_STREAM
           + NGX_VSTREAM_PROM_SERIES * NGX_VSTREAM_ESCAPE
             * ngx_vstream_render_names_len(snap)
           + snap->apps.nelts
             * (NGX_VSTREAM_PROM_APP
                + (NGX_VSTREAM_DENY_MAX + 2) * NGX_VSTREAM_ESCAPE
                  * NGX_VSTREAM_NAME_MAX)
           + snap->t.s3_napps * 4 * (128 + NGX_VSTREAM_ESCAPE
                                         * NGX_VSTREAM_S3_APP_LEN);

    b = ngx_vstream_answer_buf(pool, size);
    if (b == NULL) {
        return NULL;
    }

    ctx.snap = snap;

    if (ngx_vstream_prom_labels(&ctx, pool) != NGX_OK) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);

    ngx_vstream_prom_info(&w, snap);
    ngx_vstream_prom_apps(&w, snap);
    ngx_vstream_prom_totals(&w, &snap->t);
    ngx_vstream_prom_zone(&w, snap);

    for (i = 0; i < sizeof(ngx_vstream_prom_streams)
                    / sizeof(ngx_vstream_prom_family_t); i++)
    {
        ngx_vstream_prom_streams[i].handler(&w, &ctx,
                                            &ngx_vstream_prom_streams[i]);
    }

    return ngx_vstream_wr_done(&w, b, pool->log, "metrics");
}


static void
ngx_vstream_prom_info(ngx_vstream_wr_t *w, ngx_vstream_snapshot_t *snap)
{
    ngx_vstream_prom_family(w, "vstream_info", "gauge",
                            "vstream module and nginx versions.");
    ngx_vstream_wr_lit(w, "vstream_info{version=\"" NGX_VSTREAM_VERSION
                       "\",nginx_version=\"" NGINX_VERSION "\"} 1\n");

    ngx_vstream_prom_family(w, "vstream_uptime_seconds", "gauge",
                            "Seconds since the shared zone was created.");
    ngx_vstream_wr_lit(w, "vstream_uptime_seconds ");
    ngx_vstream_wr_i64(w, snap->now - snap->t.started_at);
    ngx_vstream_wr_byte(w, '\n');
}


static void
ngx_vstream_prom_apps(ngx_vstream_wr_t *w, ngx_vstream_snapshot_t *snap)
{
    ngx_uint_t           i, r;
    ngx_vstream_app_t  **apps;

    static u_char  streams[] = "vstream_streams";
    static u_char  accepted[] = "vstream_publish_accepted_total";
    static u_char  denied[] = "vstream_publish_denied_total";

    apps = snap->apps.elts;

    ngx_vstream_prom_family(w, "vstream_streams", "gauge",
                            "Live streams by application.");

    for (i = 0; i < snap->apps.nelts; i++) {
        ngx_vstream_prom_app(w, streams, sizeof(streams) - 1, apps[i]);
        ngx_vstream_wr_num(w, "} ",
                           ngx_vstream_render_app_streams(snap, apps[i]));
        ngx_vstream_wr_byte(w, '\n');
    }

    ngx_vstream_prom_family(w, "vstream_publish_accepted_total", "counter",
                            "Publishes accepted.");

    for (i = 0; i < snap->apps.nelts; i++) {
        ngx_vstream_prom_app(w, accepted, sizeof(accepted) - 1, apps[i]);
        ngx_vstream_wr_num(w, "} ", apps[i]->accepted);
        ngx_vstream_wr_byte(w, '\n');
    }

    ngx_vstream_prom_family(w, "vstream_publish_denied_total", "counter",
                            "Publishes refused, by reason.");

    for (i = 0; i < snap->apps.nelts; i++) {
        for (r = 1; r < NGX_VSTREAM_DENY_MAX; r++) {
            ngx_vstream_prom_app(w, denied, sizeof(denied) - 1, apps[i]);
            ngx_vstream_wr_lit(w, ",reason=\"");
            ngx_vstream_wr_str(w, &ngx_vstream_reasons[r]);
            ngx_vstream_wr_num(w, "\"} ", apps[i]->denied[r]);
            ngx_vstream_wr_byte(w, '\n');
        }
    }
}


/* FAMILY{app="APP" */

static void
ngx_vstream_prom_app(ngx_vstream_wr_t *w, const u_char *family, size_t len,
    ngx_vstream_app_t *app)
{
    ngx_vstream_wr_mem(w, family, len);
    ngx_vstream_wr_lit(w, "{app=\"");
    ngx_vstream_wr_prom_str(w, app->name, app->len);
    ngx_vstream_wr_byte(w, '"');
}


static void
ngx_vstream_prom_totals(ngx_vstream_wr_t *w, ngx_vstream_totals_t *t)
{
    ngx_vstream_prom_family(w, "vstream_received_bytes_total", "counter",
                            "Audio and video bytes received, all streams.");
    ngx_vstream_prom_one(w, "vstream_received_bytes_total", t->bytes_in);

    ngx_vstream_prom_family(w, "vstream_webhook_events_total", "counter",
                            "Webhook events by outcome.");
    ngx_vstream_prom_one(w, "vstream_webhook_events_total"
                         "{result=\"delivered\"}", t->webhook_delivered);
    ngx_vstream_prom_one(w, "vstream_webhook_events_total"
                         "{result=\"failed\"}", t->webhook_failed);
    ngx_vstream_prom_one(w, "vstream_webhook_events_total"
                         "{result=\"dropped\"}", t->webhook_dropped);

    ngx_vstream_prom_family(w, "vstream_reaped_streams_total", "counter",
                            "Streams removed after their worker died.");
    ngx_vstream_prom_one(w, "vstream_reaped_streams_total", t->reaped);

    ngx_vstream_prom_family(w, "vstream_admin_rejected_total", "counter",
                            "Admin API requests refused: no or a wrong "
                            "token (401), not allowed (403), a method "
                            "(405).");
    ngx_vstream_prom_one(w, "vstream_admin_rejected_total",
                         t->admin_rejected);

    ngx_vstream_prom_family(w, "vstream_admin_not_found_total", "counter",
                            "Admin API requests for no such path or "
                            "stream (404).");
    ngx_vstream_prom_one(w, "vstream_admin_not_found_total",
                         t->admin_not_found);

    ngx_vstream_prom_family(w, "vstream_admin_bad_requests_total", "counter",
                            "Admin API requests answered with another "
                            "4xx.");
    ngx_vstream_prom_one(w, "vstream_admin_bad_requests_total",
                         t->admin_bad_requests);
    ngx_vstream_prom_family(w, "vstream_bans", "gauge",
                            "Stream names banned now.");
    ngx_vstream_prom_one(w, "vstream_bans", t->bans);

    ngx_vstream_prom_family(w, "vstream_bans_refused_total", "counter",
                            "Bans refused: the ban table was full.");
    ngx_vstream_prom_one(w, "vstream_bans_refused_total", t->bans_refused);

    ngx_vstream_prom_family(w, "vstream_hls_unmatched_requests_total",
                            "counter",
                            "HLS requests that matched no live stream.");
    ngx_vstream_prom_one(w, "vstream_hls_unmatched_requests_total",
                         t->hls_unmatched);

    ngx_vstream_prom_family(w, "vstream_hls_playlist_errors_total",
                            "counter",
                            "Playlists that could not be read or parsed.");
    ngx_vstream_prom_one(w, "vstream_hls_playlist_errors_total",
                         t->hls_errors);

    ngx_vstream_prom_family(w, "vstream_hls_refused_files_total",
                            "counter", "HLS files refused: links, not "
                            "regular files, not plain file names.");
    ngx_vstream_prom_one(w, "vstream_hls_refused_files_total",
                         t->hls_refused);

    ngx_vstream_prom_s3(w, t);
}


/* the S3 uploader's, by application: only where it is configured */

static void
ngx_vstream_prom_s3(ngx_vstream_wr_t *w, ngx_vstream_totals_t *t)
{
    ngx_uint_t               i, r;
    ngx_vstream_s3_stats_t  *st;

    static const char  *results[] = { "uploaded", "failed", "gone" };

    if (t->s3_napps == 0) {
        return;
    }

    ngx_vstream_prom_family(w, "vstream_s3_uploads_total", "counter",
                            "S3 uploads of recordings' files by result "
                            "(failed counts tries).");

    for (i = 0; i < t->s3_napps; i++) {
        st = &t->s3[i];

        for (r = 0; r < 3; r++) {
            ngx_vstream_wr_lit(w, "vstream_s3_uploads_total{app=\"");
            ngx_vstream_wr_prom_str(w, st->app, st->app_len);
            ngx_vstream_wr_lit(w, "\",result=\"");
            ngx_vstream_wr_mem(w, (u_char *) results[r],
                               ngx_strlen(results[r]));
            ngx_vstream_wr_num(w, "\"} ", r == 0 ? st->uploaded
                                          : (r == 1 ? st->failed : st->gone));
            ngx_vstream_wr_byte(w, '\n');
        }
    }

    ngx_vstream_prom_family(w, "vstream_s3_upload_bytes_total", "counter",
                            "Bytes of recordings' files uploaded to S3.");

    for (i = 0; i < t->s3_napps; i++) {
        st = &t->s3[i];

        ngx_vstream_wr_lit(w, "vstream_s3_upload_bytes_total{app=\"");
        ngx_vstream_wr_prom_str(w, st->app, st->app_len);
        ngx_vstream_wr_num(w, "\"} ", st->bytes);
        ngx_vstream_wr_byte(w, '\n');
    }
}


/* the shared zone: its size, and what is used of it, in whole pages */

static void
ngx_vstream_prom_zone(ngx_vstream_wr_t *w, ngx_vstream_snapshot_t *snap)
{
    ngx_vstream_prom_family(w, "vstream_zone_size_bytes", "gauge",
                            "Bytes of the shared zone (vstream_zone).");
    ngx_vstream_prom_one(w, "vstream_zone_size_bytes", snap->zone_size);

    ngx_vstream_prom_family(w, "vstream_zone_used_bytes", "gauge",
                            "Bytes of the shared zone in pages not free.");
    ngx_vstream_prom_one(w, "vstream_zone_used_bytes", snap->zone_used);
}


/* the label set of each stream, escaped once, used by every family */

static ngx_int_t
ngx_vstream_prom_labels(ngx_vstream_prom_ctx_t *ctx, ngx_pool_t *pool)
{
    u_char                  *p;
    size_t                   size;
    ngx_uint_t               i;
    ngx_vstream_wr_t         w;
    ngx_vstream_stream_t   **st, *s;
    ngx_vstream_snapshot_t  *snap;

    snap = ctx->snap;
    st = snap->streams.elts;

    size = NGX_VSTREAM_PROM_LABELS * snap->streams.nelts
           + NGX_VSTREAM_ESCAPE * ngx_vstream_render_names_len(snap) + 1;

    ctx->labels = ngx_vstream_scratch_alloc(pool, (snap->streams.nelts + 1)
                                                  * sizeof(ngx_str_t));
    p = ngx_vstream_scratch_alloc(pool, size);

    if (ctx->labels == NULL || p == NULL) {
        return NGX_ERROR;
    }

    w.pos = p;
    w.end = p + size;
    w.overflow = 0;

    for (i = 0; i < snap->streams.nelts; i++) {
        s = st[i];

        ctx->labels[i].data = w.pos;

        ngx_vstream_wr_lit(&w, "{app=\"");
        ngx_vstream_wr_prom_str(&w, ngx_vstream_stream_app(s), s->app_len);
        ngx_vstream_wr_lit(&w, "\",stream=\"");
        ngx_vstream_wr_prom_str(&w, ngx_vstream_stream_name(s), s->name_len);
        ngx_vstream_wr_byte(&w, '"');

        ctx->labels[i].len = w.pos - ctx->labels[i].data;
    }

    if (w.overflow) {
        ngx_log_error(NGX_LOG_ALERT, pool->log, 0,
                      "vstream: the metrics label sets do not fit the %uz "
                      "bytes computed for them", size);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* NAME{app="APP",stream="NAME"} VALUE of a 64-bit field of the record */

static void
ngx_vstream_prom_field(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    uint64_t                  value;
    ngx_uint_t                i;
    ngx_vstream_stream_t    **st;

    st = ctx->snap->streams.elts;

    ngx_vstream_wr_lit(w, "# HELP ");
    ngx_vstream_wr_str(w, &fam->name);
    ngx_vstream_wr_byte(w, ' ');
    ngx_vstream_wr_str(w, &fam->help);
    ngx_vstream_wr_lit(w, "\n# TYPE ");
    ngx_vstream_wr_str(w, &fam->name);
    ngx_vstream_wr_byte(w, ' ');
    ngx_vstream_wr_str(w, &fam->type);
    ngx_vstream_wr_byte(w, '\n');

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        value = *(uint64_t *) ((u_char *) st[i] + fam->offset);

        ngx_vstream_wr_str(w, &fam->name);
        ngx_vstream_wr_str(w, &ctx->labels[i]);
        ngx_vstream_wr_lit(w, "} ");
        ngx_vstream_wr_u64(w, value);
        ngx_vstream_wr_byte(w, '\n');
    }
}


static void
ngx_vstream_prom_uptime(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    uint64_t                  now_ms;
    ngx_uint_t                i;
    ngx_vstream_stream_t    **st;

    static u_char  name[] = "vstream_stream_uptime_seconds";

    st = ctx->snap->streams.elts;
    now_ms = ctx->snap->now_ms;

    ngx_vstream_prom_head(w, name, "gauge",
                          "Seconds since the publish started.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        ngx_vstream_prom_sample(w, name, &ctx->labels[i],
                                (now_ms - ngx_min(now_ms, st[i]->started_ms))
                                / 1000);
    }
}


static void
ngx_vstream_prom_players(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_stream_t    **st;

    static u_char  name[] = "vstream_stream_players";

    st = ctx->snap->streams.elts;

    ngx_vstream_prom_head(w, name, "gauge",
                          "RTMP players of the stream.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        ngx_vstream_prom_sample(w, name, &ctx->labels[i], st[i]->c.players);
    }
}


static void
ngx_vstream_prom_segments(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_hls_stats_t  *hls;

    static u_char  name[] = "vstream_hls_segments";

    ngx_vstream_prom_head(w, name, "gauge",
                          "Segments in the playlist.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        hls = ngx_vstream_prom_hls(ctx, i);

        if (hls == NULL) {
            continue;
        }

        ngx_vstream_prom_sample(w, name, &ctx->labels[i], hls->segments);
    }
}


static void
ngx_vstream_prom_age(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_hls_stats_t  *hls;

    static u_char  name[] = "vstream_hls_playlist_age_seconds";

    ngx_vstream_prom_head(w, name, "gauge",
                          "Seconds since the playlist was written.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        hls = ngx_vstream_prom_hls(ctx, i);

        if (hls == NULL) {
            continue;
        }

        ngx_vstream_wr_mem(w, name, sizeof(name) - 1);
        ngx_vstream_wr_str(w, &ctx->labels[i]);
        ngx_vstream_wr_lit(w, "} ");
        ngx_vstream_wr_ms(w, hls->age_ms, 3);
        ngx_vstream_wr_byte(w, '\n');
    }
}


static void
ngx_vstream_prom_healthy(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_hls_stats_t  *hls;

    static u_char  name[] = "vstream_hls_healthy";

    ngx_vstream_prom_head(w, name, "gauge",
                          "1 if the playlist is fresher than "
                          ngx_value(NGX_VSTREAM_HLS_STALE_TARGETS)
                          " x the target duration.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        hls = ngx_vstream_prom_hls(ctx, i);

        if (hls == NULL) {
            continue;
        }

        ngx_vstream_prom_sample(w, name, &ctx->labels[i], hls->healthy ? 1 : 0);
    }
}


static void
ngx_vstream_prom_hls_bitrate(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_hls_stats_t  *hls;

    static u_char  name[] = "vstream_hls_bitrate_bps";

    ngx_vstream_prom_head(w, name, "gauge",
                          "Bits per second of the listed segments.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        hls = ngx_vstream_prom_hls(ctx, i);

        if (hls == NULL) {
            continue;
        }

        ngx_vstream_prom_sample(w, name, &ctx->labels[i], hls->bitrate_bps);
    }
}


static void
ngx_vstream_prom_viewers(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t              i;
    ngx_vstream_stream_t  **st;

    static u_char  name[] = "vstream_hls_viewers";

    st = ctx->snap->streams.elts;

    ngx_vstream_prom_head(w, name, "gauge",
                          "Distinct addresses that fetched the playlist "
                          "lately.");

    for (i = 0; i < ctx->snap->streams.nelts; i++) {
        ngx_vstream_prom_sample(w, name, &ctx->labels[i],
                                ngx_vstream_viewers_active(st[i],
                                                           ctx->snap->now));
    }
}


static void
ngx_vstream_prom_requests(ngx_vstream_wr_t *w, ngx_vstream_prom_ctx_t *ctx,
    ngx_vstream_prom_family_t *fam)
{
    ngx_uint_t                i;
    ngx_vstream_stream_t    **st;
    ngx_vstream_snapshot_t   *snap;

    snap = ctx->snap;
    st = snap->streams.elts;

    ngx_vstream_prom_family(w, "vstream_hls_requests_total", "counter",
                            "HLS requests served, by kind.");

    for (i = 0; i < snap->streams.nelts; i++) {
        ngx_vstream_wr_lit(w, "vstream_hls_requests_total");
        ngx_vstream_wr_str(w, &ctx->labels[i]);
        ngx_vstream_wr_num(w, ",kind=\"playlist\"} ",
                           st[i]->playlist_requests);
        ngx_vstream_wr_lit(w, "\nvstream_hls_requests_total");
        ngx_vstream_wr_str(w, &ctx->labels[i]);
        ngx_vstream_wr_num(w, ",kind=\"segment\"} ",
                           st[i]->segment_requests);
        ngx_vstream_wr_byte(w, '\n');
    }
}
