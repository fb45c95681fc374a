
/*
 * vstream: unit tests of the renderers (src/ngx_vstream_render*.c) with
 * the rest of the module stubbed out, printing TAP.  A worst-case snapshot
 * (names of bytes that escape to the most, every number at its maximum,
 * the denied ring full) renders into the size each renderer computes; the
 * same snapshot into every shorter buffer fails with an alert, writing
 * nothing past the end: each buffer is allocated at exactly its size, so a
 * write past it is an AddressSanitizer error (t/12-render.t builds this
 * with ASan and UBSan).  The JSON decodes (jansson) with the names intact.
 *
 * "render_test DIR" writes the answers of a few fixed snapshots into DIR
 * instead, to compare renderers byte for byte across a change, and
 * "render_test --bench STREAMS ROUNDS" times them (build it with -O2).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_rtmp.h"
#include "ngx_rtmp_codec_module.h"
#include "ngx_vstream.h"

#include <jansson.h>
#include <time.h>
#include "tap.h"


#define T_STREAMS   3
#define T_APPS      3


static void t_writer(void);
static void t_worst(void);
static void t_cut(const char *what, ngx_buf_t *(*render)(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap), ngx_vstream_snapshot_t *snap, size_t len,
    size_t step);
static void t_json(ngx_buf_t *b, ngx_vstream_snapshot_t *snap);
static ngx_buf_t *t_status(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap);
static ngx_vstream_snapshot_t *t_snapshot(ngx_uint_t nstreams,
    ngx_uint_t napps, u_char fill, size_t app_len, size_t name_len,
    ngx_uint_t worst);
static void t_free(ngx_vstream_snapshot_t *snap);
static int t_dump(const char *dir);
static int t_bench(ngx_uint_t n, ngx_uint_t rounds);



/* the stubs' state: the size granted to the next answer, alerts logged */
static size_t       t_grant = (size_t) -1;
static size_t       t_asked;
static ngx_uint_t   t_alerts;
static ngx_buf_t   *t_bufs[64];
static ngx_uint_t   t_nbufs;
static ngx_uint_t   t_reuse;            /* --bench: as the module's list */

static ngx_log_t    t_log;
static ngx_pool_t   t_pool;


int
main(int argc, char **argv)
{
    t_log.log_level = NGX_LOG_DEBUG;
    t_pool.log = &t_log;

    if (argc > 3 && strcmp(argv[1], "--bench") == 0) {
        return t_bench(atoi(argv[2]), atoi(argv[3]));
    }

    if (argc > 1) {
        return t_dump(argv[1]);
    }

    t_writer();
    t_worst();

    return t_done();
}



/* the writer on its own, at its edges */

#include "ngx_vstream_render.h"

