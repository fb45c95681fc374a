
/*
 * vstream: the S3 uploader of recordings.
 *
 * Worker 0 alone runs it (the master respawns a dead worker under the same
 * number).  Its timer posts one task at a time to the thread pool; the task
 * walks PATH/APP/NAME/ID of every application with vstream_record_s3, finds
 * the first listed segment of a recording not yet uploaded, PUTs it with
 * libcurl (SigV4), notes its name in s3.uploaded and only then removes the
 * local file; once every listed segment is there and the playlist has
 * ENDLIST, the playlist goes up and s3.done is written.  So the directories
 * are the queue: a reload, a crash or an S3 outage loses nothing, and at
 * worst a file goes up twice under the same key.  All the file system and
 * network work happens on the thread; the event loop only counts, logs
 * (once per outage) and sets the timer, with backoff after a failure.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <dirent.h>
#include "ngx_vstream.h"
#include "ngx_vstream_s3.h"
#include "vstream_m3u8.h"

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif


#define NGX_VSTREAM_S3_IDLE         1000     /* ms between scans */
#define NGX_VSTREAM_S3_NEXT         10       /* ms after an upload */
#define NGX_VSTREAM_S3_CONNECT      3000
#define NGX_VSTREAM_S3_TIMEOUT      120000
#define NGX_VSTREAM_S3_IMDS_TIMEOUT 2000
#define NGX_VSTREAM_S3_EARLY        300      /* s before Expiration */
#define NGX_VSTREAM_S3_TOKEN_TTL    21600
#define NGX_VSTREAM_S3_PLAYLIST_MAX (4 * 1024 * 1024)
#define NGX_VSTREAM_S3_IDS_MAX      4096
#define NGX_VSTREAM_S3_PATH_MAX     1024
#define NGX_VSTREAM_S3_BODY_MAX     16384

#define NGX_VSTREAM_S3_DEFAULT_IMDS "http://169.254.169.254"


typedef enum {
    NGX_VSTREAM_S3_NOTHING = 0,
    NGX_VSTREAM_S3_UPLOADED,
    NGX_VSTREAM_S3_FAILED,
    NGX_VSTREAM_S3_GONE
} ngx_vstream_s3_result_e;


#if (NGX_THREADS)

typedef struct {
    ngx_array_t               *confs;      /* ngx_vstream_s3_conf_t * */
    ngx_vstream_s3_conf_t     *conf;       /* what the result is about */
    ngx_uint_t                 result;
    off_t                      bytes;
    ngx_uint_t                 refreshed;  /* role credentials fetched */
    ngx_uint_t                 refused;    /* gone: a link, not a file */
    char                       key[NGX_VSTREAM_S3_PATH_MAX];
    char                       err[256];
} ngx_vstream_s3_task_ctx_t;


typedef struct {
    char                      *buf;
    size_t                     len;
    size_t                     size;
} ngx_vstream_s3_body_t;


/* the first segment of a playlist not in the uploaded list */
typedef struct {
    const char                *dir;
    const char                *uploaded;
    size_t                     uploaded_len;
    const u_char              *uri;
    size_t                     len;
} ngx_vstream_s3_find_t;


static void ngx_vstream_s3_tick(ngx_event_t *ev);
static void ngx_vstream_s3_thread(void *data, ngx_log_t *log);
static void ngx_vstream_s3_done(ngx_event_t *ev);
static ngx_int_t ngx_vstream_s3_stopping(void);
static void ngx_vstream_s3_count(ngx_vstream_s3_conf_t *conf,
    ngx_uint_t result, off_t bytes);
static ngx_int_t ngx_vstream_s3_app(ngx_vstream_s3_task_ctx_t *ctx);
static ngx_int_t ngx_vstream_s3_recording(ngx_vstream_s3_task_ctx_t *ctx,
    const char *dir, const char *name, const char *id);
