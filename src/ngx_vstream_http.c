
/*
 * vstream: the HTTP part.  The admin API (status, one stream, drop,
 * metrics) behind an optional bearer token, and the log-phase counter of
 * HLS playlist and segment requests: counted in the worker, merged into the
 * zone every tick.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include "ngx_vstream.h"
#include "vstream_text.h"
#include "ngx_vstream_record.h"


/* streams a worker counts between two flushes; more flush at once */
#define NGX_HTTP_VSTREAM_HITS_MAX  4096
#define NGX_HTTP_VSTREAM_BUCKETS   1024

/* playlist fetchers kept as hashes; past as many, as ranks (4 KiB) */
#define NGX_HTTP_VSTREAM_HASHES    64

#define NGX_HTTP_VSTREAM_WINDOW    10


typedef struct ngx_http_vstream_hit_s  ngx_http_vstream_hit_t;

struct ngx_http_vstream_hit_s {
    ngx_vstream_hls_hits_t     h;
    ngx_http_vstream_hit_t    *next;
    uint32_t                   key;
    uint64_t                   hashes[NGX_HTTP_VSTREAM_HASHES];
};


typedef struct {
    ngx_flag_t                 hls_viewers;
    ngx_str_t                  hls_app;     /* empty: any application */
    time_t                     hls_window;
    ngx_vstream_secret_t      *token;
    ngx_str_t                  prefix;

    /* where vstream_admin is, for the warning of an open admin API */
    void                      *access;    /* ngx_http_access_module's conf */
    ngx_str_t                  file;      /* NULL data: no vstream_admin */
    ngx_uint_t                 line;
    ngx_uint_t                 warned;
} ngx_http_vstream_loc_conf_t;


/*
 * ngx_http_access_module's location conf (static in its source): the same
 * fields under the same conditions, all we read is whether any is set.
 */
typedef struct {
    ngx_array_t               *rules;
#if (NGX_HAVE_INET6)
    ngx_array_t               *rules6;
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
    ngx_array_t               *rules_un;
#endif
} ngx_http_vstream_access_conf_t;


typedef enum {
    NGX_HTTP_VSTREAM_STATUS = 0,
    NGX_HTTP_VSTREAM_METRICS,
    NGX_HTTP_VSTREAM_STREAM
} ngx_http_vstream_route_e;


static ngx_int_t ngx_http_vstream_admin_handler(ngx_http_request_t *r);
static void ngx_http_vstream_route(ngx_http_request_t *r,
    ngx_http_vstream_loc_conf_t *vlcf, vstream_admin_route_t *rt,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *id);
static ngx_int_t ngx_http_vstream_authorized(ngx_http_request_t *r,
    ngx_http_vstream_loc_conf_t *vlcf);
static ngx_int_t ngx_http_vstream_get(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm, ngx_uint_t route, ngx_str_t *app,
    ngx_str_t *name);
static ngx_int_t ngx_http_vstream_drop(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name);
static ngx_int_t ngx_http_vstream_drop_ban(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name);
static ngx_int_t ngx_http_vstream_bans(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm);
static ngx_int_t ngx_http_vstream_ban(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm, ngx_uint_t route, ngx_str_t *app,
    ngx_str_t *name);
static ngx_int_t ngx_http_vstream_ban_add(ngx_http_request_t *r,
    ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name, time_t seconds,
    time_t *prev);
static time_t ngx_http_vstream_ban_seconds(ngx_http_request_t *r,
    char *arg);
static void ngx_http_vstream_admin_count(ngx_http_request_t *r);
static ngx_buf_t *ngx_http_vstream_join(ngx_pool_t *pool, ngx_buf_t *b,
    ngx_buf_t *more);
static ngx_int_t ngx_http_vstream_message(ngx_http_request_t *r,
    ngx_uint_t status, char *key, char *message);
ngx_int_t ngx_http_vstream_header(ngx_http_request_t *r, char *key,
    char *value);
static ngx_int_t ngx_http_vstream_log_handler(ngx_http_request_t *r);
static ngx_http_vstream_hit_t *ngx_http_vstream_hit(
    ngx_http_vstream_loc_conf_t *vlcf, ngx_str_t *name, ngx_log_t *log);
