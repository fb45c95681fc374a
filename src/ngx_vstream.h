
/*
 * vstream: shared types of the three parts of ngx_vstream_module.so:
 * the core part (the shared zone), the RTMP part and the HTTP part.
 */


#ifndef _NGX_VSTREAM_H_INCLUDED_
#define _NGX_VSTREAM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "vstream_text.h"
#include "vstream_hll.h"


#define NGX_VSTREAM_VERSION          "0.1.0"
#define NGX_VSTREAM_STATUS_VERSION   1

#define NGX_VSTREAM_DENIED_MAX       32
#define NGX_VSTREAM_DENIED_APP_LEN   32
#define NGX_VSTREAM_DENIED_NAME_LEN  64
#define NGX_VSTREAM_ADDR_LEN         (NGX_INET6_ADDRSTRLEN + 1)
#define NGX_VSTREAM_RFC3339_LEN      (sizeof("1970-01-01T00:00:00Z") - 1)

/* nginx-rtmp bounds names to 256 bytes with the NUL; so do we */
#define NGX_VSTREAM_NAME_MAX         255

/*
 * nginx-rtmp reads a publish's "NAME?ARGS" into 256 bytes and silently cuts
 * a longer string at 255: a string that long may have lost its end
 */
#define NGX_VSTREAM_PUBLISH_MAX      255

/* a playlist older than this many target durations is stale (not healthy) */
#define NGX_VSTREAM_HLS_STALE_TARGETS  2

/* the bitrate window: samples are taken at every flush tick */
#define NGX_VSTREAM_TICK             500
#define NGX_VSTREAM_BITRATE_SAMPLES  11


/*
 * The reasons a publish is refused, in their order: the enum below and
 * their names in status, metrics, logs and webhooks (ngx_vstream_reasons[],
 * NGX_VSTREAM_REASON_NAMES).  One list, so they cannot drift apart.
 */
#define NGX_VSTREAM_REASONS(X)                                               \
    X(NONE, "none")                                                          \
    X(CIDR, "cidr")                                                          \
    X(SIGNATURE, "signature")                                                \
    X(EXPIRED, "expired")                                                    \
    X(ZONE_FULL, "zone_full")                                                \
    X(BAD_NAME, "bad_name")                                                  \
    X(DUPLICATE, "duplicate")                                                \
    X(SECOND_PUBLISH, "second_publish")                                      \
    X(EXP_TOO_FAR, "exp_too_far")                                            \
    X(NAME_TOO_LONG, "name_too_long")                                        \
    X(RTMP, "rtmp")                                                          \
    X(UNKNOWN_KID, "unknown_kid")                                            \
    X(BAD_ARGS, "bad_args")                                                  \
    X(BANNED, "banned")

#define NGX_VSTREAM_REASON_ENUM(id, name)  NGX_VSTREAM_DENY_##id,
#define NGX_VSTREAM_REASON_NAME(id, name)  ngx_string(name),

/* the table's initializer, ending with a null string */
#define NGX_VSTREAM_REASON_NAMES                                             \
    { NGX_VSTREAM_REASONS(NGX_VSTREAM_REASON_NAME) ngx_null_string }

/* NGX_VSTREAM_DENY_NONE is NGX_OK: the access checks return one or the other */
typedef enum {
    NGX_VSTREAM_REASONS(NGX_VSTREAM_REASON_ENUM)
    NGX_VSTREAM_DENY_MAX
} ngx_vstream_reason_e;


/* what the publishing worker measures; flushed to the zone every tick */
/* a worker as the zone knows it: its pid and its start time (shm.c) */
typedef struct {
    ngx_pid_t                  pid;       /* 0: nobody */
    uint64_t                   start;
} ngx_vstream_holder_t;


typedef struct {
    uint64_t                   bytes_in;
    uint64_t                   bitrate_bps;
    uint64_t                   video_frames;
    uint64_t                   video_keyframes;
    uint64_t                   audio_frames;
    uint32_t                   width;
    uint32_t                   height;
    uint32_t                   fps;
    uint32_t                   sample_rate;
    uint32_t                   players;
    uint8_t                    video_codec;
    uint8_t                    audio_codec;
    uint8_t                    channels;
} ngx_vstream_counters_t;


