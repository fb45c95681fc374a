
/*
 * vstream: the S3 uploader of recordings.  One worker (number 0) scans the
 * recording directories of the applications with "vstream_record_s3" and
 * uploads, one file at a time on an nginx thread pool with libcurl, the
 * listed segments and then the final playlist.  The directories are the
 * queue: what is uploaded is noted there (s3.uploaded, s3.done).
 */


#ifndef _NGX_VSTREAM_S3_H_INCLUDED_
#define _NGX_VSTREAM_S3_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "vstream_s3.h"


typedef struct {
    ngx_str_t                  bucket;
    ngx_str_t                  region;
    ngx_str_t                  prefix;
    ngx_str_t                  endpoint;
    ngx_str_t                  imds;
    ngx_str_t                  credentials;  /* the file, "" for IMDS */
    ngx_str_t                  app;
    ngx_str_t                  path;         /* vstream_record_path */
    vstream_s3_creds_t        *creds;        /* from the file, or cached */
    time_t                     token_expires;
    char                      *token;        /* IMDSv2 session token */
    void                      *pool;         /* ngx_thread_pool_t */
} ngx_vstream_s3_conf_t;


char *ngx_vstream_s3_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_vstream_s3_merge(ngx_conf_t *cf, ngx_vstream_s3_conf_t *s3,
    ngx_str_t *app, ngx_str_t *path);
ngx_int_t ngx_vstream_s3_init_process(ngx_cycle_t *cycle,
    ngx_array_t *confs);


#endif /* _NGX_VSTREAM_S3_H_INCLUDED_ */