static void ngx_http_vstream_tick(ngx_event_t *ev);
static void ngx_http_vstream_flush(ngx_log_t *log);
static ngx_int_t ngx_http_vstream_init_process(ngx_cycle_t *cycle);
static void ngx_http_vstream_exit_process(ngx_cycle_t *cycle);
static char *ngx_http_vstream_hls_viewers(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_vstream_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_vstream_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_vstream_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_vstream_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_vstream_admin_open(ngx_conf_t *cf,
    ngx_http_vstream_loc_conf_t *vlcf);


static ngx_command_t  ngx_http_vstream_commands[] = {

    { ngx_string("vstream_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vstream_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vstream_admin_token_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_vstream_conf_set_secret_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vstream_loc_conf_t, token),
      NULL },

    { ngx_string("vstream_hls_viewers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_vstream_hls_viewers,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vstream_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_vstream_postconfiguration,    /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_vstream_create_loc_conf,      /* create location configuration */
    ngx_http_vstream_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_vstream_module = {
    NGX_MODULE_V1,
    &ngx_http_vstream_module_ctx,          /* module context */
    ngx_http_vstream_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_vstream_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_vstream_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * This worker's HLS counts since its last flush: a hash table of streams
 * whose entries live in a pool made at the first hit and destroyed by the
 * flush, NGX_VSTREAM_TICK later.
 */
static ngx_pool_t              *ngx_http_vstream_pool;
static ngx_http_vstream_hit_t  *ngx_http_vstream_buckets[
                                    NGX_HTTP_VSTREAM_BUCKETS];
static ngx_vstream_hls_hits_t  *ngx_http_vstream_hits[
                                    NGX_HTTP_VSTREAM_HITS_MAX];
static ngx_uint_t               ngx_http_vstream_nhits;
static ngx_uint_t               ngx_http_vstream_nomem;
static ngx_event_t              ngx_http_vstream_timer;


static ngx_int_t
ngx_http_vstream_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     app, name, id;
    ngx_vstream_shm_t            *shm;
    vstream_admin_route_t         rt;
    ngx_http_vstream_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vstream_module);

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!ngx_http_vstream_authorized(r, vlcf)) {
        if (ngx_http_vstream_header(r, "WWW-Authenticate",
                                    "Bearer realm=\"vstream\"")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_vstream_error(r, NGX_HTTP_UNAUTHORIZED,
                                      "a valid bearer token is required");
    }

    ngx_http_vstream_route(r, vlcf, &rt, &app, &name, &id);

    switch (rt.route) {

    case VSTREAM_ROUTE_STATUS:
        return ngx_http_vstream_get(r, shm, NGX_HTTP_VSTREAM_STATUS, &app,
                                    &name);

    case VSTREAM_ROUTE_METRICS:
        return ngx_http_vstream_get(r, shm, NGX_HTTP_VSTREAM_METRICS, &app,
                                    &name);

    case VSTREAM_ROUTE_STREAM:
        return ngx_http_vstream_get(r, shm, NGX_HTTP_VSTREAM_STREAM, &app,
                                    &name);

    case VSTREAM_ROUTE_DROP:
        return ngx_http_vstream_drop(r, shm, &app, &name);

    case VSTREAM_ROUTE_BANS:
        return ngx_http_vstream_bans(r, shm);

    case VSTREAM_ROUTE_BAN:
    case VSTREAM_ROUTE_UNBAN:
        return ngx_http_vstream_ban(r, shm, rt.route, &app, &name);

    case VSTREAM_ROUTE_RECORDINGS:
        return ngx_vstream_rec_api_list(r, app.len ? &app : NULL,
                                        app.len ? &name : NULL);

    case VSTREAM_ROUTE_RECORDING_DELETE:
        return ngx_vstream_rec_api_delete(r, &app, &name, &id);

    default: /* VSTREAM_ROUTE_NONE */
        break;
    }

    if (rt.allow
        && ngx_http_vstream_header(r, "Allow", (char *) rt.allow) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vstream_error(r, rt.status, (char *) rt.message);
}


/*
 * The path below the location's prefix, routed by vstream_admin_route()
 * (vstream_text.c): the route and what it names, pointing into r->uri.
 */

static void
ngx_http_vstream_route(ngx_http_request_t *r,
    ngx_http_vstream_loc_conf_t *vlcf, vstream_admin_route_t *rt,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *id)
{
    ngx_str_t         path;
    vstream_method_e  method;

    path = r->uri;

    if (path.len >= vlcf->prefix.len
        && ngx_strncmp(path.data, vlcf->prefix.data, vlcf->prefix.len) == 0)
    {
        path.data += vlcf->prefix.len;
        path.len -= vlcf->prefix.len;
    }

    switch (r->method) {

    case NGX_HTTP_GET:
        method = VSTREAM_METHOD_GET;
        break;

    case NGX_HTTP_HEAD:
        method = VSTREAM_METHOD_HEAD;
        break;

    case NGX_HTTP_DELETE:
        method = VSTREAM_METHOD_DELETE;
        break;

    case NGX_HTTP_PUT:
        method = VSTREAM_METHOD_PUT;
        break;

    default:
        method = VSTREAM_METHOD_OTHER;
    }

    vstream_admin_route(path.data, path.len, method, rt);

    app->data = (u_char *) rt->app;
    app->len = rt->app_len;
    name->data = (u_char *) rt->name;
    name->len = rt->name_len;
    id->data = (u_char *) rt->id;
    id->len = rt->id_len;
}


/*
 * The token is compared as SHA-256 digests with CRYPTO_memcmp: constant
 * time whatever the length of what the client sent.
 */

static ngx_int_t
ngx_http_vstream_authorized(ngx_http_request_t *r,
    ngx_http_vstream_loc_conf_t *vlcf)
{
    u_char     sha[SHA256_DIGEST_LENGTH];
    ngx_str_t  auth;

    if (vlcf->token == NULL) {
        return 1;
    }

    if (r->headers_in.authorization == NULL) {
        return 0;
    }

    auth = r->headers_in.authorization->value;

    if (auth.len < sizeof("Bearer ") - 1
        || ngx_strncasecmp(auth.data, (u_char *) "Bearer ",
                           sizeof("Bearer ") - 1) != 0)
    {
        return 0;
    }

    auth.data += sizeof("Bearer ") - 1;
    auth.len -= sizeof("Bearer ") - 1;

    while (auth.len && auth.data[0] == ' ') {
        auth.data++;
        auth.len--;
    }

    SHA256(auth.data, auth.len, sha);

    return CRYPTO_memcmp(sha, vlcf->token->sha256, SHA256_DIGEST_LENGTH) == 0;
}


static ngx_int_t
ngx_http_vstream_get(ngx_http_request_t *r, ngx_vstream_shm_t *shm,
    ngx_uint_t route, ngx_str_t *app, ngx_str_t *name)
{
    ngx_buf_t                *b, *more;
    ngx_uint_t                i;
    ngx_vstream_snapshot_t    snap;
    ngx_vstream_stream_t    **st;
    ngx_vstream_main_conf_t  *vmcf;

    ngx_vstream_scratch_begin(r->connection->log);
    ngx_vstream_bans_expire(shm);

    if (ngx_vstream_shm_snapshot(shm, r->pool,
                                 route == NGX_HTTP_VSTREAM_STREAM ? app : NULL,
                                 route == NGX_HTTP_VSTREAM_STREAM ? name : NULL,
                                 &snap)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (route == NGX_HTTP_VSTREAM_STREAM && snap.streams.nelts == 0) {
        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such live stream");
    }

    snap.hls = ngx_vstream_scratch_alloc(r->pool, (snap.streams.nelts + 1)
                                         * sizeof(ngx_vstream_hls_stats_t));
    if (snap.hls == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(snap.hls, (snap.streams.nelts + 1)
                          * sizeof(ngx_vstream_hls_stats_t));

    st = snap.streams.elts;

    for (i = 0; i < snap.streams.nelts; i++) {
        (void) ngx_vstream_hls_stats((ngx_cycle_t *) ngx_cycle, r->pool,
                                     st[i], &snap.hls[i]);
    }

    vmcf = ngx_vstream_main_conf((ngx_cycle_t *) ngx_cycle);

    switch (route) {

    case NGX_HTTP_VSTREAM_STATUS:
        b = ngx_vstream_render_status(r->pool, &snap, vmcf->workers);
        break;

    case NGX_HTTP_VSTREAM_METRICS:
        b = ngx_vstream_render_metrics(r->pool, &snap);

        if (b == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        more = ngx_vstream_rec_api_metrics(r->pool, &snap, r->connection->log);

        b = ngx_http_vstream_join(r->pool, b, more);
        if (b == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_vstream_send(r, NGX_HTTP_OK,
                                     "text/plain; version=0.0.4; "
                                     "charset=utf-8", b);

    default: /* NGX_HTTP_VSTREAM_STREAM */
        b = ngx_vstream_render_stream(r->pool, &snap);
        break;
    }

    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vstream_send(r, NGX_HTTP_OK, "application/json", b);
}


/* DELETE streams/APP/NAME: 202, the publisher's worker drops it */

static ngx_int_t
ngx_http_vstream_drop(ngx_http_request_t *r, ngx_vstream_shm_t *shm,
    ngx_str_t *app, ngx_str_t *name)
{
    ngx_str_t  value;

    if (ngx_http_arg(r, (u_char *) "ban", 3, &value) == NGX_OK) {
        return ngx_http_vstream_drop_ban(r, shm, app, name);
    }

    if (ngx_vstream_shm_drop(shm, app, name) != NGX_OK) {
        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such live stream");
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "vstream: drop of \"%V/%V\" requested by %V",
                  app, name, &r->connection->addr_text);

    return ngx_http_vstream_message(r, NGX_HTTP_ACCEPTED, "status",
                                    "the publisher will be disconnected");
}


/* GET bans */

static ngx_int_t
ngx_http_vstream_bans(ngx_http_request_t *r, ngx_vstream_shm_t *shm)
{
    ngx_buf_t  *b;

    b = ngx_vstream_bans_render(shm, r->pool, r->connection->log);

    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vstream_send(r, NGX_HTTP_OK, "application/json", b);
}


/*
 * DELETE streams/APP/NAME?ban=SECONDS: the ban first, so the publisher
 * cannot come back between the drop and the ban; undone when no such
 * stream is live
 */

static ngx_int_t
ngx_http_vstream_drop_ban(ngx_http_request_t *r, ngx_vstream_shm_t *shm,
    ngx_str_t *app, ngx_str_t *name)
{
    time_t     seconds, prev;
    ngx_int_t  rc;

    seconds = ngx_http_vstream_ban_seconds(r, "ban");

    if (seconds == NGX_ERROR) {
        return ngx_http_vstream_error(r, NGX_HTTP_BAD_REQUEST,
                                      "ban must be a number of seconds "
                                      "from 1 to 2592000 (30 days)");
    }

    rc = ngx_http_vstream_ban_add(r, shm, app, name, seconds, &prev);

    if (rc == NGX_BUSY) {
        return ngx_http_vstream_error(r, NGX_HTTP_INSUFFICIENT_STORAGE,
                                      "the ban table is full; the "
                                      "publisher was not dropped");
    }

    if (ngx_vstream_shm_drop(shm, app, name) != NGX_OK) {
        if (rc == NGX_OK) {
            (void) ngx_vstream_bans_remove(shm, app, name);

        } else {
            (void) ngx_vstream_bans_add(shm, app, name, prev, &prev);
        }

        return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                      "no such live stream");
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "vstream: drop of \"%V/%V\" and a ban of %T s "
                  "requested by %V",
                  app, name, seconds, &r->connection->addr_text);

    return ngx_http_vstream_message(r, NGX_HTTP_ACCEPTED, "status",
                                    "the publisher will be disconnected "
                                    "and the name banned");
}


/* PUT bans/APP/NAME?seconds=N (201 new, 200 longer or shorter), DELETE */

static ngx_int_t
ngx_http_vstream_ban(ngx_http_request_t *r, ngx_vstream_shm_t *shm,
    ngx_uint_t route, ngx_str_t *app, ngx_str_t *name)
{
    time_t     seconds, prev;
    ngx_int_t  rc;

    if (route == VSTREAM_ROUTE_UNBAN) {
        if (ngx_vstream_bans_remove(shm, app, name) != NGX_OK) {
            return ngx_http_vstream_error(r, NGX_HTTP_NOT_FOUND,
                                          "no such ban");
        }

        ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                      "vstream: ban of \"%V/%V\" lifted by %V",
                      app, name, &r->connection->addr_text);

        r->headers_out.status = NGX_HTTP_NO_CONTENT;
        r->headers_out.content_length_n = 0;
        r->header_only = 1;

        return ngx_http_send_header(r);
    }

    seconds = ngx_http_vstream_ban_seconds(r, "seconds");

    if (seconds == NGX_ERROR) {
        return ngx_http_vstream_error(r, NGX_HTTP_BAD_REQUEST,
                                      "seconds must be a number from 1 to "
                                      "2592000 (30 days)");
    }

    rc = ngx_http_vstream_ban_add(r, shm, app, name, seconds, &prev);

    if (rc == NGX_BUSY) {
        return ngx_http_vstream_error(r, NGX_HTTP_INSUFFICIENT_STORAGE,
                                      "the ban table is full");
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "vstream: ban of \"%V/%V\" for %T s set by %V",
                  app, name, seconds, &r->connection->addr_text);

    if (rc == NGX_OK) {
        return ngx_http_vstream_message(r, NGX_HTTP_CREATED, "status",
                                        "banned");
    }

    return ngx_http_vstream_message(r, NGX_HTTP_OK, "status",
                                    "the ban is updated");
}


/* a full table (NGX_BUSY) is logged here, counted by the table */

static ngx_int_t
ngx_http_vstream_ban_add(ngx_http_request_t *r, ngx_vstream_shm_t *shm,
    ngx_str_t *app, ngx_str_t *name, time_t seconds, time_t *prev)
{
    ngx_int_t  rc;

    rc = ngx_vstream_bans_add(shm, app, name, ngx_time() + seconds, prev);

    if (rc == NGX_BUSY) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vstream: the ban table is full (%d bans, or the "
                      "zone): \"%V/%V\" not banned",
                      NGX_VSTREAM_BANS_MAX, app, name);
    }

    return rc;
}


/* the value of ARG in the query as seconds of a ban, or NGX_ERROR */

static time_t
ngx_http_vstream_ban_seconds(ngx_http_request_t *r, char *arg)
{
    ngx_str_t  value;

    if (ngx_http_arg(r, (u_char *) arg, ngx_strlen(arg), &value) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_vstream_bans_seconds(&value);
}


ngx_int_t
ngx_http_vstream_send(ngx_http_request_t *r, ngx_uint_t status, char *type,
    ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    r->headers_out.status = status;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = b->last - b->pos;

    if (ngx_http_vstream_header(r, "Cache-Control", "no-store") != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* the recordings' metrics after the others: one buffer, the answer */

static ngx_buf_t *
ngx_http_vstream_join(ngx_pool_t *pool, ngx_buf_t *b, ngx_buf_t *more)
{
    size_t      len;
    ngx_buf_t  *all;

    if (more == NULL) {
        return b;
    }

    len = more->last - more->pos;

    if ((size_t) (b->end - b->last) >= len) {
        b->last = ngx_cpymem(b->last, more->pos, len);
        return b;
    }

    all = ngx_create_temp_buf(pool, b->last - b->pos + len);
    if (all == NULL) {
        return NULL;
    }

    all->last = ngx_cpymem(all->last, b->pos, b->last - b->pos);
    all->last = ngx_cpymem(all->last, more->pos, len);

    return all;
}


/* {"error": "..."}; the log phase counts it (ngx_http_vstream_admin_count) */

ngx_int_t
ngx_http_vstream_error(ngx_http_request_t *r, ngx_uint_t status,
    char *message)
{
    return ngx_http_vstream_message(r, status, "error", message);
}


/* {"KEY": "MESSAGE"}: both are literals of ours, nothing to escape */

static ngx_int_t
ngx_http_vstream_message(ngx_http_request_t *r, ngx_uint_t status, char *key,
    char *message)
{
    size_t      len;
    ngx_buf_t  *b;

    len = sizeof("{\"\":\"\"}\n") - 1 + ngx_strlen(key)
          + ngx_strlen(message);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_sprintf(b->last, "{\"%s\":\"%s\"}\n", key, message);

    return ngx_http_vstream_send(r, status, "application/json", b);
}


ngx_int_t
ngx_http_vstream_header(ngx_http_request_t *r, char *key, char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);

    return NGX_OK;
}


/*
 * An admin location's answers that are not successes, by what they mean:
 * refused (401 no or wrong token, 403 the allow list, 405 a method), not
 * found (404: a typo, a stream that ended) and other bad requests (4xx).
 * Counted here, in the log phase, so that the access module's 403 is seen
 * as well as the handler's own answers.
 */

static void
ngx_http_vstream_admin_count(ngx_http_request_t *r)
{
    uint64_t           *counter;
    ngx_vstream_shm_t  *shm;

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
    if (shm == NULL) {
        return;
    }

    switch (r->headers_out.status) {

    case NGX_HTTP_UNAUTHORIZED:
    case NGX_HTTP_FORBIDDEN:
    case NGX_HTTP_NOT_ALLOWED:
        counter = &shm->sh->t.admin_rejected;
        break;

    case NGX_HTTP_NOT_FOUND:
        counter = &shm->sh->t.admin_not_found;
        break;

    default:
        if (r->headers_out.status < NGX_HTTP_BAD_REQUEST
            || r->headers_out.status >= NGX_HTTP_INTERNAL_SERVER_ERROR)
        {
            return;
        }

        counter = &shm->sh->t.admin_bad_requests;
        break;
    }

    ngx_vstream_shm_count(shm, counter, 1);
}


/*
 * Log phase of an HLS location: NAME.m3u8 and NAME/index.m3u8 are
 * playlists, NAME-SEQ.ts and NAME/SEQ.ts segments of stream NAME.  The
 * viewer is the client address, the one realip set if it is configured.
 * No lock: a lookup in this worker's table and a few increments.
 */

static ngx_int_t
ngx_http_vstream_log_handler(ngx_http_request_t *r)
{
    int                           kind;
    unsigned                      index, rank;
    uint64_t                      hash;
    ngx_str_t                     name;
    ngx_uint_t                    i;
    ngx_http_vstream_hit_t       *hit;
    ngx_vstream_hls_hits_t       *h;
    ngx_http_vstream_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vstream_module);

    if (vlcf->file.data && r == r->main) {
        ngx_http_vstream_admin_count(r);
        return NGX_OK;
    }

    if (!vlcf->hls_viewers || r != r->main) {
        return NGX_OK;
    }

    /*
     * answered by an upstream, e.g. a peer frontend on a local miss: the
     * peer that holds the stream counts this viewer, so here it is
     * neither a viewer nor unmatched
     */

    if (r->upstream) {
        return NGX_OK;
    }

    if (r->headers_out.status != NGX_HTTP_OK
        && r->headers_out.status != NGX_HTTP_PARTIAL_CONTENT)
    {
        return NGX_OK;
    }

    if (!vstream_hls_uri_name(r->uri.data, r->uri.len,
                              (const unsigned char **) &name.data, &name.len,
                              &kind))
    {
        return NGX_OK;
    }

    if (ngx_vstream_shm((ngx_cycle_t *) ngx_cycle) == NULL) {
        return NGX_OK;
    }

    hit = ngx_http_vstream_hit(vlcf, &name, r->connection->log);
    if (hit == NULL) {
        return NGX_OK;
    }

    h = &hit->h;
    h->bytes += r->connection->sent;

    if (kind == VSTREAM_HLS_SEGMENT) {
        h->segments++;
        return NGX_OK;
    }

    h->playlists++;

    hash = vstream_hll_hash(r->connection->addr_text.data,
                            r->connection->addr_text.len);

    if (h->ranks == NULL && h->nhashes < NGX_HTTP_VSTREAM_HASHES) {
        h->hashes[h->nhashes++] = hash;
        return NGX_OK;
    }

    if (h->ranks == NULL) {
        h->ranks = ngx_pcalloc(ngx_http_vstream_pool, VSTREAM_HLL_M);
        if (h->ranks == NULL) {
            ngx_http_vstream_nomem++;
            return NGX_OK;
        }

        for (i = 0; i < h->nhashes; i++) {
            vstream_hll_split(h->hashes[i], &index, &rank);
            h->ranks[index] = ngx_max(h->ranks[index], (u_char) rank);
        }

        h->nhashes = 0;
    }

    vstream_hll_split(hash, &index, &rank);
    h->ranks[index] = ngx_max(h->ranks[index], (u_char) rank);

    return NGX_OK;
}


/* this worker's entry of (the location's application, name) */

static ngx_http_vstream_hit_t *
ngx_http_vstream_hit(ngx_http_vstream_loc_conf_t *vlcf, ngx_str_t *name,
    ngx_log_t *log)
{
    u_char                  *p;
    uint32_t                 key;
    ngx_http_vstream_hit_t  *hit, **bucket;

    ngx_crc32_init(key);
    ngx_crc32_update(&key, vlcf->hls_app.data, vlcf->hls_app.len);
    ngx_crc32_update(&key, (u_char *) "/", 1);
    ngx_crc32_update(&key, name->data, name->len);
    ngx_crc32_final(key);

    bucket = &ngx_http_vstream_buckets[key % NGX_HTTP_VSTREAM_BUCKETS];

    for (hit = *bucket; hit; hit = hit->next) {
        if (hit->key == key
            && hit->h.name.len == name->len
            && hit->h.app.len == vlcf->hls_app.len
            && ngx_memcmp(hit->h.name.data, name->data, name->len) == 0
            && (vlcf->hls_app.len == 0
                || ngx_memcmp(hit->h.app.data, vlcf->hls_app.data,
                              vlcf->hls_app.len)
                   == 0))
        {
            return hit;
        }
    }

    if (ngx_http_vstream_nhits == NGX_HTTP_VSTREAM_HITS_MAX) {
        /* bounded work per flush: this one comes early */
        ngx_http_vstream_flush(log);
        bucket = &ngx_http_vstream_buckets[key % NGX_HTTP_VSTREAM_BUCKETS];
    }

    if (ngx_http_vstream_pool == NULL) {
        ngx_http_vstream_pool = ngx_create_pool(16384, ngx_cycle->log);
        if (ngx_http_vstream_pool == NULL) {
            ngx_http_vstream_nomem++;
            return NULL;
        }
    }

    hit = ngx_pcalloc(ngx_http_vstream_pool, sizeof(ngx_http_vstream_hit_t)
                                             + vlcf->hls_app.len + name->len);
    if (hit == NULL) {
        ngx_http_vstream_nomem++;
        return NULL;
    }

    p = (u_char *) &hit[1];

    hit->key = key;
    hit->h.app.data = p;
    hit->h.app.len = vlcf->hls_app.len;

    if (vlcf->hls_app.len) {
        p = ngx_cpymem(p, vlcf->hls_app.data, vlcf->hls_app.len);
    }

    hit->h.name.data = p;
    hit->h.name.len = name->len;
    ngx_memcpy(p, name->data, name->len);
    hit->h.window = vlcf->hls_window;
    hit->h.hashes = hit->hashes;

    hit->next = *bucket;
    *bucket = hit;
    ngx_http_vstream_hits[ngx_http_vstream_nhits++] = &hit->h;

    if (!ngx_http_vstream_timer.timer_set) {
        ngx_add_timer(&ngx_http_vstream_timer, NGX_VSTREAM_TICK);
    }

    return hit;
}


/*
 * Every tick while this worker has counts or the zone has viewers: the
 * flush turns the sketches of streams nobody fetches any more.
 */

static void
ngx_http_vstream_tick(ngx_event_t *ev)
{
    ngx_vstream_shm_t  *shm;

    ngx_http_vstream_flush(ev->log);

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    /* read without the lock: a stale answer costs one tick */
    if (shm && !ngx_queue_empty(&shm->sh->viewed) && !ngx_exiting
        && !ngx_terminate)
    {
        ngx_add_timer(ev, NGX_VSTREAM_TICK);
    }
}


static void
ngx_http_vstream_flush(ngx_log_t *log)
{
    ngx_uint_t          lost, nomem;
    ngx_vstream_shm_t  *shm;

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    lost = shm ? ngx_vstream_shm_hls_flush(shm, ngx_http_vstream_hits,
                                           ngx_http_vstream_nhits)
               : 0;

    nomem = ngx_http_vstream_nomem;

    ngx_memzero(ngx_http_vstream_buckets, sizeof(ngx_http_vstream_buckets));
    ngx_http_vstream_nhits = 0;
    ngx_http_vstream_nomem = 0;

    if (ngx_http_vstream_pool) {
        ngx_destroy_pool(ngx_http_vstream_pool);
        ngx_http_vstream_pool = NULL;
    }

    if (lost) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "vstream: the zone is full: the viewers of %ui "
                      "stream(s) were not counted (4 KiB each); "
                      "enlarge \"vstream_zone\"", lost);
    }

    if (nomem) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "vstream: out of memory: %ui HLS request(s) "
                      "not counted", nomem);
    }
}


static ngx_int_t
ngx_http_vstream_init_process(ngx_cycle_t *cycle)
{
    ngx_http_vstream_timer.handler = ngx_http_vstream_tick;
    ngx_http_vstream_timer.log = cycle->log;
    ngx_http_vstream_timer.data = cycle;
    ngx_http_vstream_timer.cancelable = 1;

    return NGX_OK;
}


/* what this worker counted in its last tick is not lost */

static void
ngx_http_vstream_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_vstream_nhits) {
        ngx_http_vstream_flush(cycle->log);
    }
}


static ngx_int_t
ngx_http_vstream_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_vstream_log_handler;

    return NGX_OK;
}