static void
t_writer(void)
{
    u_char            *buf;
    ngx_buf_t          b;
    ngx_vstream_wr_t   w;

    static u_char      q[] = "a\"b";        /* JSON "a\"b": 6 bytes */

    buf = malloc(6);
    b.start = b.pos = b.last = buf;
    b.end = buf + 6;

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_json_str(&w, q, 3);
    t_ok(!w.overflow && w.pos == buf + 6 && memcmp(buf, "\"a\\\"b\"", 6) == 0,
         "writer: a JSON string that fits exactly");

    ngx_vstream_wr_init(&w, &b);
    w.end = buf + 5;
    ngx_vstream_wr_json_str(&w, q, 3);
    t_ok(w.overflow && w.pos <= buf + 5,
         "writer: one byte short for the closing quote: overflow");

    ngx_vstream_wr_init(&w, &b);
    w.end = buf + 4;
    ngx_vstream_wr_prom_str(&w, q, 3);
    t_ok(!w.overflow && w.pos == buf + 4 && memcmp(buf, "a\\\"b", 4) == 0,
         "writer: a label value that fits exactly");

    ngx_vstream_wr_init(&w, &b);
    w.end = buf + 3;
    ngx_vstream_wr_prom_str(&w, q, 3);
    t_ok(w.overflow, "writer: a label value one byte short: overflow");

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_u64(&w, 123456);
    t_ok(!w.overflow && w.pos == buf + 6 && memcmp(buf, "123456", 6) == 0,
         "writer: a decimal that fits exactly");
    ngx_vstream_wr_byte(&w, 'x');
    t_ok(w.overflow, "writer: a byte past the end: overflow");

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_lit(&w, "abcdefg");
    t_ok(w.overflow && w.pos == buf, "writer: a literal too long: nothing "
         "written");
    ngx_vstream_wr_lit(&w, "ab");
    ngx_vstream_wr_u64(&w, 1);
    t_ok(w.overflow && w.pos == buf,
         "writer: after an overflow, writes that would fit write nothing");

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_i64(&w, -12345);
    t_ok(!w.overflow && memcmp(buf, "-12345", 6) == 0,
         "writer: a negative decimal");

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_ms(&w, 12034, 3);
    t_ok(!w.overflow && memcmp(buf, "12.034", 6) == 0,
         "writer: milliseconds as seconds, 3 decimals");

    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_ms(&w, 12034, 1);
    t_ok(!w.overflow && w.pos == buf + 4 && memcmp(buf, "12.0", 4) == 0,
         "writer: milliseconds as seconds, 1 decimal");

    t_alerts = 0;
    ngx_vstream_wr_init(&w, &b);
    ngx_vstream_wr_lit(&w, "abcdefg");
    t_ok(ngx_vstream_wr_done(&w, &b, &t_log, "test") == NULL && t_alerts == 1,
         "writer: done after an overflow: NULL and an alert");

    free(buf);
}


/*
 * The worst case: every name byte 0x01, which JSON escapes to 6 bytes;
 * and every name byte 0xff, which Prometheus turns into the 3 bytes of
 * U+FFFD (a control byte there is a '?').  Neither can publish (a name
 * must be strict UTF-8 without control bytes), but the budgets are for
 * any bytes the zone holds.
 */