static int ngx_vstream_s3_find(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static int ngx_vstream_s3_sweep(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static ngx_int_t ngx_vstream_s3_uploaded(ngx_vstream_s3_find_t *find,
    const unsigned char *uri, size_t len);
static ngx_int_t ngx_vstream_s3_own(ngx_uint_t take);
static ngx_int_t ngx_vstream_s3_upload(ngx_vstream_s3_task_ctx_t *ctx,
    const char *file, const char *name, size_t name_len, const char *nid,
    const char *id);
static ngx_int_t ngx_vstream_s3_refuse(ngx_vstream_s3_task_ctx_t *ctx,
    const char *file);
static ngx_int_t ngx_vstream_s3_put(ngx_vstream_s3_task_ctx_t *ctx,
    FILE *fp, off_t size, const u_char *sha256, const char *ctype);
static vstream_s3_creds_t *ngx_vstream_s3_creds(
    ngx_vstream_s3_task_ctx_t *ctx);
static ngx_int_t ngx_vstream_s3_imds(ngx_vstream_s3_task_ctx_t *ctx,
    const char *method, const char *path, ngx_vstream_s3_body_t *body);
static long ngx_vstream_s3_perform(ngx_vstream_s3_task_ctx_t *ctx,
    CURL *curl, struct curl_slist *headers, const char *what);
static CURL *ngx_vstream_s3_curl(void);
static size_t ngx_vstream_s3_write(char *p, size_t size, size_t n,
    void *data);
static int ngx_vstream_s3_progress(void *p, curl_off_t dltotal,
    curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static ssize_t ngx_vstream_s3_read_file(const char *path, char **buf,
    size_t max);
static ngx_int_t ngx_vstream_s3_note(const char *path, const char *line,
    size_t len);
static int ngx_vstream_s3_cmp(const void *a, const void *b);


static ngx_event_t          ngx_vstream_s3_timer;
static ngx_thread_task_t   *ngx_vstream_s3_task;
static ngx_array_t         *ngx_vstream_s3_confs;
static ngx_uint_t           ngx_vstream_s3_failures;

#endif


static char *ngx_vstream_s3_check_credentials(ngx_conf_t *cf,
    ngx_command_t *cmd, ngx_vstream_s3_conf_t *s3);


/*
 * vstream_record_s3 bucket=B region=R [prefix=P] [endpoint=URL]
 *                   [credentials=FILE] [imds=URL];
 */

char *
ngx_vstream_s3_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    void  **sp = (void **) ((u_char *) conf + cmd->offset);

    ngx_str_t              *value, v, *field;
    ngx_uint_t              i, j;
    ngx_vstream_s3_conf_t  *s3;

    static struct {
        ngx_str_t  name;
        size_t     offset;
    } params[] = {
        { ngx_string("bucket="), offsetof(ngx_vstream_s3_conf_t, bucket) },
        { ngx_string("region="), offsetof(ngx_vstream_s3_conf_t, region) },
        { ngx_string("prefix="), offsetof(ngx_vstream_s3_conf_t, prefix) },
        { ngx_string("endpoint="),
          offsetof(ngx_vstream_s3_conf_t, endpoint) },
        { ngx_string("credentials="),
          offsetof(ngx_vstream_s3_conf_t, credentials) },
        { ngx_string("imds="), offsetof(ngx_vstream_s3_conf_t, imds) },
    };

    if (*sp != NULL) {
        return "is duplicate";
    }

    s3 = ngx_pcalloc(cf->pool, sizeof(ngx_vstream_s3_conf_t));
    if (s3 == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        for (j = 0; j < sizeof(params) / sizeof(params[0]); j++) {
            if (value[i].len > params[j].name.len
                && ngx_strncmp(value[i].data, params[j].name.data,
                               params[j].name.len) == 0)
            {
                break;
            }
        }

        if (j == sizeof(params) / sizeof(params[0])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": invalid parameter \"%V\"",
                               &cmd->name, &value[i]);
            return NGX_CONF_ERROR;
        }

        field = (ngx_str_t *) ((u_char *) s3 + params[j].offset);

        if (field->data) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": duplicate parameter \"%V\"",
                               &cmd->name, &value[i]);
            return NGX_CONF_ERROR;
        }

        v.data = value[i].data + params[j].name.len;
        v.len = value[i].len - params[j].name.len;
        *field = v;
    }

    if (s3->bucket.data == NULL || s3->region.data == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs \"bucket=\" and \"region=\"",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (!vstream_s3_valid_bucket((char *) s3->bucket.data, s3->bucket.len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"bucket=%V\": "
                           "3 to 63 of a-z 0-9 . - expected",
                           &cmd->name, &s3->bucket);
        return NGX_CONF_ERROR;
    }

    if (!vstream_s3_valid_region((char *) s3->region.data, s3->region.len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"region=%V\"",
                           &cmd->name, &s3->region);
        return NGX_CONF_ERROR;
    }

    if (s3->prefix.data
        && !vstream_s3_valid_prefix((char *) s3->prefix.data, s3->prefix.len))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"prefix=%V\": "
                           "A-Z a-z 0-9 - _ . / expected, no empty, \".\" "
                           "or \"..\" part, no leading \"/\"",
                           &cmd->name, &s3->prefix);
        return NGX_CONF_ERROR;
    }

    if (s3->endpoint.data
        && !vstream_s3_valid_endpoint((char *) s3->endpoint.data,
                                      s3->endpoint.len))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"endpoint=%V\": "
                           "http://HOST[:PORT] or https://HOST[:PORT] "
                           "expected", &cmd->name, &s3->endpoint);
        return NGX_CONF_ERROR;
    }

    if (s3->imds.data
        && (!vstream_s3_valid_endpoint((char *) s3->imds.data, s3->imds.len)
            || ngx_strncmp(s3->imds.data, "http://", 7) != 0))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"imds=%V\": "
                           "http://HOST[:PORT] expected",
                           &cmd->name, &s3->imds);
        return NGX_CONF_ERROR;
    }

    if (s3->imds.data && s3->credentials.data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"credentials=\" and \"imds=\" "
                           "exclude each other", &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (s3->prefix.data == NULL) {
        ngx_str_set(&s3->prefix, "");
    }

    if (s3->endpoint.data == NULL) {
        ngx_str_set(&s3->endpoint, "");
    }

    if (s3->imds.data == NULL) {
        ngx_str_set(&s3->imds, NGX_VSTREAM_S3_DEFAULT_IMDS);
    }

    s3->creds = ngx_pcalloc(cf->pool, sizeof(vstream_s3_creds_t));
    s3->token = ngx_pcalloc(cf->pool, VSTREAM_S3_TOKEN_MAX + 1);
    if (s3->creds == NULL || s3->token == NULL) {
        return NGX_CONF_ERROR;
    }

    if (s3->credentials.data) {
        if (ngx_vstream_s3_check_credentials(cf, cmd, s3) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

    } else {
        ngx_str_null(&s3->credentials);
    }

    *sp = s3;

    return NGX_CONF_OK;
}


/*
 * The credentials file is read here, by the master as root, as a secret
 * file (a regular file, 0600 or stricter, not empty); it must also be
 * owned by root or the nginx user.
 */

static char *
ngx_vstream_s3_check_credentials(ngx_conf_t *cf, ngx_command_t *cmd,
    ngx_vstream_s3_conf_t *s3)
{
    ngx_uid_t              user;
    ngx_core_conf_t       *ccf;
    ngx_file_info_t        fi;
    const char            *err;
    ngx_vstream_secret_t   secret;

    if (ngx_vstream_read_secret(cf, &s3->credentials, &secret)
        != NGX_CONF_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"credentials=%V\"",
                           &cmd->name, &s3->credentials);
        return NGX_CONF_ERROR;
    }

    s3->credentials = secret.path;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);
    user = ccf->user;

    if (ngx_file_info(secret.path.data, &fi) == NGX_FILE_ERROR
        || !(fi.st_uid == 0 || fi.st_uid == geteuid()
             || (user != (ngx_uid_t) NGX_CONF_UNSET_UINT
                 && fi.st_uid == user)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid parameter \"credentials=%V\": "
                           "it must be owned by root or the nginx user",
                           &cmd->name, &secret.path);
        goto failed;
    }

    if (vstream_s3_parse_credentials((char *) secret.value.data,
                                     secret.value.len, s3->creds, &err)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": credentials file \"%V\": %s",
                           &cmd->name, &secret.path, err);
        goto failed;
    }

    ngx_explicit_memzero(secret.value.data, secret.value.len);

    return NGX_CONF_OK;

