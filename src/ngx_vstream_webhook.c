
/*
 * vstream: webhooks.  The RTMP part queues an event in the worker; one task
 * at a time carries the oldest event to an nginx thread pool, where libcurl
 * POSTs it (a JSON body made with Jansson) with timeouts and bounded
 * retries.  The event loop never waits on the network.
 *
 * Events of publishes that started (publish, publish_done) and refusals
 * (publish_denied) wait in two queues with budgets of their own, so that
 * clients anyone can open never push out what a real stream did: accepted
 * events go first, in order, and are dropped (oldest first, counted) only
 * past a budget that holds thousands; refusals wait in a small queue, where
 * a refusal of the same application, address and reason as one still
 * waiting only adds to that event's count.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "ngx_vstream.h"
#include "ngx_vstream_webhook.h"

#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif


#define NGX_VSTREAM_WEBHOOK_QUEUE     4096    /* accepted events */
#define NGX_VSTREAM_WEBHOOK_DENIALS   64      /* refusals, coalesced */
#define NGX_VSTREAM_WEBHOOK_TRIES     3
#define NGX_VSTREAM_WEBHOOK_CONNECT   2000
#define NGX_VSTREAM_WEBHOOK_TIMEOUT   5000
#define NGX_VSTREAM_WEBHOOK_BACKOFF   250
#define NGX_VSTREAM_WEBHOOK_SLICE     50


typedef struct {
    ngx_queue_t                  queue;
    ngx_vstream_webhook_conf_t  *conf;
    char                        *body;     /* made when it is sent */
    size_t                       len;
    ngx_uint_t                   event;
    ngx_uint_t                   reason;
    ngx_uint_t                   count;    /* refusals it stands for */
    time_t                       at;
    uint16_t                     app_len;
    uint16_t                     name_len;
    uint16_t                     addr_len;
    u_char                       addr[NGX_VSTREAM_ADDR_LEN];
    u_char                       data[1];  /* app, then name */
} ngx_vstream_webhook_event_t;


#if (NGX_THREADS)

typedef struct {
    ngx_vstream_webhook_event_t *ev;
    ngx_int_t                    delivered;
    long                         status;
    CURLcode                     code;
    ngx_uint_t                   tries;
} ngx_vstream_webhook_task_ctx_t;


