
/*
 * vstream: what the JSON and Prometheus renderers share
 * (ngx_vstream_render_json.c, ngx_vstream_render_prom.c).
 *
 * Every byte of an answer goes through a checked writer: each write tests
 * the room left before it copies, and a write that does not fit copies
 * nothing, sets "overflow" and closes the writer, so the later ones copy
 * nothing either.  The renderer then fails the request (500, an alert in
 * the error log) instead of writing past the buffer.  The buffers are still
 * sized from per-stream budgets (a few bytes of bound per name byte), but a
 * budget gone wrong after an edit costs a 500, never memory: sizes derived
 * from the literals, as stub_status does, would be exact today and silently
 * wrong after the next field added without its size.  The check is a
 * compare per write beside a copy; with decimals written in place, not
 * copied, a status of 10,000 streams costs what it did unchecked (3.0 ms
 * in bench/run.sh).  t/unit/render_test.c renders into short buffers.
 */


#ifndef _NGX_VSTREAM_RENDER_H_INCLUDED_
#define _NGX_VSTREAM_RENDER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "vstream_text.h"


#if (NGX_VSTREAM_NAME_MAX != VSTREAM_TEXT_NAME_MAX)
#error "NGX_VSTREAM_NAME_MAX and VSTREAM_TEXT_NAME_MAX differ"
#endif

/* a string escaped for JSON or a Prometheus label is at most this longer */
#define NGX_VSTREAM_ESCAPE        VSTREAM_TEXT_ESCAPE_MAX


typedef struct {
    u_char                    *pos;
    u_char                    *end;
    ngx_uint_t                 overflow;  /* a write did not fit */
} ngx_vstream_wr_t;


void ngx_vstream_wr_init(ngx_vstream_wr_t *w, ngx_buf_t *b);
ngx_buf_t *ngx_vstream_wr_done(ngx_vstream_wr_t *w, ngx_buf_t *b,
    ngx_log_t *log, const char *what);
void ngx_vstream_wr_overflow(ngx_vstream_wr_t *w);
void ngx_vstream_wr_json_str(ngx_vstream_wr_t *w, u_char *src, size_t len);
void ngx_vstream_wr_prom_str(ngx_vstream_wr_t *w, u_char *src, size_t len);
void ngx_vstream_wr_json_time(ngx_vstream_wr_t *w, time_t t);

size_t ngx_vstream_render_names_len(ngx_vstream_snapshot_t *snap);
ngx_uint_t ngx_vstream_render_app_streams(ngx_vstream_snapshot_t *snap,
    ngx_vstream_app_t *app);


static ngx_inline void
ngx_vstream_wr_mem(ngx_vstream_wr_t *w, const u_char *src, size_t len)
{
    if ((size_t) (w->end - w->pos) < len) {
        ngx_vstream_wr_overflow(w);
        return;
    }

    w->pos = ngx_cpymem(w->pos, src, len);
}


static ngx_inline void
ngx_vstream_wr_byte(ngx_vstream_wr_t *w, u_char c)
{
    if (w->pos == w->end) {
        ngx_vstream_wr_overflow(w);
        return;
    }

    *w->pos++ = c;
}


/*
 * A decimal without ngx_sprintf's format parsing, for the hot loops: its
 * length first (compares, no division), then the digits in place, which
 * saves a copy per number.
 */

static ngx_inline void
ngx_vstream_wr_u64(ngx_vstream_wr_t *w, uint64_t n)
{
    u_char    *p;
    size_t     len;
    uint64_t   m;

    for (len = 1, m = 10; len < NGX_INT64_LEN && n >= m; len++) {
        m *= 10;
    }

    if ((size_t) (w->end - w->pos) < len) {
        ngx_vstream_wr_overflow(w);
        return;
    }

    p = w->pos + len;
    w->pos = p;

    do {
        *--p = (u_char) (n % 10 + '0');
        n /= 10;
    } while (n);
}


/* milliseconds as seconds with 1 (JSON) or 3 (Prometheus) decimals */

static ngx_inline void
ngx_vstream_wr_ms(ngx_vstream_wr_t *w, uint64_t ms, ngx_uint_t digits)
{
    u_char  frac[4];

    frac[0] = '.';
    frac[1] = (u_char) ('0' + ms % 1000 / 100);
    frac[2] = (u_char) ('0' + ms % 100 / 10);
    frac[3] = (u_char) ('0' + ms % 10);

    ngx_vstream_wr_u64(w, ms / 1000);
    ngx_vstream_wr_mem(w, frac, 1 + digits);
}


/* a time_t difference, which a clock set back makes negative */

static ngx_inline void
ngx_vstream_wr_i64(ngx_vstream_wr_t *w, int64_t n)
{
    if (n < 0) {
        ngx_vstream_wr_byte(w, '-');
        ngx_vstream_wr_u64(w, - (uint64_t) n);
        return;
    }

    ngx_vstream_wr_u64(w, (uint64_t) n);
}


#define ngx_vstream_wr_lit(w, s)                                             \
    ngx_vstream_wr_mem(w, (const u_char *) s, sizeof(s) - 1)

#define ngx_vstream_wr_str(w, s)  ngx_vstream_wr_mem(w, (s)->data, (s)->len)

/* a literal and a decimal, the unit of the per-stream loops */
#define ngx_vstream_wr_num(w, s, n)                                          \
    do {                                                                     \
        ngx_vstream_wr_lit(w, s);                                            \
        ngx_vstream_wr_u64(w, (uint64_t) (n));                               \
    } while (0)


#endif /* _NGX_VSTREAM_RENDER_H_INCLUDED_ */