failed:

    ngx_explicit_memzero(secret.value.data, secret.value.len);

    return NGX_CONF_ERROR;
}


char *
ngx_vstream_s3_merge(ngx_conf_t *cf, ngx_vstream_s3_conf_t *s3,
    ngx_str_t *app, ngx_str_t *path)
{
#if (NGX_THREADS)
    ngx_str_t  pool_name = ngx_string("default");
#endif

    if (s3 == NULL) {
        return NGX_CONF_OK;
    }

    if (path->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vstream_record_s3\" needs "
                           "\"vstream_record_path\" in application \"%V\"",
                           app);
        return NGX_CONF_ERROR;
    }

    s3->app = *app;
    s3->path = *path;

    if (ngx_conf_full_name(cf->cycle, &s3->path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

#if (NGX_THREADS)

    s3->pool = ngx_thread_pool_add(cf, &pool_name);
    if (s3->pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"vstream_record_s3\" needs nginx built with thread "
                       "pools (--with-threads)");
    return NGX_CONF_ERROR;

#endif
}


ngx_int_t
ngx_vstream_s3_init_process(ngx_cycle_t *cycle, ngx_array_t *confs)
{
#if (NGX_THREADS)

    ngx_vstream_s3_failures = 0;
    ngx_vstream_s3_confs = confs;

    if (confs->nelts == 0
        || (ngx_process == NGX_PROCESS_WORKER && ngx_worker != 0))
    {
        return NGX_OK;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "vstream: curl_global_init() failed");
        return NGX_ERROR;
    }

    ngx_vstream_s3_task = ngx_thread_task_alloc(cycle->pool,
                                      sizeof(ngx_vstream_s3_task_ctx_t));
    if (ngx_vstream_s3_task == NULL) {
        return NGX_ERROR;
    }

    ngx_vstream_s3_task->handler = ngx_vstream_s3_thread;
    ngx_vstream_s3_task->event.handler = ngx_vstream_s3_done;
    ngx_vstream_s3_task->event.data = ngx_vstream_s3_task;
    ngx_vstream_s3_task->event.log = cycle->log;

    ngx_vstream_s3_timer.handler = ngx_vstream_s3_tick;
    ngx_vstream_s3_timer.log = cycle->log;
    ngx_vstream_s3_timer.data = cycle;
    ngx_vstream_s3_timer.cancelable = 1;

    ngx_add_timer(&ngx_vstream_s3_timer, NGX_VSTREAM_S3_NEXT);

    ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                  "vstream: the S3 uploader runs in this worker "
                  "(%ui applications)", confs->nelts);

#endif

    return NGX_OK;
}


#if (NGX_THREADS)

static void
ngx_vstream_s3_tick(ngx_event_t *ev)
{
    ngx_vstream_s3_conf_t      **confs;
    ngx_vstream_s3_task_ctx_t   *ctx;

    if (ngx_vstream_s3_stopping()) {
        return;
    }

    confs = ngx_vstream_s3_confs->elts;

    if (ngx_vstream_s3_own(1) != NGX_OK) {
        ngx_add_timer(ev, NGX_VSTREAM_S3_IDLE);
        return;
    }

    ctx = ngx_vstream_s3_task->ctx;
    ngx_memzero(ctx, sizeof(ngx_vstream_s3_task_ctx_t));
    ctx->confs = ngx_vstream_s3_confs;

    if (ngx_thread_task_post(confs[0]->pool, ngx_vstream_s3_task) != NGX_OK)
    {
        (void) ngx_vstream_s3_own(0);
        ngx_add_timer(ev, NGX_VSTREAM_S3_IDLE);
    }
}


/*
 * One task at a time in the whole server: after a reload the old worker 0
 * may still be uploading when the new one starts.  The zone remembers who
 * has a task in flight; a holder that died is no holder.
 */