static void ngx_vstream_webhook_post(ngx_log_t *log);
static void ngx_vstream_webhook_thread(void *data, ngx_log_t *log);
static void ngx_vstream_webhook_done(ngx_event_t *ev);
static int ngx_vstream_webhook_progress(void *p, curl_off_t dltotal,
    curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static ngx_int_t ngx_vstream_webhook_stopping(void);

static char *ngx_vstream_webhook_body(ngx_vstream_webhook_event_t *ev);
static ngx_vstream_webhook_event_t *ngx_vstream_webhook_coalesce(
    ngx_vstream_webhook_conf_t *conf, ngx_str_t *app, ngx_str_t *addr,
    ngx_uint_t reason);
static void ngx_vstream_webhook_free(ngx_vstream_webhook_event_t *ev);
static void ngx_vstream_webhook_drop(ngx_log_t *log, const char *what);

static ngx_queue_t         ngx_vstream_webhook_events;
static ngx_uint_t          ngx_vstream_webhook_nevents;
static ngx_queue_t         ngx_vstream_webhook_denials;
static ngx_uint_t          ngx_vstream_webhook_ndenials;
static ngx_thread_task_t  *ngx_vstream_webhook_task;
static ngx_uint_t          ngx_vstream_webhook_busy;

#endif


static char *ngx_vstream_webhook_names[] = {
    "publish",
    "publish_done",
    "publish_denied"
};


char *
ngx_vstream_webhook_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_vstream_webhook_conf_t  *wh = (ngx_vstream_webhook_conf_t *)
                                          ((u_char *) conf + cmd->offset);

    ngx_str_t  *value;

    if (wh->url.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strncasecmp(value[1].data, (u_char *) "http://", 7) != 0
        && ngx_strncasecmp(value[1].data, (u_char *) "https://", 8) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URL \"%V\" in \"%V\": "
                           "http:// or https:// expected",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* libcurl wants it NUL-terminated; configuration strings are */
    wh->url = value[1];

    return NGX_CONF_OK;
}


void
ngx_vstream_webhook_create_conf(ngx_vstream_webhook_conf_t *conf)
{
    conf->secret = NGX_CONF_UNSET_PTR;
}


char *
ngx_vstream_webhook_merge_conf(ngx_conf_t *cf,
    ngx_vstream_webhook_conf_t *conf, ngx_vstream_webhook_conf_t *prev)
{
    ngx_conf_merge_str_value(conf->url, prev->url, "");
    ngx_conf_merge_ptr_value(conf->secret, prev->secret, NULL);
    ngx_conf_merge_str_value(conf->ca_file, prev->ca_file, "");
    ngx_conf_merge_str_value(conf->pool_name, prev->pool_name, "default");

    if (conf->url.len == 0) {
        return NGX_CONF_OK;
    }

#if (NGX_THREADS)

    conf->pool = ngx_thread_pool_add(cf, &conf->pool_name);
    if (conf->pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"vstream_webhook\" needs nginx built with thread "
                       "pools (--with-threads)");
    return NGX_CONF_ERROR;

#endif
}


/* queues an event: a copy of what it says, bounded; no body yet */

void
ngx_vstream_webhook_event(ngx_vstream_webhook_conf_t *conf, ngx_uint_t event,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *addr, ngx_uint_t reason,
    ngx_log_t *log)
{
#if (NGX_THREADS)
    size_t                        app_len, name_len;
    ngx_queue_t                  *q;
    ngx_vstream_webhook_event_t  *ev, *old;

    if (conf->url.len == 0 || conf->pool == NULL) {
        return;
    }

    if (event == NGX_VSTREAM_EVENT_DENIED) {
        ev = ngx_vstream_webhook_coalesce(conf, app, addr, reason);

        if (ev) {
            ev->count++;
            return;
        }

        if (ngx_vstream_webhook_ndenials >= NGX_VSTREAM_WEBHOOK_DENIALS) {
            /* a refusal never pushes anything out: it is the one dropped */
            ngx_vstream_webhook_drop(log, "refusal");
            return;
        }
    }

    app_len = ngx_min(app->len, NGX_VSTREAM_NAME_MAX);
    name_len = ngx_min(name->len, NGX_VSTREAM_NAME_MAX);

    ev = ngx_alloc(offsetof(ngx_vstream_webhook_event_t, data)
                   + app_len + name_len, log);
    if (ev == NULL) {
        ngx_vstream_webhook_drop(log, "event");
        return;
    }

    ev->conf = conf;
    ev->body = NULL;
    ev->len = 0;
    ev->event = event;
    ev->reason = reason;
    ev->count = 1;
    ev->at = ngx_time();
    ev->app_len = app_len;
    ev->name_len = name_len;
    ev->addr_len = ngx_min(addr->len, NGX_VSTREAM_ADDR_LEN);
    ngx_memcpy(ev->addr, addr->data, ev->addr_len);
    ngx_memcpy(ev->data, app->data, app_len);
    ngx_memcpy(ev->data + app_len, name->data, name_len);

    if (event == NGX_VSTREAM_EVENT_DENIED) {
        ngx_queue_insert_tail(&ngx_vstream_webhook_denials, &ev->queue);
        ngx_vstream_webhook_ndenials++;

    } else {
        if (ngx_vstream_webhook_nevents >= NGX_VSTREAM_WEBHOOK_QUEUE) {
            q = ngx_queue_head(&ngx_vstream_webhook_events);
            ngx_queue_remove(q);
            ngx_vstream_webhook_nevents--;

            old = ngx_queue_data(q, ngx_vstream_webhook_event_t, queue);
            ngx_vstream_webhook_free(old);

            ngx_vstream_webhook_drop(log, "oldest event");
        }

        ngx_queue_insert_tail(&ngx_vstream_webhook_events, &ev->queue);
        ngx_vstream_webhook_nevents++;
    }

    ngx_vstream_webhook_post(log);

#endif
}


ngx_int_t
ngx_vstream_webhook_init_process(ngx_cycle_t *cycle)
{
#if (NGX_THREADS)

    ngx_queue_init(&ngx_vstream_webhook_events);
    ngx_vstream_webhook_nevents = 0;
    ngx_queue_init(&ngx_vstream_webhook_denials);
    ngx_vstream_webhook_ndenials = 0;
    ngx_vstream_webhook_busy = 0;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "vstream: curl_global_init() failed");
        return NGX_ERROR;
    }

    ngx_vstream_webhook_task = ngx_thread_task_alloc(cycle->pool,
                                   sizeof(ngx_vstream_webhook_task_ctx_t));
    if (ngx_vstream_webhook_task == NULL) {
        return NGX_ERROR;
    }

    ngx_vstream_webhook_task->handler = ngx_vstream_webhook_thread;
    ngx_vstream_webhook_task->event.handler = ngx_vstream_webhook_done;
    ngx_vstream_webhook_task->event.data = ngx_vstream_webhook_task;
    ngx_vstream_webhook_task->event.log = cycle->log;

#endif

    return NGX_OK;
}


#if (NGX_THREADS)

/*
 * Hands the oldest event to the thread pool unless one is in flight:
 * accepted events first, then refusals.  The body is made here, in the
 * event loop (small and bounded), so a refusal's count is the latest.
 */