static void
t_worst(void)
{
    size_t                   len;
    ngx_buf_t               *b;
    ngx_uint_t               i;
    ngx_vstream_snapshot_t  *snap;

    static struct {
        const char          *what;
        u_char               fill;
        ngx_buf_t         *(*render)(ngx_pool_t *, ngx_vstream_snapshot_t *);
        size_t               step;
    } cases[] = {
        { "status", 0x01, t_status, 7 },
        { "status", 0xff, t_status, 7 },
        { "stream", 0x01, ngx_vstream_render_stream, 1 },
        { "stream", 0xff, ngx_vstream_render_stream, 1 },
        { "metrics", 0xff, ngx_vstream_render_metrics, 13 },
        { "metrics", 0x01, ngx_vstream_render_metrics, 13 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snap = t_snapshot(cases[i].render == ngx_vstream_render_stream
                          ? 1 : T_STREAMS, T_APPS, cases[i].fill,
                          NGX_VSTREAM_NAME_MAX, NGX_VSTREAM_NAME_MAX, 1);

        t_grant = (size_t) -1;
        t_alerts = 0;
        b = cases[i].render(&t_pool, snap);

        t_ok(b != NULL && t_alerts == 0,
             "%s, names of 0x%02x: the worst case fits the size computed",
             cases[i].what, cases[i].fill);

        if (b == NULL) {
            t_free(snap);
            continue;
        }

        len = b->last - b->pos;

        printf("# %s, names of 0x%02x: %zu bytes of %zu computed (%.0f%%)\n",
               cases[i].what, cases[i].fill, len, t_asked,
               100.0 * len / t_asked);

        if (cases[i].render == t_status) {
            t_json(b, snap);
        }

        if (cases[i].render == ngx_vstream_render_stream) {
            t_ok(len > 1 && b->last[-1] == '\n' && b->last[-2] == '}',
                 "stream: the answer ends with }\\n");

        } else if (cases[i].render == ngx_vstream_render_metrics) {
            t_ok(len > 1 && b->last[-1] == '\n'
                 && memmem(b->pos, len, "\nvstream_hls_sent_bytes_total{",
                           sizeof("\nvstream_hls_sent_bytes_total{") - 1)
                    != NULL,
                 "metrics: the answer reaches its last family");
        }

        t_cut(cases[i].what, cases[i].render, snap, len, cases[i].step);

        t_free(snap);
    }
}


/*
 * The answer is len bytes: into len bytes it fits, into any fewer it fails
 * with one alert.  Every shorter size is tried for a small answer, every
 * step-th for a large one, and the last few always.
 */

static void
t_cut(const char *what, ngx_buf_t *(*render)(ngx_pool_t *pool,
    ngx_vstream_snapshot_t *snap), ngx_vstream_snapshot_t *snap, size_t len,
    size_t step)
{
    size_t      n, bad, alerts, tries;
    ngx_buf_t  *b;

    t_grant = len;
    t_alerts = 0;
    b = render(&t_pool, snap);
    t_ok(b != NULL && (size_t) (b->last - b->pos) == len && t_alerts == 0,
         "%s: into exactly its length it fits", what);

    bad = 0;
    alerts = 0;
    tries = 0;

    for (n = 0; n < len; n += (len - n <= 64 ? 1 : step)) {
        t_grant = n;
        t_alerts = 0;

        b = render(&t_pool, snap);

        if (b != NULL) {
            bad++;
        }

        alerts += (t_alerts == 1);
        tries++;
    }

    t_grant = (size_t) -1;

    t_ok(bad == 0, "%s: into any shorter buffer it fails (%zu of %zu sizes "
         "tried did not)", what, bad, tries);
    t_ok(alerts == tries, "%s: each time with one alert", what);
}


static void
t_json(ngx_buf_t *b, ngx_vstream_snapshot_t *snap)
{
    size_t                  i, n;
    json_t                 *doc, *streams, *denied, *name;
    const char             *s;
    json_error_t            err;
    ngx_vstream_stream_t  **st;

    doc = json_loadb((char *) b->pos, b->last - b->pos,
                     JSON_DECODE_INT_AS_REAL, &err);
    t_ok(doc != NULL, "status: the worst case decodes as JSON%s%s",
         doc ? "" : ": ", doc ? "" : err.text);

    if (doc == NULL) {
        return;
    }

    streams = json_object_get(doc, "streams");
    denied = json_object_get(doc, "denied");
    t_ok(json_array_size(streams) == snap->streams.nelts
         && json_array_size(denied) == NGX_VSTREAM_DENIED_MAX
         && json_array_size(json_object_get(doc, "apps")) == T_APPS,
         "status: every stream, refusal and application is listed");

    /* 0x01 decodes to itself, 0xff to U+FFFD (3 bytes) */
    st = snap->streams.elts;
    name = json_object_get(json_array_get(streams, 0), "name");
    s = json_string_value(name);
    n = s ? strlen(s) : 0;

    for (i = 0; s && i < n; i++) {
        if (st[0]->data[0] == 0x01 ? s[i] != 0x01
            : (u_char) s[i] != (i % 3 ? (i % 3 == 1 ? 0xbf : 0xbd) : 0xef))
        {
            break;
        }
    }

    t_ok(s && i == n && n == (st[0]->data[0] == 0x01 ? 1 : 3)
                              * st[0]->name_len,
         "status: a name decodes whole (%zu bytes)", n);

    json_decref(doc);
}


static ngx_buf_t *
t_status(ngx_pool_t *pool, ngx_vstream_snapshot_t *snap)
{
    return ngx_vstream_render_status(pool, snap, 64);
}


static ngx_vstream_snapshot_t *
t_snapshot(ngx_uint_t nstreams, ngx_uint_t napps, u_char fill,
    size_t app_len, size_t name_len, ngx_uint_t worst)
{
    size_t                    len;
    ngx_uint_t                i, j;
    ngx_vstream_app_t        *a, **apps;
    ngx_vstream_stream_t     *st, **sts;
    ngx_vstream_denial_t     *d;
    ngx_vstream_snapshot_t   *snap;
    ngx_vstream_hls_stats_t  *hls;

    snap = calloc(1, sizeof(ngx_vstream_snapshot_t));
    sts = calloc(nstreams, sizeof(ngx_vstream_stream_t *));
    apps = calloc(napps, sizeof(ngx_vstream_app_t *));
    hls = calloc(nstreams, sizeof(ngx_vstream_hls_stats_t));

    snap->streams.elts = sts;
    snap->streams.nelts = nstreams;
    snap->apps.elts = apps;
    snap->apps.nelts = napps;
    snap->hls = hls;
    snap->nstreams = nstreams;
    snap->now = 1800000000;
    snap->now_ms = (uint64_t) snap->now * 1000 + 999;

    snap->t.started_at = worst ? 1 : snap->now - 86400 * 3 - 17;

    if (worst) {
        /* every counter at its maximum */
        snap->t.publish_accepted = UINT64_MAX;
        snap->t.publish_denied = UINT64_MAX;
        snap->t.bytes_in = UINT64_MAX;
        snap->t.hls_requests = UINT64_MAX;
        snap->t.hls_bytes_out = UINT64_MAX;
        snap->t.hls_unmatched = UINT64_MAX;
        snap->t.hls_errors = UINT64_MAX;
        snap->t.hls_refused = UINT64_MAX;
        snap->t.webhook_delivered = UINT64_MAX;
        snap->t.webhook_failed = UINT64_MAX;
        snap->t.webhook_dropped = UINT64_MAX;
        snap->t.reaped = UINT64_MAX;
        snap->t.admin_rejected = UINT64_MAX;

    } else {
        snap->t.publish_accepted = 1234;
        snap->t.publish_denied = 56;
        snap->t.bytes_in = 987654321;
        snap->t.hls_requests = 4242;
        snap->t.hls_unmatched = 7;
        snap->t.webhook_delivered = 9;
        snap->t.admin_rejected = 3;
    }

    snap->t.denied_count = worst ? NGX_VSTREAM_DENIED_MAX : 5;
    snap->t.denied_next = worst ? 7 : 30;

    for (i = 0; i < NGX_VSTREAM_DENIED_MAX; i++) {
        d = &snap->t.denied[i];
        d->at = snap->now - i * 61;
        d->reason = 1 + i % (NGX_VSTREAM_DENY_MAX - 1);
        memset(d->addr, worst ? fill : '1', NGX_VSTREAM_ADDR_LEN - 1);
        d->addr[worst ? NGX_VSTREAM_ADDR_LEN - 1 : 9] = '\0';
        d->app_len = worst ? NGX_VSTREAM_DENIED_APP_LEN : 4;
        d->name_len = worst ? NGX_VSTREAM_DENIED_NAME_LEN : 1 + i;
        memset(d->app, fill, NGX_VSTREAM_DENIED_APP_LEN);
        memset(d->name, fill, NGX_VSTREAM_DENIED_NAME_LEN);
    }

    for (i = 0; i < napps; i++) {
        len = worst ? app_len : 1 + i;
        a = calloc(1, offsetof(ngx_vstream_app_t, name) + len);
        a->len = len;
        memset(a->name, fill, len);
        a->name[0] = (u_char) (worst ? fill : 'a' + i);
        a->accepted = worst ? UINT64_MAX : 100 + i;

        for (j = 0; j < NGX_VSTREAM_DENY_MAX; j++) {
            a->denied[j] = worst ? UINT64_MAX : j * i;
        }

        apps[i] = a;
    }

    for (i = 0; i < nstreams; i++) {
        len = (worst ? app_len : 1 + i % napps) + name_len;
        st = calloc(1, offsetof(ngx_vstream_stream_t, data) + len);
        st->app_len = worst ? app_len : 1 + i % napps;
        st->name_len = name_len;
        memset(st->data, fill, len);
        st->data[0] = (u_char) (worst ? fill : 'a' + i % napps);
        st->data[st->app_len] = (u_char) (worst ? fill : 'A' + i);

        memset(st->addr, worst ? fill : '2', NGX_VSTREAM_ADDR_LEN - 1);
        st->addr[worst ? NGX_VSTREAM_ADDR_LEN - 1 : 11] = '\0';

        st->pid = worst ? NGX_MAX_INT32_VALUE : 4000 + i;
        st->started_ms = worst ? 0 : snap->now_ms - 3600000 * i - 1234;

        if (!worst && i == 2) {
            st->started_ms = snap->now_ms + 5000;   /* a clock set back */
        }

        st->c.bytes_in = worst ? UINT64_MAX : 1000000 * i + 17;
        st->c.bitrate_bps = worst ? UINT64_MAX : 600000 + i;
        st->c.video_frames = worst ? UINT64_MAX : 250 * i;
        st->c.video_keyframes = worst ? UINT64_MAX : 5 * i;
        st->c.audio_frames = worst ? UINT64_MAX : 430 * i;
        st->c.width = worst ? UINT32_MAX : 640;
        st->c.height = worst ? UINT32_MAX : 360;
        st->c.fps = worst ? UINT32_MAX : 25;
        st->c.sample_rate = worst ? UINT32_MAX : 44100;
        st->c.players = worst ? UINT32_MAX : i;
        st->c.video_codec = worst ? 2 : (i == 1 ? 0 : 7);
        st->c.audio_codec = worst ? 15 : (i == 1 ? 0 : 10);
        st->c.channels = worst ? UINT8_MAX : 2;
        st->playlist_requests = worst ? UINT64_MAX : 10 * i;
        st->segment_requests = worst ? UINT64_MAX : 20 * i;
        st->bytes_out = worst ? UINT64_MAX : 123456789 * i;

        st->viewers_active = worst ? UINT32_MAX : 11 * i;

        sts[i] = st;

        if (!worst && i == 1) {
            continue;                               /* no playlist */
        }

        /* the nested layout, NAME/index.m3u8, is the longer */
        hls[i].present = 1;
        hls[i].healthy = worst || i == 0;
        hls[i].playlist.len = name_len + sizeof("/index.m3u8") - 1;
        hls[i].playlist.data = malloc(hls[i].playlist.len);
        memcpy(hls[i].playlist.data, ngx_vstream_stream_name(st), name_len);
        memcpy(hls[i].playlist.data + name_len, "/index.m3u8",
               sizeof("/index.m3u8") - 1);
        hls[i].target_duration = worst ? UINT32_MAX : 2 + 2 * i;
        hls[i].media_sequence = worst ? UINT64_MAX : 100 + i;
        hls[i].segments = worst ? UINT32_MAX : 5;
        hls[i].window_ms = worst ? UINT64_MAX : 10010;
        hls[i].last_segment_ms = worst ? UINT32_MAX : 1999;
        hls[i].bitrate_bps = worst ? UINT64_MAX : 654321;
        hls[i].age_ms = worst ? UINT64_MAX : 1005 + 3000 * i;
    }

    return snap;
}


static void
t_free(ngx_vstream_snapshot_t *snap)
{
    ngx_uint_t               i;
    ngx_vstream_app_t      **apps;
    ngx_vstream_stream_t   **sts;

    sts = snap->streams.elts;
    apps = snap->apps.elts;

    for (i = 0; i < snap->streams.nelts; i++) {
        free(sts[i]);
        free(snap->hls[i].playlist.data);
    }

    for (i = 0; i < snap->apps.nelts; i++) {
        free(apps[i]);
    }

    free(sts);
    free(apps);
    free(snap->hls);
    free(snap);

    for (i = 0; i < t_nbufs; i++) {
        free(t_bufs[i]->start);
        free(t_bufs[i]);
    }

    t_nbufs = 0;
}


static int
t_write(const char *dir, const char *file, ngx_buf_t *b)
{
    char   path[1024];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);

    f = fopen(path, "w");

    if (f == NULL || b == NULL
        || fwrite(b->pos, 1, b->last - b->pos, f) != (size_t) (b->last - b->pos)
        || fclose(f) != 0)
    {
        fprintf(stderr, "render_test: cannot write %s\n", path);
        return 1;
    }

    return 0;
}