static ngx_int_t
ngx_vstream_s3_own(ngx_uint_t take)
{
    ngx_vstream_shm_t  *shm;

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    return ngx_vstream_shm_hold(shm, &shm->sh->t.s3_owner, take);
}


/* back in the event loop: count, log once per outage, set the timer */

static void
ngx_vstream_s3_done(ngx_event_t *e)
{
    ngx_thread_task_t *task = e->data;

    ngx_msec_t                  next;
    ngx_vstream_s3_task_ctx_t  *ctx;

    ctx = task->ctx;
    next = NGX_VSTREAM_S3_IDLE;

    (void) ngx_vstream_s3_own(0);

    if (ctx->refreshed) {
        ngx_log_error(NGX_LOG_INFO, e->log, 0,
                      "vstream: S3 credentials of the instance role "
                      "fetched through IMDSv2");
    }

    switch (ctx->result) {

    case NGX_VSTREAM_S3_UPLOADED:
    case NGX_VSTREAM_S3_GONE:

        if (ctx->result == NGX_VSTREAM_S3_GONE && ctx->refused) {
            ngx_log_error(NGX_LOG_WARN, e->log, 0,
                          "vstream: S3: %s: not uploaded", ctx->err);

        } else if (ctx->result == NGX_VSTREAM_S3_GONE) {
            ngx_log_error(NGX_LOG_INFO, e->log, 0,
                          "vstream: S3: \"%s\" vanished before its upload",
                          ctx->key);
        }

        if (ngx_vstream_s3_failures) {
            ngx_log_error(NGX_LOG_NOTICE, e->log, 0,
                          "vstream: S3 uploads resumed after %ui failed "
                          "tries", ngx_vstream_s3_failures);
            ngx_vstream_s3_failures = 0;
        }

        ngx_vstream_s3_count(ctx->conf, ctx->result, ctx->bytes);
        next = NGX_VSTREAM_S3_NEXT;
        break;

    case NGX_VSTREAM_S3_FAILED:

        if (ngx_vstream_s3_failures++ == 0) {
            ngx_log_error(NGX_LOG_ERR, e->log, 0,
                          "vstream: S3 upload of \"%s\" failed: %s; "
                          "retrying with backoff up to %d s (logged once "
                          "until an upload succeeds)", ctx->key, ctx->err,
                          VSTREAM_S3_BACKOFF_MAX / 1000);
        }

        ngx_vstream_s3_count(ctx->conf, ctx->result, 0);
        next = vstream_s3_backoff(ngx_vstream_s3_failures);
        break;

    default: /* NGX_VSTREAM_S3_NOTHING */
        break;
    }

    if (!ngx_vstream_s3_stopping()) {
        ngx_add_timer(&ngx_vstream_s3_timer, next);
    }
}


static ngx_int_t
ngx_vstream_s3_stopping(void)
{
    return ngx_terminate || ngx_quit || ngx_exiting;
}


