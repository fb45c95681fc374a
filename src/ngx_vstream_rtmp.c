
/*
 * vstream: the RTMP part.  Decides who may publish (address list, then
 * signed key), keeps a record per live stream in the shared zone, counts
 * what publishers send in the worker and flushes it to the zone on a timer,
 * and disconnects publishers whose drop was asked for by any worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_rtmp.h"
#include "ngx_rtmp_cmd_module.h"
#include "ngx_rtmp_codec_module.h"
#include "ngx_rtmp_live_module.h"
#include "ngx_vstream.h"
#include "ngx_vstream_access.h"
#include "ngx_vstream_webhook.h"
#include "ngx_vstream_record.h"
#include "ngx_vstream_s3.h"


#define NGX_VSTREAM_REAP_TICKS  2
#define NGX_VSTREAM_LOG_NAME    64


typedef struct {
    ngx_flag_t                  enable;
    ngx_vstream_access_t        access;
    unsigned                    hls_path:1;   /* set: the path is known */
    ngx_vstream_webhook_conf_t  webhook;
    ngx_vstream_record_conf_t   record;
} ngx_rtmp_vstream_app_conf_t;


typedef struct {
    ngx_msec_t                  ms;
    uint64_t                    bytes;
} ngx_vstream_sample_t;


typedef struct {
    ngx_rtmp_session_t         *session;
    ngx_queue_t                 queue;
    ngx_vstream_shm_t          *shm;
    ngx_vstream_stream_t       *st;
    ngx_vstream_webhook_conf_t *webhook;
    ngx_str_t                   app;
    ngx_str_t                   name;
    ngx_vstream_counters_t      c;
    uint64_t                    flushed;
    ngx_vstream_sample_t        samples[NGX_VSTREAM_BITRATE_SAMPLES];
    ngx_uint_t                  sample;
    ngx_vstream_rec_t          *rec;
    unsigned                    dropping:1;
} ngx_rtmp_vstream_ctx_t;


static ngx_int_t ngx_rtmp_vstream_publish(ngx_rtmp_session_t *s,
    ngx_rtmp_publish_t *v);
static ngx_uint_t ngx_rtmp_vstream_check(ngx_rtmp_session_t *s,
    ngx_rtmp_vstream_app_conf_t *vacf, ngx_str_t *name, ngx_str_t *args);
static ngx_int_t ngx_rtmp_vstream_started(ngx_rtmp_session_t *s);
static void ngx_rtmp_vstream_refused(ngx_rtmp_session_t *s,
    ngx_rtmp_vstream_app_conf_t *vacf, ngx_uint_t reason, ngx_str_t *name);
static ngx_int_t ngx_rtmp_vstream_close_stream(ngx_rtmp_session_t *s,
    ngx_rtmp_close_stream_t *v);
static ngx_int_t ngx_rtmp_vstream_av(ngx_rtmp_session_t *s,
    ngx_rtmp_header_t *h, ngx_chain_t *in);
static void ngx_rtmp_vstream_release(ngx_rtmp_vstream_ctx_t *ctx);
static void ngx_rtmp_vstream_measure(ngx_rtmp_vstream_ctx_t *ctx,
    ngx_msec_t now);