static void
ngx_vstream_webhook_post(ngx_log_t *log)
{
    ngx_queue_t                     *q;
    ngx_thread_task_t               *task;
    ngx_vstream_webhook_event_t     *ev;
    ngx_vstream_webhook_task_ctx_t  *ctx;

    task = ngx_vstream_webhook_task;

    if (ngx_vstream_webhook_busy || task == NULL) {
        return;
    }

    for ( ;; ) {

        if (!ngx_queue_empty(&ngx_vstream_webhook_events)) {
            q = ngx_queue_head(&ngx_vstream_webhook_events);
            ngx_vstream_webhook_nevents--;

        } else if (!ngx_queue_empty(&ngx_vstream_webhook_denials)) {
            q = ngx_queue_head(&ngx_vstream_webhook_denials);
            ngx_vstream_webhook_ndenials--;

        } else {
            return;
        }

        ngx_queue_remove(q);
        ev = ngx_queue_data(q, ngx_vstream_webhook_event_t, queue);

        ev->body = ngx_vstream_webhook_body(ev);

        if (ev->body) {
            ev->len = ngx_strlen(ev->body);
            break;
        }

        ngx_vstream_webhook_free(ev);
        ngx_vstream_webhook_drop(log, "event without a body");
    }

    ctx = task->ctx;
    ngx_memzero(ctx, sizeof(ngx_vstream_webhook_task_ctx_t));
    ctx->ev = ev;

    if (ngx_thread_task_post(ev->conf->pool, task) != NGX_OK) {
        ngx_vstream_webhook_free(ev);
        ngx_vstream_webhook_drop(log, "event not posted");
        return;
    }

    ngx_vstream_webhook_busy = 1;
}


static char *
ngx_vstream_webhook_body(ngx_vstream_webhook_event_t *ev)
{
    u_char     at[NGX_VSTREAM_RFC3339_LEN];
    char      *body;
    json_t    *obj, *s;
    ngx_str_t *reason;

    ngx_vstream_time_rfc3339(at, ev->at);

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    json_object_set_new(obj, "event",
                        json_string(ngx_vstream_webhook_names[ev->event]));

    /* a refused name may be any bytes: not valid UTF-8 means null */

    s = json_stringn((char *) ev->data, ev->app_len);
    json_object_set_new(obj, "app", s ? s : json_null());

    s = json_stringn((char *) ev->data + ev->app_len, ev->name_len);
    json_object_set_new(obj, "stream", s ? s : json_null());

    json_object_set_new(obj, "addr",
                        json_stringn((char *) ev->addr, ev->addr_len));
    json_object_set_new(obj, "at", json_stringn((char *) at, sizeof(at)));
    json_object_set_new(obj, "worker_pid", json_integer(ngx_pid));

    if (ev->event == NGX_VSTREAM_EVENT_DENIED) {
        reason = &ngx_vstream_reasons[ev->reason];
        json_object_set_new(obj, "reason",
                            json_stringn((char *) reason->data, reason->len));
        json_object_set_new(obj, "count", json_integer(ev->count));
    }

    body = json_dumps(obj, JSON_COMPACT|JSON_SORT_KEYS);
    json_decref(obj);

    return body;
}


/* a refusal like one still waiting: same receiver, app, address, reason */

static ngx_vstream_webhook_event_t *
ngx_vstream_webhook_coalesce(ngx_vstream_webhook_conf_t *conf,
    ngx_str_t *app, ngx_str_t *addr, ngx_uint_t reason)
{
    ngx_queue_t                  *q;
    ngx_vstream_webhook_event_t  *ev;

    for (q = ngx_queue_head(&ngx_vstream_webhook_denials);
         q != ngx_queue_sentinel(&ngx_vstream_webhook_denials);
         q = ngx_queue_next(q))
    {
        ev = ngx_queue_data(q, ngx_vstream_webhook_event_t, queue);

        if (ev->conf == conf && ev->reason == reason
            && ev->app_len == ngx_min(app->len, NGX_VSTREAM_NAME_MAX)
            && ev->addr_len == ngx_min(addr->len, NGX_VSTREAM_ADDR_LEN)
            && ngx_memcmp(ev->addr, addr->data, ev->addr_len) == 0
            && ngx_memcmp(ev->data, app->data, ev->app_len) == 0)
        {
            return ev;
        }
    }

    return NULL;
}


static void
ngx_vstream_webhook_free(ngx_vstream_webhook_event_t *ev)
{
    if (ev->body) {
        free(ev->body);
    }

    ngx_free(ev);
}


static void
ngx_vstream_webhook_drop(ngx_log_t *log, const char *what)
{
    ngx_vstream_shm_t  *shm;

    ngx_log_error(NGX_LOG_WARN, log, 0,
                  "vstream: webhook queue: dropped the %s", what);

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
    ngx_vstream_shm_count(shm, &shm->sh->t.webhook_dropped, 1);
}