static void
ngx_vstream_s3_count(ngx_vstream_s3_conf_t *conf, ngx_uint_t result,
    off_t bytes)
{
    size_t                   len;
    ngx_uint_t               i;
    ngx_vstream_shm_t       *shm;
    ngx_vstream_totals_t    *t;
    ngx_vstream_s3_stats_t  *st;

    if (conf == NULL) {
        return;
    }

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
    t = &shm->sh->t;
    len = ngx_min(conf->app.len, NGX_VSTREAM_S3_APP_LEN);

    ngx_shmtx_lock(&shm->shpool->mutex);

    for (i = 0; i < t->s3_napps; i++) {
        if (t->s3[i].app_len == len
            && ngx_memcmp(t->s3[i].app, conf->app.data, len) == 0)
        {
            break;
        }
    }

    if (i == t->s3_napps && i < NGX_VSTREAM_S3_APPS) {
        t->s3_napps++;
        t->s3[i].app_len = len;
        ngx_memcpy(t->s3[i].app, conf->app.data, len);
    }

    if (i < NGX_VSTREAM_S3_APPS) {
        st = &t->s3[i];

        switch (result) {
        case NGX_VSTREAM_S3_UPLOADED:
            st->uploaded++;
            st->bytes += bytes;
            break;
        case NGX_VSTREAM_S3_FAILED:
            st->failed++;
            break;
        default:
            st->gone++;
        }
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


/* runs on a thread of the pool: at most one upload per task */

static void
ngx_vstream_s3_thread(void *data, ngx_log_t *log)
{
    ngx_vstream_s3_task_ctx_t *ctx = data;

    ngx_uint_t               i;
    ngx_vstream_s3_conf_t  **confs;

    confs = ctx->confs->elts;

    for (i = 0; i < ctx->confs->nelts; i++) {
        ctx->conf = confs[i];

        if (ngx_vstream_s3_app(ctx) != NGX_DECLINED
            || ngx_vstream_s3_stopping())
        {
            return;
        }
    }

    ctx->conf = NULL;
    ctx->result = NGX_VSTREAM_S3_NOTHING;
}


/* PATH/APP/NAME/ID, oldest ID of each name first; NGX_DECLINED: nothing */

static ngx_int_t
ngx_vstream_s3_app(ngx_vstream_s3_task_ctx_t *ctx)
{
    char                    dir[NGX_VSTREAM_S3_PATH_MAX];
    char                  **ids, *id;
    DIR                    *apps, *names;
    size_t                  nids, i;
    ngx_int_t               rc;
    struct dirent          *de, *ne;
    ngx_vstream_s3_conf_t  *conf;

    conf = ctx->conf;
    rc = NGX_DECLINED;

    if (ngx_snprintf((u_char *) dir, sizeof(dir) - 1, "%V/%V%Z", &conf->path,
                     &conf->app) == (u_char *) dir + sizeof(dir) - 1)
    {
        return NGX_DECLINED;
    }

    apps = opendir(dir);
    if (apps == NULL) {
        return NGX_DECLINED;
    }

    ids = malloc(NGX_VSTREAM_S3_IDS_MAX * sizeof(char *));
    if (ids == NULL) {
        closedir(apps);
        return NGX_DECLINED;
    }

    while (rc == NGX_DECLINED && (de = readdir(apps)) != NULL) {

        if (de->d_name[0] == '.'
            || ngx_snprintf((u_char *) dir, sizeof(dir) - 1, "%V/%V/%s%Z",
                            &conf->path, &conf->app, de->d_name)
               == (u_char *) dir + sizeof(dir) - 1)
        {
            continue;
        }

        names = opendir(dir);
        if (names == NULL) {
            continue;
        }

        nids = 0;

        while (nids < NGX_VSTREAM_S3_IDS_MAX
               && (ne = readdir(names)) != NULL)
        {
            if (ne->d_name[0] == '.') {
                continue;
            }

            id = strdup(ne->d_name);
            if (id) {
                ids[nids++] = id;
            }
        }

        closedir(names);

        qsort(ids, nids, sizeof(char *), ngx_vstream_s3_cmp);

        for (i = 0; i < nids; i++) {
            if (rc == NGX_DECLINED && !ngx_vstream_s3_stopping()) {
                rc = ngx_vstream_s3_recording(ctx, dir, de->d_name, ids[i]);
            }

            free(ids[i]);
        }
    }

    free(ids);
    closedir(apps);

    return rc;
}


static int
ngx_vstream_s3_cmp(const void *a, const void *b)
{
    return strcmp(*(char **) a, *(char **) b);
}


/*
 * One recording: its first listed segment not yet uploaded, or, when all
 * are and the playlist is final, the playlist.  NGX_DECLINED: nothing to do.
 */

static ngx_int_t
ngx_vstream_s3_recording(ngx_vstream_s3_task_ctx_t *ctx, const char *ndir,
    const char *name, const char *id)
{
    char                   rdir[NGX_VSTREAM_S3_PATH_MAX];
    char                   path[NGX_VSTREAM_S3_PATH_MAX];
    char                  *index, *uploaded, seg[NGX_VSTREAM_NAME_MAX + 2];
    ssize_t                n, un;
    ngx_int_t              rc;
    struct stat            sb;
    vstream_m3u8_t         pl;
    ngx_vstream_s3_find_t  find;

    if (ngx_snprintf((u_char *) rdir, sizeof(rdir) - 1, "%s/%s%Z", ndir, id)
        == (u_char *) rdir + sizeof(rdir) - 1)
    {
        return NGX_DECLINED;
    }

    ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/s3.done%Z", rdir);

    if (stat(path, &sb) == 0) {
        return NGX_DECLINED;
    }

    ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/index.m3u8%Z", rdir);

    n = ngx_vstream_s3_read_file(path, &index, NGX_VSTREAM_S3_PLAYLIST_MAX);
    if (n < 0) {
        return NGX_DECLINED;
    }

    ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/s3.uploaded%Z",
                 rdir);

    un = ngx_vstream_s3_read_file(path, &uploaded,
                                  NGX_VSTREAM_S3_PLAYLIST_MAX);
    if (un < 0) {
        uploaded = NULL;
        un = 0;
    }

    find.dir = rdir;
    find.uploaded = uploaded;
    find.uploaded_len = (size_t) un;
    find.uri = NULL;
    find.len = 0;

    rc = NGX_DECLINED;

    if (vstream_m3u8_parse((u_char *) index, (size_t) n, &pl,
                           ngx_vstream_s3_find, &find)
        != 0)
    {
        goto done;
    }

    if (find.uri) {
        ngx_memcpy(seg, find.uri, find.len);
        seg[find.len] = '\0';

        ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/%s%Z", rdir, seg);

        rc = ngx_vstream_s3_upload(ctx, path, seg, find.len, ndir, id);

        if (rc == NGX_OK || ctx->result == NGX_VSTREAM_S3_GONE) {
            /* noted first, removed after: at worst uploaded twice */
            seg[find.len] = '\n';
            ngx_snprintf((u_char *) path, sizeof(path) - 1,
                         "%s/s3.uploaded%Z", rdir);

            if (ngx_vstream_s3_note(path, seg, find.len + 1) != NGX_OK) {
                ctx->result = NGX_VSTREAM_S3_FAILED;
                ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                             "cannot write \"%s\": %s%Z", path,
                            strerror(errno));
                goto done;
            }

            if (rc == NGX_OK) {
                seg[find.len] = '\0';
                ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/%s%Z",
                             rdir, seg);
                (void) unlink(path);
            }
        }

        rc = NGX_OK;
        goto done;
    }

    if (!pl.endlist) {
        goto done;
    }

    ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/index.m3u8%Z", rdir);

    if (ngx_vstream_s3_upload(ctx, path, "index.m3u8",
                              sizeof("index.m3u8") - 1, ndir, id)
        == NGX_OK)
    {
        ngx_snprintf((u_char *) path, sizeof(path) - 1, "%s/s3.done%Z",
                     rdir);

        if (ngx_vstream_s3_note(path, ctx->key, ngx_strlen(ctx->key))
            != NGX_OK)
        {
            ctx->result = NGX_VSTREAM_S3_FAILED;
            ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "cannot write \"%s\": %s%Z",
                        path, strerror(errno));
        }

        /* what a worker killed between a note and its unlink left */
        (void) vstream_m3u8_parse((u_char *) index, (size_t) n, &pl,
                                  ngx_vstream_s3_sweep, &find);
    }

    rc = NGX_OK;