static void ngx_rtmp_vstream_tick(ngx_event_t *ev);
static u_char *ngx_rtmp_vstream_log_name(u_char *buf, ngx_str_t *name);
static ngx_int_t ngx_rtmp_vstream_init_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_rtmp_vstream_postconfiguration(ngx_conf_t *cf);
static void *ngx_rtmp_vstream_create_app_conf(ngx_conf_t *cf);
static char *ngx_rtmp_vstream_merge_app_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_rtmp_vstream_hls_path(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_rtmp_vstream_s3_init(ngx_cycle_t *cycle);


static ngx_rtmp_publish_pt       next_publish;
static ngx_rtmp_close_stream_pt  next_close_stream;

/* this worker's publishers and its flush timer */
static ngx_queue_t               ngx_rtmp_vstream_publishers;
static ngx_event_t               ngx_rtmp_vstream_timer;
static ngx_uint_t                ngx_rtmp_vstream_ticks;


static ngx_command_t  ngx_rtmp_vstream_commands[] = {

    { ngx_string("vstream"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, enable),
      NULL },

    { ngx_string("vstream_ingest_allow"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_1MORE,
      ngx_vstream_access_allow,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, access),
      NULL },

    { ngx_string("vstream_ingest_secret_file"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_vstream_access_keys,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, access),
      NULL },

    { ngx_string("vstream_ingest_max_ttl"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, access.max_ttl),
      NULL },

    { ngx_string("vstream_hls_path"),
      NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_rtmp_vstream_hls_path,
      NGX_RTMP_APP_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vstream_webhook"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_vstream_webhook_url,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, webhook),
      NULL },

    { ngx_string("vstream_webhook_secret_file"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_vstream_conf_set_secret_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, webhook.secret),
      NULL },

    { ngx_string("vstream_webhook_ca_file"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, webhook.ca_file),
      NULL },

    { ngx_string("vstream_webhook_thread_pool"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, webhook.pool_name),
      NULL },

    { ngx_string("vstream_record_path"),
      NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_vstream_record_path_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, record),
      NULL },

    { ngx_string("vstream_record_max_age"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, record.max_age),
      NULL },

    { ngx_string("vstream_record_max_size"),
      NGX_RTMP_SRV_CONF|NGX_RTMP_APP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, record.max_size),
      NULL },

    { ngx_string("vstream_record_s3"),
      NGX_RTMP_APP_CONF|NGX_CONF_2MORE,
      ngx_vstream_s3_directive,
      NGX_RTMP_APP_CONF_OFFSET,
      offsetof(ngx_rtmp_vstream_app_conf_t, record.s3),
      NULL },

      ngx_null_command
};


static ngx_rtmp_module_t  ngx_rtmp_vstream_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_rtmp_vstream_postconfiguration,    /* postconfiguration */
    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */
    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */
    ngx_rtmp_vstream_create_app_conf,      /* create app configuration */
    ngx_rtmp_vstream_merge_app_conf        /* merge app configuration */
};