/* one live stream in the shared zone, keyed by (app, name) */
typedef struct {
    ngx_rbtree_node_t          node;      /* key: crc32 of the name */
    ngx_queue_t                queue;

    ngx_pid_t                  pid;       /* the worker holding the publisher */
    uint64_t                   pid_start; /* and its start time: see reap */
    ngx_atomic_uint_t          conn;      /* its connection number there */
    uint64_t                   started_ms;

    ngx_vstream_counters_t     c;

    uint64_t                   playlist_requests;
    uint64_t                   segment_requests;
    uint64_t                   bytes_out;

    /*
     * HLS viewers: two sketches, the current one and the one before, each
     * covering window / 2; estimated when merged (ngx_vstream_shm_hls_flush)
     */
    u_char                    *hll;       /* 4 KiB slab, or NULL: no viewers */
    ngx_queue_t                viewed;    /* in sh->viewed while hll is set */
    vstream_hll_meta_t         hll_meta[2];
    time_t                     viewers_epoch;  /* the current one started */
    time_t                     viewers_last;   /* the last fetch merged */
    uint32_t                   viewers_window; /* s */
    uint32_t                   viewers_active; /* the estimate */
    ngx_uint_t                 hll_cur;

    unsigned                   drop:1;

    u_char                     addr[NGX_VSTREAM_ADDR_LEN];
    uint16_t                   app_len;
    uint16_t                   name_len;
    u_char                     data[1];   /* app, then name */
} ngx_vstream_stream_t;


#define ngx_vstream_stream_app(st)   ((st)->data)
#define ngx_vstream_stream_name(st)  ((st)->data + (st)->app_len)


/* per-application counters; applications are bounded by the configuration */
typedef struct {
    ngx_queue_t                queue;
    uint64_t                   accepted;
    uint64_t                   denied[NGX_VSTREAM_DENY_MAX];
    uint64_t                   record_failures;
    uint64_t                   record_removed;
    uint16_t                   len;
    u_char                     name[1];
} ngx_vstream_app_t;


typedef struct {
    time_t                     at;
    ngx_uint_t                 reason;
    u_char                     addr[NGX_VSTREAM_ADDR_LEN];
    u_char                     app[NGX_VSTREAM_DENIED_APP_LEN];
    u_char                     name[NGX_VSTREAM_DENIED_NAME_LEN];
    uint16_t                   app_len;
    uint16_t                   name_len;
} ngx_vstream_denial_t;


/* the S3 uploader's counters of one application (ngx_vstream_s3.c) */
#define NGX_VSTREAM_S3_APPS          16
#define NGX_VSTREAM_S3_APP_LEN       64

typedef struct {
    uint64_t                   uploaded;
    uint64_t                   failed;    /* tries */
    uint64_t                   gone;      /* vanished before their upload */
    uint64_t                   bytes;
    uint16_t                   app_len;
    u_char                     app[NGX_VSTREAM_S3_APP_LEN];
} ngx_vstream_s3_stats_t;


/* server-wide counters: copied whole into a snapshot */
typedef struct {
    time_t                     started_at;
    uint64_t                   publish_accepted;
    uint64_t                   publish_denied;
    uint64_t                   bytes_in;
    uint64_t                   hls_requests;
    uint64_t                   hls_bytes_out;
    uint64_t                   hls_unmatched;
    uint64_t                   hls_errors;    /* playlists not readable */
    uint64_t                   hls_refused;   /* links, not regular files */
    uint64_t                   webhook_delivered;
    uint64_t                   webhook_failed;
    uint64_t                   webhook_dropped;
    uint64_t                   reaped;
    uint64_t                   admin_rejected;     /* 401, 403, 405 */
    uint64_t                   admin_not_found;    /* 404 */
    uint64_t                   admin_bad_requests; /* other 4xx */
    uint64_t                   denied_unaccounted; /* app counter not allocated */
    uint64_t                   bans;          /* in the table, a gauge */
    uint64_t                   bans_refused;  /* the table was full */

    ngx_uint_t                 denied_next;
    ngx_uint_t                 denied_count;
    ngx_vstream_denial_t       denied[NGX_VSTREAM_DENIED_MAX];

    ngx_uint_t                 s3_napps;
    ngx_vstream_holder_t       s3_owner;  /* the worker uploading now */
    ngx_vstream_s3_stats_t     s3[NGX_VSTREAM_S3_APPS];
} ngx_vstream_totals_t;