done:

    free(index);

    if (uploaded) {
        free(uploaded);
    }

    return rc;
}


static int
ngx_vstream_s3_find(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_s3_find_t *find = data;

    if (ngx_vstream_s3_uploaded(find, uri, len) != 0) {
        return 0;
    }

    find->uri = uri;
    find->len = len;

    return 1;
}


static int
ngx_vstream_s3_sweep(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_s3_find_t *find = data;

    u_char  path[NGX_VSTREAM_S3_PATH_MAX];

    if (ngx_vstream_s3_uploaded(find, uri, len) == 1) {
        ngx_snprintf(path, sizeof(path) - 1, "%s/%*s%Z", find->dir, len, uri);
        (void) unlink((char *) path);
    }

    return 0;
}


/*
 * 1: a segment of the directory that is uploaded, 0: one that is not,
 * -1: not a plain file of the directory the recorder wrote (skipped)
 */

static ngx_int_t
ngx_vstream_s3_uploaded(ngx_vstream_s3_find_t *find, const unsigned char *uri,
    size_t len)
{
    if (len > NGX_VSTREAM_NAME_MAX
        || !vstream_name_is_safe(uri, len)
        || (len >= 2 && uri[0] == 's' && uri[1] == '3'))
    {
        return -1;
    }

    return vstream_s3_listed(find->uploaded, find->uploaded_len,
                             (const char *) uri, len);
}


/*
 * PUTs a file under PREFIX/APP/NAME/ID/FILE; ndir is PATH/APP/NAME.
 * NGX_OK: S3 answered 2xx; else ctx->result says failed or gone.
 */

/* a listed name that is not a regular file: noted and counted as gone */

static ngx_int_t
ngx_vstream_s3_refuse(ngx_vstream_s3_task_ctx_t *ctx, const char *file)
{
    ctx->result = NGX_VSTREAM_S3_GONE;
    ctx->refused = 1;
    ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                 "\"%s\" is a symbolic link or not a regular file%Z", file);

    return NGX_ERROR;
}


static ngx_int_t
ngx_vstream_s3_upload(ngx_vstream_s3_task_ctx_t *ctx, const char *file,
    const char *name, size_t name_len, const char *ndir, const char *id)
{
    int                     fd;
    u_char                  buf[65536], sha[EVP_MAX_MD_SIZE];
    FILE                   *fp;
    size_t                  n;
    EVP_MD_CTX             *md;
    const char             *sname;
    struct stat             sb;
    ngx_vstream_s3_conf_t  *conf;

    conf = ctx->conf;

    sname = strrchr(ndir, '/');
    sname = sname ? sname + 1 : ndir;

    if (vstream_s3_key(ctx->key, sizeof(ctx->key), (char *) conf->prefix.data,
                       conf->prefix.len, (char *) conf->app.data,
                       conf->app.len, sname, strlen(sname), id, strlen(id),
                       name, name_len)
        < 0)
    {
        ctx->result = NGX_VSTREAM_S3_GONE;
        return NGX_ERROR;
    }

    /*
     * The recorder writes hard links and plain files only: a symbolic link
     * (or anything but a regular file) is never followed, so nothing
     * outside the recording reaches the bucket
     */

    fd = open(file, O_RDONLY|O_NOFOLLOW|O_NONBLOCK);

    if (fd == -1) {
        if (errno == ELOOP) {
            return ngx_vstream_s3_refuse(ctx, file);
        }

        ctx->result = (errno == ENOENT) ? NGX_VSTREAM_S3_GONE
                                        : NGX_VSTREAM_S3_FAILED;
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "cannot open \"%s\": %s%Z", file,
                    strerror(errno));
        return NGX_ERROR;
    }

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return ngx_vstream_s3_refuse(ctx, file);
    }

    fp = fdopen(fd, "rb");

    if (fp == NULL) {
        close(fd);
        ctx->result = NGX_VSTREAM_S3_FAILED;
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "cannot read \"%s\": %s%Z", file, strerror(errno));
        return NGX_ERROR;
    }

    /* the payload's hash is signed too (x-amz-content-sha256) */

    md = EVP_MD_CTX_new();

    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        fclose(fp);
        ctx->result = NGX_VSTREAM_S3_FAILED;
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "no SHA-256%Z");
        return NGX_ERROR;
    }

    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        EVP_DigestUpdate(md, buf, n);
    }

    EVP_DigestFinal_ex(md, sha, NULL);
    EVP_MD_CTX_free(md);

    if (ferror(fp) || fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        ctx->result = NGX_VSTREAM_S3_FAILED;
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "cannot read \"%s\"%Z", file);
        return NGX_ERROR;
    }

    ctx->bytes = sb.st_size;

    if (ngx_vstream_s3_put(ctx, fp, sb.st_size, sha,
                           vstream_s3_content_type(name, name_len))
        != NGX_OK)
    {
        fclose(fp);
        ctx->result = NGX_VSTREAM_S3_FAILED;
        return NGX_ERROR;
    }

    fclose(fp);
    ctx->result = NGX_VSTREAM_S3_UPLOADED;

    return NGX_OK;
}