ngx_module_t  ngx_rtmp_vstream_module = {
    NGX_MODULE_V1,
    &ngx_rtmp_vstream_module_ctx,          /* module context */
    ngx_rtmp_vstream_commands,             /* module directives */
    NGX_RTMP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_rtmp_vstream_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * Every publish command is checked, the second one on a connection too:
 * nginx-rtmp would let it rename the connection's HLS output (even onto a
 * live stream's files) with no key.  A connection publishes one stream at
 * a time, so a publish while its first stream is live is refused.  The
 * application's "vstream off" turns off the record, never the checks.
 */

static ngx_int_t
ngx_rtmp_vstream_publish(ngx_rtmp_session_t *s, ngx_rtmp_publish_t *v)
{
    ngx_int_t                    rc;
    ngx_str_t                    name, args, *addr;
    ngx_uint_t                   reason;
    ngx_vstream_shm_t           *shm;
    ngx_vstream_stream_t        *st;
    ngx_rtmp_vstream_ctx_t      *ctx;
    ngx_rtmp_vstream_app_conf_t *vacf;

    vacf = ngx_rtmp_get_module_app_conf(s, ngx_rtmp_vstream_module);

    if (vacf == NULL || s->auto_pushed || s->relay) {
        return next_publish(s, v);
    }

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    name.data = v->name;
    name.len = ngx_strlen(v->name);
    args.data = v->args;
    args.len = ngx_strlen(v->args);
    addr = &s->connection->addr_text;

    ctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_vstream_module);

    if (ctx && ctx->st) {
        reason = NGX_VSTREAM_DENY_SECOND_PUBLISH;
        goto denied;
    }

    reason = ngx_rtmp_vstream_check(s, vacf, &name, &args);

    if (reason != NGX_OK) {
        goto denied;
    }

    if (!vacf->enable) {
        return next_publish(s, v);
    }

    st = ngx_vstream_shm_add(shm, &s->app, &name, addr,
                             s->connection->number, &reason);
    if (st == NULL) {
        if (reason == NGX_VSTREAM_DENY_ZONE_FULL) {
            ngx_log_error(NGX_LOG_ERR, s->connection->log, 0,
                          "vstream: the shared zone is full (%uz streams); "
                          "raise \"vstream_zone\"", shm->sh->nstreams);
        }

        goto refused;
    }

    if (ctx == NULL) {
        ctx = ngx_pcalloc(s->connection->pool, sizeof(ngx_rtmp_vstream_ctx_t));
        if (ctx == NULL) {
            ngx_vstream_shm_remove(shm, st, NULL);
            return NGX_ERROR;
        }

        ngx_rtmp_set_ctx(s, ctx, ngx_rtmp_vstream_module);
    }

    ngx_memzero(ctx, sizeof(ngx_rtmp_vstream_ctx_t));

    ctx->session = s;
    ctx->shm = shm;
    ctx->webhook = &vacf->webhook;
    ctx->name.data = ngx_pstrdup(s->connection->pool, &name);
    ctx->name.len = name.len;
    ctx->app.data = ngx_pstrdup(s->connection->pool, &s->app);
    ctx->app.len = s->app.len;

    if (ctx->name.data == NULL || ctx->app.data == NULL) {
        ngx_vstream_shm_remove(shm, st, NULL);
        return NGX_ERROR;
    }

    /*
     * What follows in the chain (nginx-rtmp's own "deny publish", notify,
     * live) may still refuse it: only a publish that started is counted
     * and announced.
     */

    rc = next_publish(s, v);

    if (rc != NGX_OK || !ngx_rtmp_vstream_started(s)) {
        ngx_vstream_shm_remove(shm, st, NULL);
        reason = NGX_VSTREAM_DENY_RTMP;
        ngx_vstream_shm_deny(shm, reason, addr, &s->app, &name);
        ngx_rtmp_vstream_refused(s, vacf, reason, &name);
        return rc;
    }

    ctx->st = st;
    ngx_queue_insert_tail(&ngx_rtmp_vstream_publishers, &ctx->queue);

    ngx_vstream_shm_started(shm, &s->app);

    ctx->rec = ngx_vstream_record_start(&vacf->record, &ctx->name,
                                        (time_t) (st->started_ms / 1000),
                                        s->connection->log);

    ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                  "vstream: publish accepted: client %V, app \"%V\", "
                  "stream \"%V\"", addr, &s->app, &name);

    ngx_vstream_webhook_event(ctx->webhook, NGX_VSTREAM_EVENT_PUBLISH,
                              &ctx->app, &ctx->name, addr, NGX_VSTREAM_DENY_MAX,
                              s->connection->log);

    return NGX_OK;

denied:

    ngx_vstream_shm_deny(shm, reason, addr, &s->app, &name);

refused:

    ngx_rtmp_vstream_refused(s, vacf, reason, &name);

    return NGX_ERROR;
}


/* the checks of a publish, in order: NGX_OK or the reason to refuse */

static ngx_uint_t
ngx_rtmp_vstream_check(ngx_rtmp_session_t *s,
    ngx_rtmp_vstream_app_conf_t *vacf, ngx_str_t *name, ngx_str_t *args)
{
    size_t      len;
    ngx_uint_t  reason;

    reason = ngx_vstream_access_addr(&vacf->access, s->connection->sockaddr);

    if (reason != NGX_OK) {
        return reason;
    }

    len = name->len + (args->len ? 1 + args->len : 0);

    if (len >= NGX_VSTREAM_PUBLISH_MAX) {
        /* nginx-rtmp may have cut it: its key or its name is not whole */
        return NGX_VSTREAM_DENY_NAME_TOO_LONG;
    }

    if (!vstream_name_is_safe(name->data, name->len)) {
        return NGX_VSTREAM_DENY_BAD_NAME;
    }

    if (vacf->access.keys) {
        reason = ngx_vstream_access_key(&vacf->access, &s->app, name, args,
                                        ngx_time());
        if (reason != NGX_OK) {
            return reason;
        }
    }

    /* after the key: only its rightful publisher learns of a ban */
    if (ngx_vstream_bans_check(ngx_vstream_shm((ngx_cycle_t *) ngx_cycle),
                               &s->app, name))
    {
        return NGX_VSTREAM_DENY_BANNED;
    }

    return NGX_OK;
}


