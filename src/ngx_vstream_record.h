
/*
 * vstream: recordings (see the on-disk contract between the recorder and
 * the S3 uploader).  A stub until the recorder lands: only the path, which
 * the S3 uploader reads; the recorder's version replaces this file.
 */


#ifndef _NGX_VSTREAM_RECORD_H_INCLUDED_
#define _NGX_VSTREAM_RECORD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_str_t                  path;      /* "": off */
    time_t                     max_age;
    off_t                      max_size;
    void                      *s3;        /* ngx_vstream_s3_conf_t * */
} ngx_vstream_record_conf_t;


#endif /* _NGX_VSTREAM_RECORD_H_INCLUDED_ */