/* fixed snapshots' answers, one file each, to compare across a change */

static int
t_dump(const char *dir)
{
    int                      rc;
    ngx_vstream_hls_stats_t *hls;
    ngx_vstream_snapshot_t  *snap;

    rc = 0;

    snap = t_snapshot(T_STREAMS, T_APPS, '"', 1, 200, 0);
    rc |= t_write(dir, "plain-status.json", t_status(&t_pool, snap));
    rc |= t_write(dir, "plain-metrics.txt",
                  ngx_vstream_render_metrics(&t_pool, snap));
    rc |= t_write(dir, "plain-stream.json",
                  ngx_vstream_render_stream(&t_pool, snap));

    /* no playlists at all, and the zone's clock behind the wall's */
    hls = snap->hls;
    snap->hls = NULL;
    snap->t.started_at = snap->now + 10;
    rc |= t_write(dir, "nohls-status.json", t_status(&t_pool, snap));
    rc |= t_write(dir, "nohls-metrics.txt",
                  ngx_vstream_render_metrics(&t_pool, snap));
    snap->hls = hls;
    t_free(snap);

    snap = t_snapshot(T_STREAMS, T_APPS, 0xff, NGX_VSTREAM_NAME_MAX,
                      NGX_VSTREAM_NAME_MAX, 1);
    rc |= t_write(dir, "worst-status.json", t_status(&t_pool, snap));
    rc |= t_write(dir, "worst-metrics.txt",
                  ngx_vstream_render_metrics(&t_pool, snap));
    t_free(snap);

    snap = t_snapshot(0, 0, 'x', 1, 1, 0);
    snap->t.denied_count = 0;
    rc |= t_write(dir, "empty-status.json", t_status(&t_pool, snap));
    rc |= t_write(dir, "empty-metrics.txt",
                  ngx_vstream_render_metrics(&t_pool, snap));
    t_free(snap);

    return rc;
}