/* nginx-rtmp's live module declines a publish without saying so */

static ngx_int_t
ngx_rtmp_vstream_started(ngx_rtmp_session_t *s)
{
    ngx_rtmp_live_ctx_t       *lctx;
    ngx_rtmp_live_app_conf_t  *lacf;

    lacf = ngx_rtmp_get_module_app_conf(s, ngx_rtmp_live_module);

    if (lacf == NULL || !lacf->live) {
        return 1;
    }

    lctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_live_module);

    return lctx != NULL && lctx->publishing;
}


static void
ngx_rtmp_vstream_refused(ngx_rtmp_session_t *s,
    ngx_rtmp_vstream_app_conf_t *vacf, ngx_uint_t reason, ngx_str_t *name)
{
    u_char     logname[NGX_VSTREAM_LOG_NAME + 4];
    ngx_str_t  *addr;

    addr = &s->connection->addr_text;

    ngx_log_error(NGX_LOG_WARN, s->connection->log, 0,
                  "vstream: publish refused: client %V, app \"%V\", "
                  "stream \"%s\", reason %V",
                  addr, &s->app, ngx_rtmp_vstream_log_name(logname, name),
                  &ngx_vstream_reasons[reason]);

    ngx_vstream_webhook_event(&vacf->webhook, NGX_VSTREAM_EVENT_DENIED,
                              &s->app, name, addr, reason,
                              s->connection->log);
}


/* a refused name goes to the log bounded and without control characters */

static u_char *
ngx_rtmp_vstream_log_name(u_char *buf, ngx_str_t *name)
{
    u_char  *p;
    size_t   i, n;

    n = ngx_min(name->len, NGX_VSTREAM_LOG_NAME);

    for (i = 0, p = buf; i < n; i++) {
        *p++ = (name->data[i] < 0x20 || name->data[i] == 0x7f
                || name->data[i] == '"')
               ? '?' : name->data[i];
    }

    if (name->len > n) {
        p = ngx_cpymem(p, "...", 3);
    }

    *p = '\0';

    return buf;
}


static ngx_int_t
ngx_rtmp_vstream_close_stream(ngx_rtmp_session_t *s,
    ngx_rtmp_close_stream_t *v)
{
    ngx_int_t                rc;
    ngx_vstream_rec_t       *rec;
    ngx_rtmp_vstream_ctx_t  *ctx;

    ctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_vstream_module);
    rec = NULL;

    if (ctx) {
        rec = ctx->rec;
        ctx->rec = NULL;
    }

    if (ctx && ctx->st) {
        ngx_rtmp_vstream_release(ctx);
    }

    rc = next_close_stream(s, v);

    /* after nginx-rtmp's HLS wrote the last segment into its playlist */

    if (rec) {
        ngx_vstream_record_finish(rec);
    }

    return rc;
}


static void
ngx_rtmp_vstream_release(ngx_rtmp_vstream_ctx_t *ctx)
{
    ngx_rtmp_session_t  *s;

    if (ctx->st == NULL) {
        return;
    }

    s = ctx->session;

    ngx_rtmp_vstream_measure(ctx, ngx_current_msec);
    ngx_vstream_shm_remove(ctx->shm, ctx->st, &ctx->c);

    ctx->st = NULL;
    ngx_queue_remove(&ctx->queue);

    ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                  "vstream: publish done: client %V, app \"%V\", "
                  "stream \"%V\", %uL bytes in",
                  &s->connection->addr_text, &ctx->app, &ctx->name,
                  ctx->c.bytes_in);

    ngx_vstream_webhook_event(ctx->webhook, NGX_VSTREAM_EVENT_PUBLISH_DONE,
                              &ctx->app, &ctx->name,
                              &s->connection->addr_text,
                              NGX_VSTREAM_DENY_MAX, s->connection->log);
}


/* per message: plain counting in the worker, no lock */

