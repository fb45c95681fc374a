
/*
 * vstream: who may publish (source addresses, signed keys).
 */


#ifndef _NGX_VSTREAM_ACCESS_H_INCLUDED_
#define _NGX_VSTREAM_ACCESS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"


/* the longest a signed key may be valid from now: a day */
#define NGX_VSTREAM_MAX_TTL_DEFAULT  86400

/* a key id: 1 to 8 of [A-Za-z0-9], short to fit nginx-rtmp's 255 bytes */
#define NGX_VSTREAM_KID_MAX          VSTREAM_KID_MAX


/* one key of vstream_ingest_secret_file; an empty kid: the bare secret */
typedef struct {
    ngx_str_t               kid;
    ngx_str_t               secret;
} ngx_vstream_key_t;


typedef struct {
    ngx_array_t            *allow;     /* ngx_cidr_t; NULL: anyone */
    ngx_uint_t              allow_all;
    ngx_array_t            *keys;      /* ngx_vstream_key_t; NULL: none */
    time_t                  max_ttl;   /* the latest exp: now + this */
} ngx_vstream_access_t;


char *ngx_vstream_access_allow(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_vstream_access_keys(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_vstream_access_merge(ngx_conf_t *cf, ngx_vstream_access_t *conf,
    ngx_vstream_access_t *prev);
ngx_int_t ngx_vstream_access_addr(ngx_vstream_access_t *va,
    struct sockaddr *sa);
ngx_int_t ngx_vstream_access_key(ngx_vstream_access_t *va,
    ngx_str_t *app, ngx_str_t *name, ngx_str_t *args, time_t now);


#endif /* _NGX_VSTREAM_ACCESS_H_INCLUDED_ */