static void *
ngx_http_vstream_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_vstream_loc_conf_t  *vlcf;

    vlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vstream_loc_conf_t));
    if (vlcf == NULL) {
        return NULL;
    }

    vlcf->hls_viewers = NGX_CONF_UNSET;
    vlcf->hls_window = NGX_CONF_UNSET;
    vlcf->token = NGX_CONF_UNSET_PTR;

    return vlcf;
}


static char *
ngx_http_vstream_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_vstream_loc_conf_t *prev = parent;
    ngx_http_vstream_loc_conf_t *conf = child;

    if (conf->hls_viewers == NGX_CONF_UNSET) {
        conf->hls_viewers = prev->hls_viewers;
        conf->hls_app = prev->hls_app;
        conf->hls_window = prev->hls_window;
    }

    ngx_conf_merge_value(conf->hls_viewers, prev->hls_viewers, 0);
    ngx_conf_merge_sec_value(conf->hls_window, prev->hls_window,
                             NGX_HTTP_VSTREAM_WINDOW);

    if (conf->token == NGX_CONF_UNSET_PTR) {
        conf->token = prev->token;
    }

    ngx_conf_merge_ptr_value(conf->token, prev->token, NULL);

    if (conf->file.data && conf->token == NULL && !conf->warned) {
        ngx_http_vstream_admin_open(cf, conf);
    }

    return NGX_CONF_OK;
}