static ngx_int_t
ngx_rtmp_vstream_av(ngx_rtmp_session_t *s, ngx_rtmp_header_t *h,
    ngx_chain_t *in)
{
    ngx_rtmp_vstream_ctx_t  *ctx;

    ctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_vstream_module);

    if (ctx == NULL || ctx->st == NULL) {
        return NGX_OK;
    }

    ctx->c.bytes_in += h->mlen;

    if (in == NULL || in->buf->last - in->buf->pos < 2) {
        return NGX_OK;
    }

    /* sequence headers (AVC, AAC) are configuration, not frames */

    if (h->type == NGX_RTMP_MSG_VIDEO) {
        if (ngx_rtmp_is_codec_header(in)
            && (in->buf->pos[0] & 0x0f) == NGX_RTMP_VIDEO_H264)
        {
            return NGX_OK;
        }

        ctx->c.video_frames++;

        if (ngx_rtmp_get_video_frame_type(in) == NGX_RTMP_VIDEO_KEY_FRAME) {
            ctx->c.video_keyframes++;
        }

        return NGX_OK;
    }

    if (!(ngx_rtmp_is_codec_header(in)
          && (in->buf->pos[0] >> 4) == NGX_RTMP_AUDIO_AAC))
    {
        ctx->c.audio_frames++;
    }

    return NGX_OK;
}


/* what the codec and live modules know, and the bitrate over the window */

static void
ngx_rtmp_vstream_measure(ngx_rtmp_vstream_ctx_t *ctx, ngx_msec_t now)
{
    ngx_uint_t              players, oldest;
    ngx_msec_t              elapsed;
    ngx_rtmp_session_t     *s;
    ngx_rtmp_live_ctx_t    *lctx, *pctx;
    ngx_vstream_sample_t   *sm;
    ngx_rtmp_codec_ctx_t   *cctx;

    s = ctx->session;

    cctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_codec_module);

    if (cctx) {
        ctx->c.width = cctx->width;
        ctx->c.height = cctx->height;
        ctx->c.fps = cctx->frame_rate;
        ctx->c.video_codec = cctx->video_codec_id;
        ctx->c.audio_codec = cctx->audio_codec_id;
        ctx->c.sample_rate = cctx->sample_rate;
        ctx->c.channels = (cctx->audio_codec_id == NGX_RTMP_AUDIO_AAC
                           && cctx->aac_chan_conf)
                          ? cctx->aac_chan_conf : cctx->audio_channels;
    }

    players = 0;
    lctx = ngx_rtmp_get_module_ctx(s, ngx_rtmp_live_module);

    if (lctx && lctx->stream) {
        for (pctx = lctx->stream->ctx; pctx; pctx = pctx->next) {
            if (!pctx->publishing) {
                players++;
            }
        }
    }

    ctx->c.players = players;

    sm = &ctx->samples[ctx->sample];
    sm->ms = now;
    sm->bytes = ctx->c.bytes_in;

    ctx->sample = (ctx->sample + 1) % NGX_VSTREAM_BITRATE_SAMPLES;

    oldest = ctx->sample;
    if (ctx->samples[oldest].ms == 0) {
        oldest = 0;
    }

    elapsed = now - ctx->samples[oldest].ms;

    ctx->c.bitrate_bps = (elapsed >= NGX_VSTREAM_TICK)
                         ? (ctx->c.bytes_in - ctx->samples[oldest].bytes)
                           * 8 * 1000 / elapsed
                         : 0;
}


/*
 * Every tick: measure each publisher of this worker, copy the counters to
 * the zone under one lock, then act on drops asked for by any worker.
 */

