
/*
 * vstream: per-worker memory for the HTTP part's answers.  The scratch
 * memory holds what a request needs only while its handler runs (the
 * snapshot, HLS facts, label sets); the answer buffers hold a large answer
 * until the request is done.  Both are reused from request to request, for
 * a status of 10,000 streams copies megabytes, and fresh memory for it each
 * time costs more in page faults than the copy itself.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"


/* large answer buffers kept for reuse: at most this many per worker */
#define NGX_VSTREAM_ANSWERS_KEPT  4
#define NGX_VSTREAM_ANSWER_MIN    (64 * 1024)


/* the worker's scratch memory: see ngx_vstream_scratch_begin() */
typedef struct {
    u_char                    *start;
    u_char                    *pos;
    u_char                    *end;
    size_t                     wanted;    /* by the current request */
} ngx_vstream_scratch_t;

typedef struct {
    u_char                    *data;
    size_t                     size;
} ngx_vstream_mem_t;


static void ngx_vstream_answer_release(void *data);


static ngx_vstream_scratch_t  ngx_vstream_scratch;
static ngx_vstream_mem_t      ngx_vstream_answers[NGX_VSTREAM_ANSWERS_KEPT];
static ngx_uint_t             ngx_vstream_nanswers;


void
ngx_vstream_scratch_begin(ngx_log_t *log)
{
    u_char  *p;
    size_t   size;

    if (ngx_vstream_scratch.wanted
        > (size_t) (ngx_vstream_scratch.end - ngx_vstream_scratch.start))
    {
        size = ngx_align(ngx_vstream_scratch.wanted
                         + ngx_vstream_scratch.wanted / 8, ngx_pagesize);

        p = ngx_alloc(size, log);

        if (p != NULL) {
            if (ngx_vstream_scratch.start) {
                ngx_free(ngx_vstream_scratch.start);
            }

            ngx_vstream_scratch.start = p;
            ngx_vstream_scratch.end = p + size;
        }
    }

    ngx_vstream_scratch.pos = ngx_vstream_scratch.start;
    ngx_vstream_scratch.wanted = 0;
}


void *
ngx_vstream_scratch_alloc(ngx_pool_t *pool, size_t size)
{
    u_char  *p;

    size = ngx_align(size, NGX_ALIGNMENT);

    ngx_vstream_scratch.wanted += size;

    if ((size_t) (ngx_vstream_scratch.end - ngx_vstream_scratch.pos) < size) {
        return ngx_palloc(pool, size);
    }

    p = ngx_vstream_scratch.pos;
    ngx_vstream_scratch.pos += size;

    return p;
}


ngx_buf_t *
ngx_vstream_answer_buf(ngx_pool_t *pool, size_t size)
{
    ngx_buf_t           *b;
    ngx_uint_t           i, best;
    ngx_vstream_mem_t   *m;
    ngx_pool_cleanup_t  *cln;

    if (size < NGX_VSTREAM_ANSWER_MIN) {
        return ngx_create_temp_buf(pool, size);
    }

    b = ngx_calloc_buf(pool);
    cln = ngx_pool_cleanup_add(pool, sizeof(ngx_vstream_mem_t));

    if (b == NULL || cln == NULL) {
        return NULL;
    }

    m = cln->data;

    /* the smallest kept buffer that fits, or a new one */

    best = NGX_VSTREAM_ANSWERS_KEPT;

    for (i = 0; i < ngx_vstream_nanswers; i++) {
        if (ngx_vstream_answers[i].size >= size
            && (best == NGX_VSTREAM_ANSWERS_KEPT
                || ngx_vstream_answers[i].size
                   < ngx_vstream_answers[best].size))
        {
            best = i;
        }
    }

    if (best < NGX_VSTREAM_ANSWERS_KEPT) {
        *m = ngx_vstream_answers[best];
        ngx_vstream_answers[best] =
                              ngx_vstream_answers[--ngx_vstream_nanswers];

    } else {
        m->size = ngx_align(size + size / 8, ngx_pagesize);
        m->data = ngx_alloc(m->size, pool->log);

        if (m->data == NULL) {
            return NULL;
        }
    }

    cln->handler = ngx_vstream_answer_release;

    b->start = m->data;
    b->pos = m->data;
    b->last = m->data;
    b->end = m->data + m->size;
    b->temporary = 1;

    return b;
}


/* keeps the largest buffers, frees the rest */

static void
ngx_vstream_answer_release(void *data)
{
    ngx_vstream_mem_t *m = data;

    ngx_uint_t  i, smallest;

    if (ngx_vstream_nanswers < NGX_VSTREAM_ANSWERS_KEPT) {
        ngx_vstream_answers[ngx_vstream_nanswers++] = *m;
        return;
    }

    smallest = 0;

    for (i = 1; i < ngx_vstream_nanswers; i++) {
        if (ngx_vstream_answers[i].size
            < ngx_vstream_answers[smallest].size)
        {
            smallest = i;
        }
    }

    if (ngx_vstream_answers[smallest].size < m->size) {
        ngx_free(ngx_vstream_answers[smallest].data);
        ngx_vstream_answers[smallest] = *m;
        return;
    }

    ngx_free(m->data);
}