static ngx_int_t
ngx_vstream_webhook_stopping(void)
{
    return ngx_terminate || ngx_quit || ngx_exiting;
}


static int
ngx_vstream_webhook_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
    /* a shutting-down worker abandons a slow receiver at once */
    return ngx_vstream_webhook_stopping() ? 1 : 0;
}


/* runs on a thread of the pool */

static void
ngx_vstream_webhook_thread(void *data, ngx_log_t *log)
{
    ngx_vstream_webhook_task_ctx_t *ctx = data;

    u_char                        mac[EVP_MAX_MD_SIZE];
    u_char                        sig[sizeof("X-Vstream-Signature: sha256=")
                                      + 2 * EVP_MAX_MD_SIZE];
    CURL                         *curl;
    ngx_uint_t                    i;
    ngx_msec_t                    backoff;
    unsigned int                  maclen;
    struct curl_slist            *headers, *h;
    ngx_vstream_webhook_event_t  *ev;

    ev = ctx->ev;
    headers = NULL;

    curl = curl_easy_init();
    if (curl == NULL) {
        ctx->code = CURLE_FAILED_INIT;
        return;
    }

    h = curl_slist_append(headers, "Content-Type: application/json");
    if (h) {
        headers = h;
    }

    if (ev->conf->secret) {
        if (HMAC(EVP_sha256(), ev->conf->secret->value.data,
                 (int) ev->conf->secret->value.len, (u_char *) ev->body,
                 ev->len, mac, &maclen)
            != NULL)
        {
            *ngx_hex_dump(ngx_cpymem(sig, "X-Vstream-Signature: sha256=",
                                     sizeof("X-Vstream-Signature: sha256=")
                                     - 1),
                          mac, maclen) = '\0';

            h = curl_slist_append(headers, (char *) sig);
            if (h) {
                headers = h;
            }
        }
    }

    curl_easy_setopt(curl, CURLOPT_URL, (char *) ev->conf->url.data);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, ev->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) ev->len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) NGX_VSTREAM_WEBHOOK_CONNECT);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     (long) NGX_VSTREAM_WEBHOOK_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION,
                     ngx_vstream_webhook_progress);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vstream/" NGX_VSTREAM_VERSION);

    if (ev->conf->ca_file.len) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, (char *) ev->conf->ca_file.data);
    }

    for (i = 0; i < NGX_VSTREAM_WEBHOOK_TRIES; i++) {

        if (i) {
            /*
             * back off 250 ms, then 1 s, in slices: a worker that is
             * stopping gives up within one
             */
            backoff = NGX_VSTREAM_WEBHOOK_BACKOFF << (2 * (i - 1));

            while (backoff && !ngx_vstream_webhook_stopping()) {
                ngx_msleep(ngx_min(backoff, NGX_VSTREAM_WEBHOOK_SLICE));
                backoff -= ngx_min(backoff, NGX_VSTREAM_WEBHOOK_SLICE);
            }
        }

        if (ngx_vstream_webhook_stopping()) {
            break;
        }

        ctx->tries++;
        ctx->code = curl_easy_perform(curl);

        if (ctx->code == CURLE_OK) {
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ctx->status);

            if (ctx->status >= 200 && ctx->status < 300) {
                ctx->delivered = 1;
                break;
            }
        }
    }

    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
}


/* back in the event loop: count, log, and send the next event */

static void
ngx_vstream_webhook_done(ngx_event_t *e)
{
    ngx_thread_task_t               *task = e->data;

    ngx_vstream_shm_t               *shm;
    ngx_vstream_webhook_event_t     *ev;
    ngx_vstream_webhook_task_ctx_t  *ctx;

    ctx = task->ctx;
    ev = ctx->ev;

    ngx_vstream_webhook_busy = 0;

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    if (ctx->delivered) {
        ngx_vstream_shm_count(shm, &shm->sh->t.webhook_delivered, 1);

    } else {
        if (ctx->code == CURLE_OK) {
            ngx_log_error(NGX_LOG_ERR, e->log, 0,
                          "vstream: webhook \"%s\" to %V failed after %ui "
                          "tries: the receiver answered HTTP %l",
                          ngx_vstream_webhook_names[ev->event],
                          &ev->conf->url, ctx->tries, ctx->status);

        } else {
            ngx_log_error(NGX_LOG_ERR, e->log, 0,
                          "vstream: webhook \"%s\" to %V failed after %ui "
                          "tries: %s",
                          ngx_vstream_webhook_names[ev->event],
                          &ev->conf->url, ctx->tries,
                          curl_easy_strerror(ctx->code));
        }

        ngx_vstream_shm_count(shm, &shm->sh->t.webhook_failed, 1);
    }

    ngx_vstream_webhook_free(ev);

    ngx_vstream_webhook_post(e->log);
}

#endif
