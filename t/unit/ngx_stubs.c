
/*
 * vstream: what nginx's src/core/ngx_inet.c and ngx_string.c need from the
 * rest of nginx, for the CIDR fuzz target (deploy/fuzz.sh builds nginx's
 * own two files with this).  ngx_ptocidr() allocates nothing: the pool
 * functions abort, so a path that would reach them is a finding too.
 */


#include <ngx_config.h>
#include <ngx_core.h>


volatile ngx_cycle_t  *ngx_cycle;


void *
ngx_alloc(size_t size, ngx_log_t *log)
{
    (void) log;

    return malloc(size);
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    (void) pool;
    (void) size;

    abort();
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    (void) pool;
    (void) size;

    abort();
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    (void) pool;
    (void) size;

    abort();
}