static double
t_cpu_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


/* CPU time per render, the best of ROUNDS rounds of 20 */

static int
t_bench(ngx_uint_t n, ngx_uint_t rounds)
{
    double                   t0, best[2];
    ngx_uint_t               r, i, k;
    ngx_vstream_snapshot_t  *snap;

    snap = t_snapshot(n, 2, 'x', 1, 11, 0);
    best[0] = best[1] = 1e300;
    t_reuse = 1;

    for (r = 0; r < rounds; r++) {
        for (k = 0; k < 2; k++) {
            t0 = t_cpu_ns();

            for (i = 0; i < 20; i++) {
                if ((k ? ngx_vstream_render_metrics(&t_pool, snap)
                       : t_status(&t_pool, snap)) == NULL)
                {
                    return 1;
                }
            }

            best[k] = ngx_min(best[k], (t_cpu_ns() - t0) / 20);
        }
    }

    printf("status %.0f us, metrics %.0f us at %lu streams\n",
           best[0] / 1000, best[1] / 1000, (unsigned long) n);

    t_free(snap);

    return 0;
}


/* the stubs: what the renderers need from the module and nginx */

ngx_pid_t  ngx_pid = 4242;

ngx_str_t  ngx_vstream_reasons[] = NGX_VSTREAM_REASON_NAMES;