static ngx_int_t
ngx_vstream_s3_put(ngx_vstream_s3_task_ctx_t *ctx, FILE *fp, off_t size,
    const u_char *sha256, const char *ctype)
{
    u_char                  hdr[VSTREAM_S3_TOKEN_MAX + 64];
    u_char                  url[NGX_VSTREAM_S3_PATH_MAX * 3 + 256];
    u_char                  sigv4[64];
    long                    status;
    CURL                   *curl;
    struct curl_slist      *headers, *h;
    vstream_s3_creds_t     *creds;
    ngx_vstream_s3_conf_t  *conf;

    conf = ctx->conf;

    creds = ngx_vstream_s3_creds(ctx);
    if (creds == NULL) {
        return NGX_ERROR;
    }

    if (vstream_s3_url((char *) url, sizeof(url), (char *) conf->endpoint.data,
                       conf->endpoint.len, (char *) conf->bucket.data,
                       (char *) conf->region.data, ctx->key)
        < 0)
    {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "the URL is too long%Z");
        return NGX_ERROR;
    }

    curl = ngx_vstream_s3_curl();
    if (curl == NULL) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "curl_easy_init() failed%Z");
        return NGX_ERROR;
    }

    headers = NULL;

    ngx_snprintf(hdr, sizeof(hdr) - 1, "Content-Type: %s%Z", ctype);
    h = curl_slist_append(headers, (char *) hdr);
    if (h == NULL) {
        goto failed;
    }
    headers = h;

    *ngx_hex_dump(ngx_cpymem(hdr, "x-amz-content-sha256: ",
                             sizeof("x-amz-content-sha256: ") - 1),
                  (u_char *) sha256, 32) = '\0';
    h = curl_slist_append(headers, (char *) hdr);
    if (h == NULL) {
        goto failed;
    }
    headers = h;

    if (creds->token[0]) {
        ngx_snprintf(hdr, sizeof(hdr) - 1, "x-amz-security-token: %s%Z",
                     creds->token);
        h = curl_slist_append(headers, (char *) hdr);
        if (h == NULL) {
            goto failed;
        }
        headers = h;
    }

    /* no 100-continue round trip */
    h = curl_slist_append(headers, "Expect:");
    if (h == NULL) {
        goto failed;
    }
    headers = h;

    ngx_snprintf(sigv4, sizeof(sigv4) - 1, "aws:amz:%V:s3%Z", &conf->region);

    curl_easy_setopt(curl, CURLOPT_URL, (char *) url);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READDATA, fp);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) size);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, (char *) sigv4);
    curl_easy_setopt(curl, CURLOPT_USERNAME, creds->key_id);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, creds->secret);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) NGX_VSTREAM_S3_TIMEOUT);

    status = ngx_vstream_s3_perform(ctx, curl, headers, "S3");

    if ((status == 400 || status == 403) && conf->credentials.len == 0) {
        /* the role's credentials may have been revoked: fetch anew */
        conf->creds->expiration = 0;
    }

    return (status >= 200 && status < 300) ? NGX_OK : NGX_ERROR;

failed:

    ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                 "out of memory%Z");
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    return NGX_ERROR;
}


/* the credentials file's, or the instance role's, fetched when due */

static vstream_s3_creds_t *
ngx_vstream_s3_creds(ngx_vstream_s3_task_ctx_t *ctx)
{
    size_t                  len;
    time_t                  now;
    const char             *err;
    u_char                  path[256];
    vstream_s3_creds_t      creds;
    ngx_vstream_s3_body_t   body;
    ngx_vstream_s3_conf_t  *conf;

    conf = ctx->conf;

    if (conf->credentials.len) {
        return conf->creds;
    }

    now = time(NULL);

    if (conf->creds->key_id[0]
        && conf->creds->expiration - NGX_VSTREAM_S3_EARLY > now)
    {
        return conf->creds;
    }

    body.buf = malloc(NGX_VSTREAM_S3_BODY_MAX);
    if (body.buf == NULL) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "out of memory%Z");
        return NULL;
    }

    body.size = NGX_VSTREAM_S3_BODY_MAX;

    if (conf->token[0] == '\0' || conf->token_expires - 60 <= now) {
        if (ngx_vstream_s3_imds(ctx, "PUT", "/latest/api/token", &body)
            != NGX_OK)
        {
            goto failed;
        }

        if (body.len == 0 || body.len > VSTREAM_S3_TOKEN_MAX) {
            ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "IMDS gave no token%Z");
            goto failed;
        }

        ngx_memcpy(conf->token, body.buf, body.len);
        conf->token[body.len] = '\0';
        conf->token_expires = now + NGX_VSTREAM_S3_TOKEN_TTL;
    }

    if (ngx_vstream_s3_imds(ctx, "GET",
                            "/latest/meta-data/iam/security-credentials/",
                            &body)
        != NGX_OK)
    {
        goto failed;
    }

    len = vstream_s3_role_name(body.buf, body.len);
    if (len == 0) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "IMDS names no instance role%Z");
        goto failed;
    }

    ngx_snprintf(path, sizeof(path) - 1,
                 "/latest/meta-data/iam/security-credentials/%*s%Z",
                 len, body.buf);

    if (ngx_vstream_s3_imds(ctx, "GET", (char *) path, &body) != NGX_OK) {
        goto failed;
    }

    if (vstream_s3_parse_imds(body.buf, body.len, &creds, &err) != 0) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "the instance role's credentials: %s%Z", err);
        goto failed;
    }

    *conf->creds = creds;
    ctx->refreshed = 1;

    ngx_explicit_memzero(body.buf, body.size);
    ngx_explicit_memzero(&creds, sizeof(vstream_s3_creds_t));
    free(body.buf);

    return conf->creds;