static void
ngx_rtmp_vstream_tick(ngx_event_t *ev)
{
    ngx_msec_t               now;
    ngx_uint_t               budget;
    ngx_queue_t             *q, *next;
    ngx_vstream_shm_t       *shm;
    ngx_vstream_stream_t    *st;
    ngx_rtmp_vstream_ctx_t  *ctx;

    now = ngx_current_msec;
    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    for (q = ngx_queue_head(&ngx_rtmp_vstream_publishers);
         q != ngx_queue_sentinel(&ngx_rtmp_vstream_publishers);
         q = ngx_queue_next(q))
    {
        ctx = ngx_queue_data(q, ngx_rtmp_vstream_ctx_t, queue);
        ngx_rtmp_vstream_measure(ctx, now);
    }

    /* recordings: a bounded number of files, the first stream rotated */

    budget = NGX_VSTREAM_RECORD_TICK_FILES;

    for (q = ngx_queue_head(&ngx_rtmp_vstream_publishers);
         q != ngx_queue_sentinel(&ngx_rtmp_vstream_publishers) && budget;
         q = ngx_queue_next(q))
    {
        ctx = ngx_queue_data(q, ngx_rtmp_vstream_ctx_t, queue);

        if (ctx->rec) {
            ngx_vstream_record_tick(ctx->rec, &budget);
        }
    }

    if (budget == 0) {
        q = ngx_queue_head(&ngx_rtmp_vstream_publishers);
        ngx_queue_remove(q);
        ngx_queue_insert_tail(&ngx_rtmp_vstream_publishers, q);
    }

    ngx_vstream_record_maintain((ngx_cycle_t *) ngx_cycle, ev->log);

    if (!ngx_queue_empty(&ngx_rtmp_vstream_publishers)) {

        ngx_shmtx_lock(&shm->shpool->mutex);

        for (q = ngx_queue_head(&ngx_rtmp_vstream_publishers);
             q != ngx_queue_sentinel(&ngx_rtmp_vstream_publishers);
             q = ngx_queue_next(q))
        {
            ctx = ngx_queue_data(q, ngx_rtmp_vstream_ctx_t, queue);

            st = ctx->st;
            st->c = ctx->c;
            shm->sh->t.bytes_in += ctx->c.bytes_in - ctx->flushed;
            ctx->flushed = ctx->c.bytes_in;

            if (st->drop) {
                ctx->dropping = 1;
            }
        }

        ngx_shmtx_unlock(&shm->shpool->mutex);
    }

    for (q = ngx_queue_head(&ngx_rtmp_vstream_publishers);
         q != ngx_queue_sentinel(&ngx_rtmp_vstream_publishers);
         q = next)
    {
        next = ngx_queue_next(q);
        ctx = ngx_queue_data(q, ngx_rtmp_vstream_ctx_t, queue);

        if (ctx->dropping && ctx->session->connection->destroyed == 0) {
            ngx_log_error(NGX_LOG_NOTICE, ctx->session->connection->log, 0,
                          "vstream: dropping publisher of \"%V/%V\" "
                          "on request", &ctx->app, &ctx->name);

            ngx_rtmp_vstream_release(ctx);
            ngx_rtmp_finalize_session(ctx->session);
        }
    }

    if (++ngx_rtmp_vstream_ticks % NGX_VSTREAM_REAP_TICKS == 0) {
        ngx_vstream_shm_reap(shm, ev->log);
    }

    ngx_add_timer(ev, NGX_VSTREAM_TICK);
}


static ngx_int_t
ngx_rtmp_vstream_init_process(ngx_cycle_t *cycle)
{
    ngx_queue_init(&ngx_rtmp_vstream_publishers);

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    if (ngx_rtmp_core_main_conf == NULL) {
        return NGX_OK;
    }

    ngx_vstream_shm_set_owner(ngx_vstream_pid_start(ngx_pid));

    ngx_rtmp_vstream_timer.handler = ngx_rtmp_vstream_tick;
    ngx_rtmp_vstream_timer.log = cycle->log;
    ngx_rtmp_vstream_timer.data = cycle;
    ngx_rtmp_vstream_timer.cancelable = 1;

    ngx_add_timer(&ngx_rtmp_vstream_timer, NGX_VSTREAM_TICK);

    if (ngx_vstream_webhook_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_rtmp_vstream_s3_init(cycle);
}


/* the applications with vstream_record_s3, for the uploader */

static ngx_int_t
ngx_rtmp_vstream_s3_init(ngx_cycle_t *cycle)
{
    ngx_uint_t                    i, j;
    ngx_array_t                  *confs;
    ngx_vstream_s3_conf_t       **s3;
    ngx_rtmp_core_srv_conf_t    **cscf;
    ngx_rtmp_core_app_conf_t    **cacf;
    ngx_rtmp_core_main_conf_t    *cmcf;
    ngx_rtmp_vstream_app_conf_t  *vacf;

    cmcf = ngx_rtmp_core_main_conf;

    confs = ngx_array_create(cycle->pool, 4, sizeof(ngx_vstream_s3_conf_t *));
    if (confs == NULL) {
        return NGX_ERROR;
    }

    cscf = cmcf->servers.elts;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        cacf = cscf[i]->applications.elts;

        for (j = 0; j < cscf[i]->applications.nelts; j++) {
            vacf = cacf[j]->app_conf[ngx_rtmp_vstream_module.ctx_index];

            if (vacf->record.s3 == NULL) {
                continue;
            }

            s3 = ngx_array_push(confs);
            if (s3 == NULL) {
                return NGX_ERROR;
            }

            *s3 = vacf->record.s3;
        }
    }

    return ngx_vstream_s3_init_process(cycle, confs);
}