/*
 * An admin location with neither a token nor allow/deny rules (its own or
 * inherited) lets anyone read the status and drop streams.  nginx merges
 * the modules in order and ngx_http_access_module comes before any dynamic
 * module, so its rules are already merged here.
 */

static void
ngx_http_vstream_admin_open(ngx_conf_t *cf, ngx_http_vstream_loc_conf_t *vlcf)
{
    ngx_http_vstream_access_conf_t  *alcf = vlcf->access;

    if (alcf
        && (alcf->rules
#if (NGX_HAVE_INET6)
            || alcf->rules6
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
            || alcf->rules_un
#endif
           ))
    {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                  "vstream: the admin API at \"%V\" is open to anyone, "
                  "DELETE included: set \"vstream_admin_token_file\" or "
                  "\"allow\"/\"deny\" rules in %V:%ui",
                  &vlcf->prefix, &vlcf->file, vlcf->line);

    /* a location may be merged more than once (e.g. exact and prefix) */
    vlcf->warned = 1;
}


static char *
ngx_http_vstream_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vstream_loc_conf_t *vlcf = conf;

    ngx_uint_t                 i;
    ngx_http_conf_ctx_t       *ctx;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

#if (NGX_PCRE)
    if (clcf->regex) {
        return "cannot be used in a regex location";
    }