/* a buffer of exactly the size asked for, or of what the test grants */

static ngx_buf_t *
t_buf(size_t size)
{
    ngx_buf_t  *b;

    static ngx_buf_t  kept;

    t_asked = size;

    if (size > t_grant) {
        size = t_grant;
    }

    if (t_reuse) {
        if ((size_t) (kept.end - kept.start) < size) {
            free(kept.start);
            kept.start = malloc(size);
            kept.end = kept.start + size;
        }

        kept.pos = kept.start;
        kept.last = kept.start;

        return &kept;
    }

    if (t_nbufs == sizeof(t_bufs) / sizeof(t_bufs[0])) {
        free(t_bufs[0]->start);
        free(t_bufs[0]);
        memmove(t_bufs, t_bufs + 1, --t_nbufs * sizeof(ngx_buf_t *));
    }

    b = calloc(1, sizeof(ngx_buf_t));
    b->start = malloc(size ? size : 1);
    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->temporary = 1;

    t_bufs[t_nbufs++] = b;

    return b;
}


ngx_buf_t *
ngx_vstream_answer_buf(ngx_pool_t *pool, size_t size)
{
    return t_buf(size);
}


ngx_buf_t *
ngx_create_temp_buf(ngx_pool_t *pool, size_t size)
{
    return t_buf(size);
}


