
/*
 * vstream: webhooks.  Events are queued by the RTMP part and delivered by
 * libcurl on an nginx thread pool, never in the event loop.
 */


#ifndef _NGX_VSTREAM_WEBHOOK_H_INCLUDED_
#define _NGX_VSTREAM_WEBHOOK_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"


typedef enum {
    NGX_VSTREAM_EVENT_PUBLISH = 0,
    NGX_VSTREAM_EVENT_PUBLISH_DONE,
    NGX_VSTREAM_EVENT_DENIED
} ngx_vstream_event_e;


typedef struct {
    ngx_str_t                  url;
    ngx_vstream_secret_t      *secret;
    ngx_str_t                  ca_file;
    ngx_str_t                  pool_name;
    void                      *pool;     /* ngx_thread_pool_t */
} ngx_vstream_webhook_conf_t;


char *ngx_vstream_webhook_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
void ngx_vstream_webhook_create_conf(ngx_vstream_webhook_conf_t *conf);
char *ngx_vstream_webhook_merge_conf(ngx_conf_t *cf,
    ngx_vstream_webhook_conf_t *conf, ngx_vstream_webhook_conf_t *prev);
void ngx_vstream_webhook_event(ngx_vstream_webhook_conf_t *conf,
    ngx_uint_t event, ngx_str_t *app, ngx_str_t *name, ngx_str_t *addr,
    ngx_uint_t reason, ngx_log_t *log);
ngx_int_t ngx_vstream_webhook_init_process(ngx_cycle_t *cycle);


#endif /* _NGX_VSTREAM_WEBHOOK_H_INCLUDED_ */
