
/*
 * vstream: renders a snapshot of the zone, never under the lock: JSON for
 * /status and /streams/... (ngx_vstream_render_json.c), Prometheus text for
 * /metrics (ngx_vstream_render_prom.c).  Like stub_status: one buffer of a
 * size bound, no intermediate trees, no per-field allocations.  Here: the
 * checked writer (see ngx_vstream_render.h) and the rules both share.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"
#include "vstream_text.h"


/* the viewer window of a stream without a playlist, seconds */


void
ngx_vstream_wr_init(ngx_vstream_wr_t *w, ngx_buf_t *b)
{
    w->pos = b->last;
    w->end = b->end;
    w->overflow = 0;
}


/* the answer, or NULL (a 500) when a write did not fit */

ngx_buf_t *
ngx_vstream_wr_done(ngx_vstream_wr_t *w, ngx_buf_t *b, ngx_log_t *log,
    const char *what)
{
    if (w->overflow) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "vstream: the %s answer does not fit the %uz bytes "
                      "computed for it", what, (size_t) (b->end - b->last));
        return NULL;
    }

    b->last = w->pos;

    return b;
}


/* closes the writer: every later write fails too */

void
ngx_vstream_wr_overflow(ngx_vstream_wr_t *w)
{
    w->overflow = 1;
    w->end = w->pos;
}


/*
 * The escapers never write past the end they are given but stop short;
 * the exact length is counted only when the room might not hold the
 * bound, so a short write is an overflow, never a cut name.
 */

void
ngx_vstream_wr_json_str(ngx_vstream_wr_t *w, u_char *src, size_t len)
{
    size_t  room;

    ngx_vstream_wr_byte(w, '"');

    room = w->end - w->pos;

    if (room / NGX_VSTREAM_ESCAPE <= len
        && vstream_json_escaped_len(src, len) >= room)
    {
        /* no room for the string and its closing quote */
        ngx_vstream_wr_overflow(w);
        return;
    }

    w->pos = vstream_json_escape(w->pos, w->end, src, len);
    *w->pos++ = '"';
}


void
ngx_vstream_wr_prom_str(ngx_vstream_wr_t *w, u_char *src, size_t len)
{
    size_t  room;

    room = w->end - w->pos;

    if (room / NGX_VSTREAM_ESCAPE < len
        && vstream_prom_escaped_len(src, len) > room)
    {
        ngx_vstream_wr_overflow(w);
        return;
    }

    w->pos = vstream_prom_escape(w->pos, w->end, src, len);
}


void
ngx_vstream_wr_json_time(ngx_vstream_wr_t *w, time_t t)
{
    if ((size_t) (w->end - w->pos) < NGX_VSTREAM_RFC3339_LEN + 2) {
        ngx_vstream_wr_overflow(w);
        return;
    }

    *w->pos++ = '"';
    w->pos = ngx_vstream_time_rfc3339(w->pos, t);
    *w->pos++ = '"';
}


/* the app and name bytes of every stream, its playlist path counted again */

size_t
ngx_vstream_render_names_len(ngx_vstream_snapshot_t *snap)
{
    size_t                  len;
    ngx_uint_t              i;
    ngx_vstream_stream_t  **st;

    len = 0;
    st = snap->streams.elts;

    for (i = 0; i < snap->streams.nelts; i++) {
        len += st[i]->app_len + 2 * st[i]->name_len;
    }

    return len;
}


ngx_uint_t
ngx_vstream_render_app_streams(ngx_vstream_snapshot_t *snap,
    ngx_vstream_app_t *app)
{
    ngx_uint_t              i, n;
    ngx_vstream_stream_t  **st;

    st = snap->streams.elts;

    for (i = 0, n = 0; i < snap->streams.nelts; i++) {
        if (st[i]->app_len == app->len
            && ngx_memcmp(ngx_vstream_stream_app(st[i]), app->name, app->len)
               == 0)
        {
            n++;
        }
    }

    return n;
}