static ngx_int_t
ngx_rtmp_vstream_postconfiguration(ngx_conf_t *cf)
{
    ngx_rtmp_handler_pt        *h;
    ngx_rtmp_core_main_conf_t  *cmcf;

    cmcf = ngx_rtmp_conf_get_module_main_conf(cf, ngx_rtmp_core_module);

    h = ngx_array_push(&cmcf->events[NGX_RTMP_MSG_AUDIO]);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_rtmp_vstream_av;

    h = ngx_array_push(&cmcf->events[NGX_RTMP_MSG_VIDEO]);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_rtmp_vstream_av;

    next_publish = ngx_rtmp_publish;
    ngx_rtmp_publish = ngx_rtmp_vstream_publish;

    next_close_stream = ngx_rtmp_close_stream;
    ngx_rtmp_close_stream = ngx_rtmp_vstream_close_stream;

    return NGX_OK;
}


static void *
ngx_rtmp_vstream_create_app_conf(ngx_conf_t *cf)
{
    ngx_rtmp_vstream_app_conf_t  *vacf;

    vacf = ngx_pcalloc(cf->pool, sizeof(ngx_rtmp_vstream_app_conf_t));
    if (vacf == NULL) {
        return NULL;
    }

    vacf->enable = NGX_CONF_UNSET;
    vacf->access.allow = NGX_CONF_UNSET_PTR;
    vacf->access.keys = NGX_CONF_UNSET_PTR;
    vacf->access.max_ttl = NGX_CONF_UNSET;

    ngx_vstream_webhook_create_conf(&vacf->webhook);
    ngx_vstream_record_create_conf(&vacf->record);

    return vacf;
}


static char *
ngx_rtmp_vstream_merge_app_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_rtmp_vstream_app_conf_t *prev = parent;
    ngx_rtmp_vstream_app_conf_t *conf = child;

    ngx_rtmp_core_app_conf_t  *cacf;

    ngx_conf_merge_value(conf->enable, prev->enable, 1);

    if (ngx_vstream_access_merge(cf, &conf->access, &prev->access)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_vstream_record_merge_conf(cf, &conf->record, &prev->record)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->record.s3) {
        cacf = ngx_rtmp_conf_get_module_app_conf(cf, ngx_rtmp_core_module);

        if (ngx_vstream_s3_merge(cf, conf->record.s3, &cacf->name,
                                 &conf->record.path)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return ngx_vstream_webhook_merge_conf(cf, &conf->webhook, &prev->webhook);
}


/* the HLS reader finds the path by application: it is kept there only */

static char *
ngx_rtmp_vstream_hls_path(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_rtmp_vstream_app_conf_t *vacf = conf;

    ngx_str_t                   path;
    ngx_vstream_hls_path_t     *hp;
    ngx_vstream_main_conf_t    *vmcf;
    ngx_rtmp_core_app_conf_t   *cacf;

    if (vacf->hls_path) {
        return "is duplicate";
    }

    vacf->hls_path = 1;

    cacf = ngx_rtmp_conf_get_module_app_conf(cf, ngx_rtmp_core_module);
    vmcf = ngx_vstream_main_conf(cf->cycle);

    if (ngx_vstream_conf_path(cf, &path) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    hp = ngx_array_push(&vmcf->hls_paths);
    if (hp == NULL) {
        return NGX_CONF_ERROR;
    }

    hp->app = cacf->name;
    hp->path = path;

    return NGX_CONF_OK;
}