typedef struct {
    ngx_rbtree_t               rbtree;
    ngx_rbtree_node_t          sentinel;
    ngx_queue_t                streams;
    ngx_queue_t                apps;
    ngx_queue_t                viewed;     /* streams with viewer sketches */
    ngx_uint_t                 nstreams;
    ngx_uint_t                 napps;
    size_t                     names_len;  /* app + name bytes of all records */
    ngx_vstream_totals_t       t;
    ngx_queue_t                bans;       /* ngx_vstream_ban_t, bans.c */
    size_t                     bans_len;   /* app + name bytes of the bans */
} ngx_vstream_shctx_t;


typedef struct {
    ngx_vstream_shctx_t       *sh;
    ngx_slab_pool_t           *shpool;
} ngx_vstream_shm_t;


/* what the playlist of a live stream says; see ngx_vstream_hls.c */
typedef struct {
    ngx_str_t                  playlist;   /* relative to vstream_hls_path */
    uint32_t                   target_duration;
    uint64_t                   media_sequence;
    uint32_t                   segments;
    uint64_t                   window_ms;
    uint32_t                   last_segment_ms;
    uint64_t                   bitrate_bps;
    uint64_t                   age_ms;
    unsigned                   present:1;
    unsigned                   healthy:1;
} ngx_vstream_hls_stats_t;


/* a copy of the zone, taken under the lock and rendered after it */
typedef struct {
    ngx_vstream_totals_t       t;
    ngx_vstream_hls_stats_t   *hls;        /* one per stream, or NULL */
    ngx_array_t                streams;    /* ngx_vstream_stream_t * */
    ngx_array_t                apps;       /* ngx_vstream_app_t * */
    ngx_uint_t                 nstreams;   /* in the zone at copy time */
    size_t                     zone_size;  /* bytes of the zone */
    size_t                     zone_used;  /* in pages not free */
    time_t                     now;
    uint64_t                   now_ms;
} ngx_vstream_snapshot_t;


typedef struct {
    ngx_str_t                  app;
    ngx_str_t                  path;
} ngx_vstream_hls_path_t;


/*
 * What a worker counted of one stream's HLS requests since its last flush:
 * the playlist fetchers' address hashes, or, past a few, the greatest rank
 * per sketch register (VSTREAM_HLL_M bytes)
 */
typedef struct {
    ngx_str_t                  app;        /* empty: any application */
    ngx_str_t                  name;
    time_t                     window;
    uint64_t                   playlists;
    uint64_t                   segments;
    uint64_t                   bytes;
    ngx_uint_t                 nhashes;
    uint64_t                  *hashes;
    u_char                    *ranks;
} ngx_vstream_hls_hits_t;


/* the core part's configuration */
typedef struct {
    size_t                     zone_size;
    ngx_shm_zone_t            *shm_zone;
    ngx_array_t                hls_paths;  /* ngx_vstream_hls_path_t */
    ngx_array_t                record_confs; /* ngx_vstream_record_conf_t * */
    ngx_uint_t                 workers;
} ngx_vstream_main_conf_t;


/* a signed-key or token secret read at configuration time */
typedef struct {
    ngx_str_t                  path;
    ngx_str_t                  value;
    u_char                     sha256[32];  /* for constant-time compares */
} ngx_vstream_secret_t;


/* core part: ngx_vstream_module.c */
ngx_vstream_shm_t *ngx_vstream_shm(ngx_cycle_t *cycle);
ngx_int_t ngx_vstream_shm_hold(ngx_vstream_shm_t *shm,
    ngx_vstream_holder_t *h, ngx_uint_t take);
ngx_vstream_main_conf_t *ngx_vstream_main_conf(ngx_cycle_t *cycle);
char *ngx_vstream_read_secret(ngx_conf_t *cf, ngx_str_t *path,
    ngx_vstream_secret_t *secret);
char *ngx_vstream_conf_set_secret_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_vstream_conf_path(ngx_conf_t *cf, ngx_str_t *path);
uint64_t ngx_vstream_unix_ms(void);
u_char *ngx_vstream_time_rfc3339(u_char *p, time_t t);

extern ngx_str_t           ngx_vstream_reasons[];
extern ngx_module_t        ngx_vstream_module;