/* scratch memory lives while one render runs: a ring of a few is enough */

void *
ngx_vstream_scratch_alloc(ngx_pool_t *pool, size_t size)
{
    static void        *ring[8];
    static ngx_uint_t   next;

    next = (next + 1) % 8;
    free(ring[next]);
    ring[next] = malloc(size);

    return ring[next];
}


ngx_uint_t
ngx_vstream_viewers_active(ngx_vstream_stream_t *st, time_t now)
{
    return st->viewers_active;
}


/* as the module's, over the stub of ngx_gmtime() below */

u_char *
ngx_vstream_time_rfc3339(u_char *p, time_t t)
{
    ngx_tm_t    tm;
    ngx_uint_t  i, v[7];

    static u_char  sep[] = "-T::Z";

    ngx_gmtime(t, &tm);

    v[0] = tm.ngx_tm_year / 100;
    v[1] = tm.ngx_tm_year % 100;
    v[2] = tm.ngx_tm_mon;
    v[3] = tm.ngx_tm_mday;
    v[4] = tm.ngx_tm_hour;
    v[5] = tm.ngx_tm_min;
    v[6] = tm.ngx_tm_sec;

    for (i = 0; i < 7; i++) {
        *p++ = (u_char) ('0' + v[i] / 10 % 10);
        *p++ = (u_char) ('0' + v[i] % 10);

        if (i >= 1) {
            *p++ = (u_char) (i == 1 ? '-' : sep[i - 2]);
        }
    }

    return p;
}


void
ngx_gmtime(time_t t, ngx_tm_t *tp)
{
    gmtime_r(&t, tp);
    tp->ngx_tm_mon++;
    tp->ngx_tm_year += 1900;
}


u_char *
ngx_rtmp_get_audio_codec_name(ngx_uint_t id)
{
    static u_char  *names[] = {
        (u_char *) "", (u_char *) "ADPCM", (u_char *) "MP3",
        (u_char *) "LinearLE", (u_char *) "Nellymoser16",
        (u_char *) "Nellymoser8", (u_char *) "Nellymoser", (u_char *) "G711A",
        (u_char *) "G711U", (u_char *) "", (u_char *) "AAC",
        (u_char *) "Speex", (u_char *) "", (u_char *) "", (u_char *) "MP3-8K",
        (u_char *) "DeviceSpecific", (u_char *) "Uncompressed"
    };

    return id < sizeof(names) / sizeof(names[0]) ? names[id] : names[0];
}


u_char *
ngx_rtmp_get_video_codec_name(ngx_uint_t id)
{
    static u_char  *names[] = {
        (u_char *) "", (u_char *) "Jpeg", (u_char *) "Sorenson-H263",
        (u_char *) "ScreenVideo", (u_char *) "On2-VP6",
        (u_char *) "On2-VP6-Alpha", (u_char *) "ScreenVideo2",
        (u_char *) "H264"
    };

    return id < sizeof(names) / sizeof(names[0]) ? names[id] : names[0];
}


void
ngx_log_error_core(ngx_uint_t level, ngx_log_t *log, ngx_err_t err,
    const char *fmt, ...)
{
    if (level == NGX_LOG_ALERT) {
        t_alerts++;
    }
}
