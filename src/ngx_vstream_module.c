
/*
 * vstream: the core part.  Owns vstream_zone, the shared memory zone all
 * workers read and write, and the helpers the RTMP and HTTP parts share.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/sha.h>
#include "ngx_vstream.h"


#define NGX_VSTREAM_ZONE_DEFAULT  (8 * 1024 * 1024)
#define NGX_VSTREAM_ZONE_MIN      (64 * 1024)
#define NGX_VSTREAM_SECRET_MAX    4096


static void *ngx_vstream_create_conf(ngx_cycle_t *cycle);
static char *ngx_vstream_init_conf(ngx_cycle_t *cycle, void *conf);
static char *ngx_vstream_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);


ngx_str_t  ngx_vstream_reasons[] = NGX_VSTREAM_REASON_NAMES;


static ngx_command_t  ngx_vstream_commands[] = {

    { ngx_string("vstream_zone"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_vstream_zone,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_core_module_t  ngx_vstream_module_ctx = {
    ngx_string("vstream"),
    ngx_vstream_create_conf,
    ngx_vstream_init_conf
};


ngx_module_t  ngx_vstream_module = {
    NGX_MODULE_V1,
    &ngx_vstream_module_ctx,               /* module context */
    ngx_vstream_commands,                  /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


ngx_vstream_main_conf_t *
ngx_vstream_main_conf(ngx_cycle_t *cycle)
{
    return (ngx_vstream_main_conf_t *) ngx_get_conf(cycle->conf_ctx,
                                                    ngx_vstream_module);
}


ngx_vstream_shm_t *
ngx_vstream_shm(ngx_cycle_t *cycle)
{
    ngx_vstream_main_conf_t  *vmcf;

    vmcf = ngx_vstream_main_conf(cycle);

    if (vmcf == NULL || vmcf->shm_zone == NULL) {
        return NULL;
    }

    return vmcf->shm_zone->data;
}


/* a directive's argument as a directory: absolute, no trailing slash */

ngx_int_t
ngx_vstream_conf_path(ngx_conf_t *cf, ngx_str_t *path)
{
    ngx_str_t  *value;

    value = cf->args->elts;
    *path = value[1];

    while (path->len > 1 && path->data[path->len - 1] == '/') {
        path->len--;
    }

    return ngx_conf_full_name(cf->cycle, path, 0);
}


uint64_t
ngx_vstream_unix_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


/* RFC 3339 in UTC, "2026-11-23T08:00:00Z", without ngx_sprintf's parsing */

u_char *
ngx_vstream_time_rfc3339(u_char *p, time_t t)
{
    ngx_tm_t    tm;
    ngx_uint_t  i, v[6];

    static u_char  sep[] = "--T::Z";

    ngx_gmtime(t, &tm);

    v[0] = tm.ngx_tm_year;
    v[1] = tm.ngx_tm_mon;
    v[2] = tm.ngx_tm_mday;
    v[3] = tm.ngx_tm_hour;
    v[4] = tm.ngx_tm_min;
    v[5] = tm.ngx_tm_sec;

    *p++ = (u_char) ('0' + v[0] / 1000 % 10);
    *p++ = (u_char) ('0' + v[0] / 100 % 10);
    *p++ = (u_char) ('0' + v[0] / 10 % 10);
    *p++ = (u_char) ('0' + v[0] % 10);

    for (i = 1; i < 6; i++) {
        *p++ = sep[i - 1];
        *p++ = (u_char) ('0' + v[i] / 10 % 10);
        *p++ = (u_char) ('0' + v[i] % 10);
    }

    *p++ = sep[5];

    return p;
}


/*
 * A secret (signing key, admin token) lives in a file of its own: the file
 * must exist, hold something other than white space, and be readable by
 * its owner only.  Trailing white space (a final newline) is not part of it.
 * Configuration is read before workers start, so blocking reads are fine.
 */

