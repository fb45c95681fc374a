
/*
 * vstream: recordings (README.md, "Recordings").  The RTMP part keeps each
 * live stream's HLS segments as hard links under vstream_record_path, and
 * the HTTP part lists, measures and deletes what is there.  The layout on
 * disk is a contract with the S3 uploader: PATH/APP/NAME/ID/ with the
 * segments, index.m3u8 and info, each replaced atomically.
 */


#ifndef _NGX_VSTREAM_RECORD_H_INCLUDED_
#define _NGX_VSTREAM_RECORD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"


/* YYYYMMDDTHHMMSSZ and a "-NN" suffix: vstream_record_id_is_valid() */
#define NGX_VSTREAM_RECORD_ID_MAX    VSTREAM_RECORD_ID_MAX

/* the most recordings one listing (API, metrics) reads, per application */
#define NGX_VSTREAM_RECORD_LIST_MAX  1000

/* files (links, index and info) a worker writes per tick, all streams */
#define NGX_VSTREAM_RECORD_TICK_FILES  32


typedef struct {
    ngx_str_t                  path;      /* empty: not recorded */
    time_t                     max_age;   /* 0: kept whatever their age */
    off_t                      max_size;  /* 0: whatever their size */
    void                      *s3;        /* vstream_record_s3, or NULL */

    ngx_str_t                  app;
    ngx_str_t                  hls_path;  /* vstream_hls_path of the app */
} ngx_vstream_record_conf_t;


typedef struct ngx_vstream_rec_s  ngx_vstream_rec_t;


/* one recording, as its info file says */
typedef struct {
    ngx_str_t                  app;
    ngx_str_t                  name;
    u_char                     id[NGX_VSTREAM_RECORD_ID_MAX + 1];
    size_t                     id_len;
    time_t                     started_at;
    time_t                     mtime;     /* of info: the last update */
    uint64_t                   segments;
    uint64_t                   bytes;
    uint64_t                   duration_ms;
    unsigned                   complete:1;
} ngx_vstream_recording_t;


/* configuration: the RTMP part's application conf holds the struct */
void ngx_vstream_record_create_conf(ngx_vstream_record_conf_t *rc);
char *ngx_vstream_record_path_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_vstream_record_merge_conf(ngx_conf_t *cf,
    ngx_vstream_record_conf_t *conf, ngx_vstream_record_conf_t *prev);

/* a live stream's recording: from the publish to its close */
ngx_vstream_rec_t *ngx_vstream_record_start(ngx_vstream_record_conf_t *rc,
    ngx_str_t *name, time_t started_at, ngx_log_t *log);
void ngx_vstream_record_tick(ngx_vstream_rec_t *rec, ngx_uint_t *budget);
void ngx_vstream_record_finish(ngx_vstream_rec_t *rec);

/* retention and recordings left unfinished, by one worker on its timer */
void ngx_vstream_record_maintain(ngx_cycle_t *cycle, ngx_log_t *log);

/* reading what is on disk: the admin API and the metrics */
ngx_vstream_record_conf_t *ngx_vstream_record_conf(ngx_cycle_t *cycle,
    ngx_str_t *app);
ngx_int_t ngx_vstream_record_list(ngx_vstream_record_conf_t *rc,
    ngx_str_t *name, ngx_array_t *out, ngx_uint_t max, ngx_uint_t *truncated,
    ngx_log_t *log);
ngx_int_t ngx_vstream_record_remove(ngx_vstream_record_conf_t *rc,
    ngx_str_t *name, ngx_str_t *id, ngx_log_t *log);
void ngx_vstream_record_sort(ngx_array_t *list);


#if defined(_NGX_HTTP_H_INCLUDED_)

/* the admin API's part: ngx_vstream_rec_api.c */
ngx_int_t ngx_vstream_rec_api_list(ngx_http_request_t *r, ngx_str_t *app,
    ngx_str_t *name);
ngx_int_t ngx_vstream_rec_api_delete(ngx_http_request_t *r, ngx_str_t *app,
    ngx_str_t *name, ngx_str_t *id);
ngx_buf_t *ngx_vstream_rec_api_metrics(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap, ngx_log_t *log);

/* and what it shares of ngx_vstream_http.c */
ngx_int_t ngx_http_vstream_send(ngx_http_request_t *r, ngx_uint_t status,
    char *type, ngx_buf_t *b);
ngx_int_t ngx_http_vstream_error(ngx_http_request_t *r, ngx_uint_t status,
    char *message);
ngx_int_t ngx_http_vstream_header(ngx_http_request_t *r, char *key,
    char *value);

#endif


#endif /* _NGX_VSTREAM_RECORD_H_INCLUDED_ */