failed:

    ngx_explicit_memzero(body.buf, body.size);
    free(body.buf);

    return NULL;
}


static ngx_int_t
ngx_vstream_s3_imds(ngx_vstream_s3_task_ctx_t *ctx, const char *method,
    const char *path, ngx_vstream_s3_body_t *body)
{
    u_char                  url[512], hdr[VSTREAM_S3_TOKEN_MAX + 64];
    long                    status;
    CURL                   *curl;
    struct curl_slist      *headers;
    ngx_vstream_s3_conf_t  *conf;

    conf = ctx->conf;
    body->len = 0;

    curl = ngx_vstream_s3_curl();
    if (curl == NULL) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "curl_easy_init() failed%Z");
        return NGX_ERROR;
    }

    ngx_snprintf(url, sizeof(url) - 1, "%V%s%Z", &conf->imds, path);

    if (ngx_strcmp(method, "PUT") == 0) {
        ngx_snprintf(hdr, sizeof(hdr) - 1,
                     "X-aws-ec2-metadata-token-ttl-seconds: %d%Z",
                     NGX_VSTREAM_S3_TOKEN_TTL);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");

    } else {
        ngx_snprintf(hdr, sizeof(hdr) - 1, "X-aws-ec2-metadata-token: %s%Z",
                     conf->token);
    }

    headers = curl_slist_append(NULL, (char *) hdr);

    if (headers == NULL) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                     "out of memory%Z");
        curl_easy_cleanup(curl);
        return NGX_ERROR;
    }

    curl_easy_setopt(curl, CURLOPT_URL, (char *) url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ngx_vstream_s3_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     (long) NGX_VSTREAM_S3_IMDS_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) NGX_VSTREAM_S3_IMDS_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);

    status = ngx_vstream_s3_perform(ctx, curl, headers, "IMDS");

    if (status == 401) {
        /* the token expired or was refused: a new one next time */
        conf->token[0] = '\0';
    }

    return (status == 200) ? NGX_OK : NGX_ERROR;
}


/*
 * Performs a request and frees it: the HTTP status, or -1 when there is
 * none; what went wrong is in ctx->err.
 */

static long
ngx_vstream_s3_perform(ngx_vstream_s3_task_ctx_t *ctx, CURL *curl,
    struct curl_slist *headers, const char *what)
{
    long      status;
    CURLcode  code;

    status = -1;

    code = curl_easy_perform(curl);

    if (code != CURLE_OK) {
        ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1, "%s: %s%Z",
                     what, curl_easy_strerror(code));

    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

        if (status < 200 || status > 299) {
            ngx_snprintf((u_char *) ctx->err, sizeof(ctx->err) - 1,
                         "%s answered HTTP %l%Z", what, status);
        }
    }

    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    return status;
}


static CURL *
ngx_vstream_s3_curl(void)
{
    CURL  *curl;

    curl = curl_easy_init();
    if (curl == NULL) {
        return NULL;
    }

    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) NGX_VSTREAM_S3_CONNECT);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, ngx_vstream_s3_progress);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ngx_vstream_s3_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vstream/" NGX_VSTREAM_VERSION);

    return curl;
}


/* an answer body into a bounded buffer; none kept without one */

static size_t
ngx_vstream_s3_write(char *p, size_t size, size_t n, void *data)
{
    ngx_vstream_s3_body_t *body = data;

    size_t  len;

    len = size * n;

    if (body == NULL) {
        return len;
    }

    if (len >= body->size - body->len) {
        return 0;
    }

    ngx_memcpy(body->buf + body->len, p, len);
    body->len += len;

    return len;
}


static int
ngx_vstream_s3_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
    /* a shutting-down worker abandons an upload at once */
    return ngx_vstream_s3_stopping() ? 1 : 0;
}


/* a whole small file, malloc()ed; -1 if missing or larger than max */

static ssize_t
ngx_vstream_s3_read_file(const char *path, char **buf, size_t max)
{
    int          fd;
    char        *p;
    ssize_t      n;
    struct stat  sb;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return -1;
    }

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)
        || (size_t) sb.st_size > max)
    {
        close(fd);
        return -1;
    }

    p = malloc((size_t) sb.st_size + 1);
    if (p == NULL) {
        close(fd);
        return -1;
    }

    n = read(fd, p, (size_t) sb.st_size);
    close(fd);

    if (n < 0) {
        free(p);
        return -1;
    }

    *buf = p;

    return n;
}


/* appends a line to one of the uploader's files, durably */

static ngx_int_t
ngx_vstream_s3_note(const char *path, const char *line, size_t len)
{
    int      fd;
    ssize_t  n;

    fd = open(path, O_WRONLY|O_CREAT|O_APPEND, 0644);
    if (fd == -1) {
        return NGX_ERROR;
    }

    n = write(fd, line, len);

    if (n != (ssize_t) len || fsync(fd) != 0) {
        close(fd);
        return NGX_ERROR;
    }

    close(fd);

    return NGX_OK;
}

#endif