/*
 * Per-worker memory, ngx_vstream_buf.c.  Scratch memory for what a request
 * needs only while its handler runs (the snapshot, per-stream HLS facts,
 * label sets), reused from request to request: a status of 10,000 streams
 * copies megabytes, and fresh memory for them each time costs more in page
 * faults than the copy itself.
 * ngx_vstream_scratch_begin() starts a handler's use (what an earlier one
 * got is gone); an allocation that does not fit comes from the pool, and the
 * next begin grows the scratch to what the last request wanted.  Never
 * shrinks: it is bounded by the zone's size.
 */
void ngx_vstream_scratch_begin(ngx_log_t *log);
void *ngx_vstream_scratch_alloc(ngx_pool_t *pool, size_t size);

/*
 * A buffer for an answer, which lives until the request is done.  Large
 * ones (a status or metrics of many streams) go back to a short per-worker
 * list when the request's pool is destroyed, and the next large answer
 * reuses one, for the same reason as the scratch memory.
 */
ngx_buf_t *ngx_vstream_answer_buf(ngx_pool_t *pool, size_t size);

/* the zone: ngx_vstream_shm.c; each function takes the lock itself */
ngx_int_t ngx_vstream_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data);
ngx_vstream_stream_t *ngx_vstream_shm_add(ngx_vstream_shm_t *shm,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *addr, ngx_atomic_uint_t conn,
    ngx_uint_t *reason);
void ngx_vstream_shm_started(ngx_vstream_shm_t *shm, ngx_str_t *app);
void ngx_vstream_shm_set_owner(uint64_t start);
uint64_t ngx_vstream_pid_start(ngx_pid_t pid);
void ngx_vstream_shm_remove(ngx_vstream_shm_t *shm, ngx_vstream_stream_t *st,
    ngx_vstream_counters_t *last);
void ngx_vstream_shm_deny(ngx_vstream_shm_t *shm, ngx_uint_t reason,
    ngx_str_t *addr, ngx_str_t *app, ngx_str_t *name);
ngx_int_t ngx_vstream_shm_drop(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name);
void ngx_vstream_shm_reap(ngx_vstream_shm_t *shm, ngx_log_t *log);
ngx_int_t ngx_vstream_shm_snapshot(ngx_vstream_shm_t *shm, ngx_pool_t *pool,
    ngx_str_t *app, ngx_str_t *name, ngx_vstream_snapshot_t *snap);
ngx_uint_t ngx_vstream_shm_hls_flush(ngx_vstream_shm_t *shm,
    ngx_vstream_hls_hits_t **hits, ngx_uint_t n);
void ngx_vstream_shm_count(ngx_vstream_shm_t *shm, uint64_t *counter,
    uint64_t n);
void ngx_vstream_shm_app_count(ngx_vstream_shm_t *shm, ngx_str_t *app,
    size_t offset, uint64_t n);
uint64_t ngx_vstream_shm_started_ms(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name);
ngx_uint_t ngx_vstream_viewers_active(ngx_vstream_stream_t *st, time_t now);

/* bans of stream names, in the zone: ngx_vstream_bans.c */
#define NGX_VSTREAM_BANS_MAX         1024
#define NGX_VSTREAM_BAN_SECONDS_MAX  (30 * 86400)

ngx_int_t ngx_vstream_bans_add(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name, time_t until, time_t *prev);
ngx_int_t ngx_vstream_bans_remove(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name);
ngx_int_t ngx_vstream_bans_check(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name);
void ngx_vstream_bans_expire(ngx_vstream_shm_t *shm);
ngx_buf_t *ngx_vstream_bans_render(ngx_vstream_shm_t *shm, ngx_pool_t *pool,
    ngx_log_t *log);
time_t ngx_vstream_bans_seconds(ngx_str_t *value);

/* playlists: ngx_vstream_hls.c */
ngx_int_t ngx_vstream_hls_stats(ngx_cycle_t *cycle, ngx_pool_t *pool,
    ngx_vstream_stream_t *st, ngx_vstream_hls_stats_t *hls);

/* rendering a snapshot: ngx_vstream_render.c */
ngx_buf_t *ngx_vstream_render_status(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap, ngx_uint_t workers);
ngx_buf_t *ngx_vstream_render_stream(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap);
ngx_buf_t *ngx_vstream_render_metrics(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap);

#endif /* _NGX_VSTREAM_H_INCLUDED_ */