#endif

    if (clcf->handler == ngx_http_vstream_admin_handler) {
        return "is duplicate";
    }

    clcf->handler = ngx_http_vstream_admin_handler;
    vlcf->prefix = clcf->name;
    vlcf->file = cf->conf_file->file.name;
    vlcf->line = cf->conf_file->line;

    /* found by name: no link-time dependency on a module nginx may lack */
    for (i = 0; cf->cycle->modules[i]; i++) {
        if (ngx_strcmp(cf->cycle->modules[i]->name, "ngx_http_access_module")
            == 0)
        {
            ctx = cf->ctx;
            vlcf->access = ctx->loc_conf[cf->cycle->modules[i]->ctx_index];
            break;
        }
    }

    return NGX_CONF_OK;
}


/* vstream_hls_viewers on | off [app=NAME] [window=TIME] */

static char *
ngx_http_vstream_hls_viewers(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vstream_loc_conf_t *vlcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (vlcf->hls_viewers != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        vlcf->hls_viewers = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        vlcf->hls_viewers = 0;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"on\" or \"off\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "app=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            if (s.len == 0 || s.len > NGX_VSTREAM_NAME_MAX
                || !vstream_name_is_safe(s.data, s.len))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\": invalid application \"%V\"",
                                   &cmd->name, &s);
                return NGX_CONF_ERROR;
            }

            vlcf->hls_app = s;
            continue;
        }

        if (ngx_strncmp(value[i].data, "window=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            vlcf->hls_window = ngx_parse_time(&s, 1);

            if (vlcf->hls_window == (time_t) NGX_ERROR
                || vlcf->hls_window < 2 || vlcf->hls_window > 3600)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\": invalid window \"%V\", "
                                   "it must be from 2s to 1h",
                                   &cmd->name, &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"%V\"",
                           &value[i], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