char *
ngx_vstream_read_secret(ngx_conf_t *cf, ngx_str_t *path,
    ngx_vstream_secret_t *secret)
{
    u_char           *p;
    size_t            len;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t         full;
    ngx_file_info_t   fi;

    full = *path;

    if (ngx_conf_full_name(cf->cycle, &full, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(full.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "secret file \"%V\" cannot be opened", &full);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "secret file \"%V\": fstat() failed", &full);
        goto failed;
    }

    if (!S_ISREG(fi.st_mode)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "secret file \"%V\" is not a regular file", &full);
        goto failed;
    }

    if (fi.st_mode & (S_IRWXG|S_IRWXO)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "secret file \"%V\" is accessible by group or "
                           "others (mode 0%ui%ui%ui); make it 0600", &full,
                           (ngx_uint_t) (fi.st_mode >> 6) & 7,
                           (ngx_uint_t) (fi.st_mode >> 3) & 7,
                           (ngx_uint_t) fi.st_mode & 7);
        goto failed;
    }

    if (ngx_file_size(&fi) > NGX_VSTREAM_SECRET_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "secret file \"%V\" is larger than %d bytes",
                           &full, NGX_VSTREAM_SECRET_MAX);
        goto failed;
    }

    p = ngx_pnalloc(cf->pool, NGX_VSTREAM_SECRET_MAX + 1);
    if (p == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, p, NGX_VSTREAM_SECRET_MAX);

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "secret file \"%V\" cannot be read", &full);
        goto failed;
    }

    len = n;

    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'
                   || p[len - 1] == ' ' || p[len - 1] == '\t'))
    {
        len--;
    }

    if (len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "secret file \"%V\" is empty", &full);
        goto failed;
    }

    ngx_close_file(fd);

    secret->path = full;
    secret->value.data = p;
    secret->value.len = len;

    SHA256(p, len, secret->sha256);

    return NGX_CONF_OK;

failed:

    ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


/*
 * The directive of every secret file (signing key, webhook key, admin
 * token): an ngx_vstream_secret_t pointer at cmd->offset, unset as
 * NGX_CONF_UNSET_PTR.
 */

char *
ngx_vstream_conf_set_secret_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_vstream_secret_t  **sp = (ngx_vstream_secret_t **)
                                     ((u_char *) conf + cmd->offset);

    ngx_str_t  *value;

    if (*sp != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    *sp = ngx_pcalloc(cf->pool, sizeof(ngx_vstream_secret_t));
    if (*sp == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_vstream_read_secret(cf, &value[1], *sp) != NGX_CONF_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs a readable secret file",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_vstream_create_conf(ngx_cycle_t *cycle)
{
    ngx_vstream_main_conf_t  *vmcf;

    vmcf = ngx_pcalloc(cycle->pool, sizeof(ngx_vstream_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    vmcf->zone_size = NGX_CONF_UNSET_SIZE;

    if (ngx_array_init(&vmcf->hls_paths, cycle->pool, 4,
                       sizeof(ngx_vstream_hls_path_t))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&vmcf->record_confs, cycle->pool, 4, sizeof(void *))
        != NGX_OK)
    {
        return NULL;
    }

    return vmcf;
}


static char *
ngx_vstream_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_vstream_main_conf_t *vmcf = conf;

    ngx_str_t           name = ngx_string("vstream");
    ngx_conf_t          cf;
    ngx_core_conf_t    *ccf;
    ngx_vstream_shm_t  *shm;

    ngx_conf_init_size_value(vmcf->zone_size, NGX_VSTREAM_ZONE_DEFAULT);

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);
    vmcf->workers = ccf->worker_processes;

    shm = ngx_pcalloc(cycle->pool, sizeof(ngx_vstream_shm_t));
    if (shm == NULL) {
        return NGX_CONF_ERROR;
    }

    /* core modules get no ngx_conf_t here; the zone needs only these */
    ngx_memzero(&cf, sizeof(ngx_conf_t));
    cf.cycle = cycle;
    cf.pool = cycle->pool;
    cf.log = cycle->log;

    vmcf->shm_zone = ngx_shared_memory_add(&cf, &name, vmcf->zone_size,
                                           &ngx_vstream_module);
    if (vmcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    vmcf->shm_zone->init = ngx_vstream_shm_init_zone;
    vmcf->shm_zone->data = shm;

    return NGX_CONF_OK;
}


static char *
ngx_vstream_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_vstream_main_conf_t *vmcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (vmcf->zone_size != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR || size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if ((size_t) size < NGX_VSTREAM_ZONE_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone size \"%V\" is too small, the minimum is 64k",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    vmcf->zone_size = (size_t) size;

    return NGX_CONF_OK;
}
