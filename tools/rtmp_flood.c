/*
 * rtmp-flood: many publishing RTMP connections from one process.
 *
 * Replays an FLV file (sequence headers first, then the media tags in a
 * loop, timestamps paced by the wall clock) on N connections from one
 * single-threaded epoll loop, and prints one line of key=value pairs.
 * Exit 0 when every stream published to the end, 1 otherwise, 2 on bad
 * usage.
 */

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "flv.h"
#include "rtmp_client.h"


#define RF_TICK_MS              10
#define RF_EVENTS               256
#define RF_PENDING_MAX          (256 * 1024)
#define RF_FAST_PENDING         (64 * 1024)
#define RF_WRITE_ROUNDS         16
#define RF_NOTICES              20
#define RF_REFUSE_GRACE         0.5     /* s after Publish.Start */


typedef enum {
    RF_RUNNING = 0,
    RF_OK,
    RF_REFUSED,
    RF_DROPPED,
    RF_FAILED
} rf_result_e;


typedef struct {
    rtmp_client_t       client;
    char                name[RTMP_NAME_MAX + 1];
    int                 label;          /* the name's length, without args */
    rf_result_e         result;
    double              started;        /* connect() */
    double              t0;             /* NetStream.Publish.Start */
    size_t              next;           /* next media tag */
    uint64_t            loop;
    uint64_t            tags;
    unsigned            headers_sent:1;
    unsigned            out_armed:1;
} rf_stream_t;


typedef struct {
    const char         *url;
    const char         *flv_path;
    const char         *name;
    const char         *prefix;
    const char         *args;
    int                 streams;
    double              duration;
    uint64_t            loops;
    double              rate;
    double              connect_rate;
    double              timeout;
    uint32_t            chunk_size;
    int                 verbose;
} rf_conf_t;


typedef struct {
    rf_conf_t           conf;
    rtmp_url_t          url;
    flv_file_t          flv;
    struct sockaddr_storage addr;
    socklen_t           addrlen;
    int                 epfd;
    rf_stream_t        *streams;
    int                 opened;

    int                 published;
    int                 count[RF_FAILED + 1];
    int                 notices;
    uint64_t            tags;
    uint64_t            bytes_out;
    uint64_t            bytes_in;
    double              late_max;
} rf_ctx_t;


static void rf_usage(FILE *out);
static int rf_parse_args(rf_conf_t *conf, int argc, char **argv);
static int rf_resolve(rf_ctx_t *ctx);
static void rf_raise_nofile(int streams);
static int rf_open(rf_ctx_t *ctx, rf_stream_t *s, double now);
static void rf_tick(rf_ctx_t *ctx, rf_stream_t *s, double now);
static void rf_read(rf_ctx_t *ctx, rf_stream_t *s, double now);
static void rf_write(rf_ctx_t *ctx, rf_stream_t *s, double now);
static void rf_closed(rf_ctx_t *ctx, rf_stream_t *s,
    rtmp_client_state_e state, double now);
static int rf_feed(rf_ctx_t *ctx, rf_stream_t *s, double now);
static int rf_loops_done(rf_ctx_t *ctx, rf_stream_t *s);
static void rf_arm(rf_ctx_t *ctx, rf_stream_t *s);
static void rf_finish(rf_ctx_t *ctx, rf_stream_t *s, rf_result_e result,
    const char *fmt, ...);
static void rf_summary(rf_ctx_t *ctx, double elapsed);
static double rf_now(void);
static void rf_signal(int signo);


static volatile sig_atomic_t  rf_stop;

static const char  *rf_result_names[] = {
    "running", "ok", "refused", "dropped", "failed"
};

static struct option  rf_options[] = {
    { "url",          required_argument, NULL, 'u' },
    { "flv",          required_argument, NULL, 'f' },
    { "streams",      required_argument, NULL, 'n' },
    { "name",         required_argument, NULL, 'N' },
    { "name-prefix",  required_argument, NULL, 'p' },
    { "args",         required_argument, NULL, 'a' },
    { "duration",     required_argument, NULL, 'd' },
    { "loops",        required_argument, NULL, 'l' },
    { "rate",         required_argument, NULL, 'r' },
    { "connect-rate", required_argument, NULL, 'c' },
    { "timeout",      required_argument, NULL, 't' },
    { "chunk-size",   required_argument, NULL, 'C' },
    { "verbose",      no_argument,       NULL, 'v' },
    { "help",         no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 }
};


int
main(int argc, char **argv)
{
    int                 i, n, active, rc;
    char                err[512];
    double              start, now, due;
    rf_ctx_t            ctx;
    rf_stream_t        *s;
    struct sigaction    sa;
    struct epoll_event  events[RF_EVENTS];

    memset(&ctx, 0, sizeof(rf_ctx_t));

    rc = rf_parse_args(&ctx.conf, argc, argv);
    if (rc != 0) {
        return rc;
    }

    if (rtmp_url_parse(ctx.conf.url, &ctx.url) != RTMP_OK) {
        fprintf(stderr, "rtmp-flood: bad --url \"%s\" "
                "(want rtmp://HOST[:PORT]/APP)\n", ctx.conf.url);
        return 2;
    }

    if (flv_load(&ctx.flv, ctx.conf.flv_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "rtmp-flood: %s\n", err);
        return 2;
    }

    if (rf_resolve(&ctx) != 0) {
        return 2;
    }

    rf_raise_nofile(ctx.conf.streams);

    ctx.streams = calloc(ctx.conf.streams, sizeof(rf_stream_t));
    ctx.epfd = epoll_create1(EPOLL_CLOEXEC);

    if (ctx.streams == NULL || ctx.epfd == -1) {
        fprintf(stderr, "rtmp-flood: %s\n", strerror(errno));
        return 2;
    }

    for (i = 0; i < ctx.conf.streams; i++) {
        ctx.streams[i].client.fd = -1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rf_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    start = rf_now();

    while (!rf_stop) {
        now = rf_now();

        while (ctx.opened < ctx.conf.streams
               && (ctx.conf.connect_rate <= 0
                   || ctx.opened < (now - start) * ctx.conf.connect_rate + 1))
        {
            s = &ctx.streams[ctx.opened++];
            (void) rf_open(&ctx, s, now);
        }

        active = 0;

        for (i = 0; i < ctx.opened; i++) {
            s = &ctx.streams[i];

            if (s->result == RF_RUNNING) {
                rf_tick(&ctx, s, now);
                active += (s->result == RF_RUNNING);
            }
        }

        if (active == 0 && ctx.opened == ctx.conf.streams) {
            break;
        }

        n = RF_TICK_MS;

        if (ctx.opened < ctx.conf.streams && ctx.conf.connect_rate > 0) {
            due = start + ctx.opened / ctx.conf.connect_rate - rf_now();
            if (due * 1000 < n) {
                n = due > 0 ? (int) (due * 1000) : 0;
            }
        }

        n = epoll_wait(ctx.epfd, events, RF_EVENTS, n);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            fprintf(stderr, "rtmp-flood: epoll_wait(): %s\n",
                    strerror(errno));
            break;
        }

        now = rf_now();

        for (i = 0; i < n; i++) {
            s = events[i].data.ptr;

            if (s->result == RF_RUNNING
                && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
            {
                rf_read(&ctx, s, now);
            }

            if (s->result == RF_RUNNING && (events[i].events & EPOLLOUT)) {
                rf_write(&ctx, s, now);
            }
        }
    }

    /* interrupted: who was publishing counts as having made it */

    now = rf_now();

    for (i = 0; i < ctx.conf.streams; i++) {
        s = &ctx.streams[i];

        if (s->result != RF_RUNNING) {
            continue;
        }

        if (s->client.state == RTMP_CLIENT_PUBLISHING) {
            rf_finish(&ctx, s, RF_OK, NULL);

        } else {
            rf_finish(&ctx, s, RF_FAILED, "interrupted in %s",
                      i < ctx.opened ? rtmp_client_state_name(s->client.state)
                                     : "queue");
        }
    }

    rf_summary(&ctx, now - start);

    for (i = 0; i < ctx.conf.streams; i++) {
        rtmp_client_free(&ctx.streams[i].client);
    }

    free(ctx.streams);
    flv_free(&ctx.flv);
    close(ctx.epfd);

    return ctx.count[RF_OK] == ctx.conf.streams ? 0 : 1;
}


static void
rf_usage(FILE *out)
{
    fprintf(out,
        "usage: rtmp-flood --url rtmp://HOST[:PORT]/APP --flv FILE [options]\n"
        "  --streams N          connections, each publishing (1)\n"
        "  --name-prefix P      stream names P1..PN (s)\n"
        "  --name NAME          one name for every stream\n"
        "  --args 'K=V&...'     appended to each name after '?'\n"
        "  --duration SECONDS   publish this long, from publish start (10;\n"
        "                       0 with --loops: until the loops are sent)\n"
        "  --loops N            stop after N passes over the file\n"
        "  --rate R             1: real time, 2: twice as fast, 0: full speed\n"
        "  --connect-rate C     new connections per second (500; 0: all)\n"
        "  --timeout SECONDS    to reach publishing (10)\n"
        "  --chunk-size BYTES   outgoing RTMP chunk size (4096)\n"
        "  --verbose            one line per stream event\n"
        "Prints one line: streams= published= ok= refused= dropped= failed=\n"
        "tags= bytes_out= bytes_in= elapsed_s= late_max_ms=.  Exit 0 when\n"
        "every stream published to the end; SIGINT/SIGTERM end the run,\n"
        "counting the streams publishing then as ok.\n");
}


static int
rf_parse_args(rf_conf_t *conf, int argc, char **argv)
{
    int     c;
    char   *end;
    double  v;

    conf->streams = 1;
    conf->prefix = "s";
    conf->duration = -1;
    conf->rate = 1;
    conf->connect_rate = 500;
    conf->timeout = 10;
    conf->chunk_size = 4096;

    while ((c = getopt_long(argc, argv, "u:f:n:N:p:a:d:l:r:c:t:C:vh",
                            rf_options, NULL)) != -1)
    {
        if (c == 'h') {
            rf_usage(stdout);
            exit(0);
        }

        if (c == 'v') {
            conf->verbose = 1;
            continue;
        }

        if (c == '?') {
            rf_usage(stderr);
            return 2;
        }

        v = 0;

        if (strchr("ndlrctC", c)) {
            errno = 0;
            v = strtod(optarg, &end);

            if (errno || end == optarg || *end != '\0' || v < 0) {
                fprintf(stderr, "rtmp-flood: bad number \"%s\"\n", optarg);
                return 2;
            }
        }

        switch (c) {
        case 'u': conf->url = optarg; break;
        case 'f': conf->flv_path = optarg; break;
        case 'N': conf->name = optarg; break;
        case 'p': conf->prefix = optarg; break;
        case 'a': conf->args = optarg; break;
        case 'n': conf->streams = (int) v; break;
        case 'd': conf->duration = v; break;
        case 'l': conf->loops = (uint64_t) v; break;
        case 'r': conf->rate = v; break;
        case 'c': conf->connect_rate = v; break;
        case 't': conf->timeout = v; break;
        case 'C': conf->chunk_size = (uint32_t) v; break;
        }
    }

    if (optind != argc || conf->url == NULL || conf->flv_path == NULL
        || conf->streams < 1 || conf->streams > 1000000
        || conf->chunk_size < 128 || conf->chunk_size > 65536)
    {
        rf_usage(stderr);
        return 2;
    }

    if (conf->duration < 0) {
        conf->duration = conf->loops ? 0 : 10;
    }

    return 0;
}


static int
rf_resolve(rf_ctx_t *ctx)
{
    int               rc;
    struct addrinfo   hints, *res;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(ctx->url.host, ctx->url.port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "rtmp-flood: %s:%s: %s\n", ctx->url.host,
                ctx->url.port, gai_strerror(rc));
        return -1;
    }

    memcpy(&ctx->addr, res->ai_addr, res->ai_addrlen);
    ctx->addrlen = res->ai_addrlen;
    freeaddrinfo(res);

    return 0;
}


static void
rf_raise_nofile(int streams)
{
    struct rlimit  rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0
        || rl.rlim_cur >= (rlim_t) streams + 64)
    {
        return;
    }

    rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY
                   || rl.rlim_max > (rlim_t) streams + 64)
                  ? (rlim_t) streams + 64 : rl.rlim_max;

    (void) setrlimit(RLIMIT_NOFILE, &rl);
}


static int
rf_open(rf_ctx_t *ctx, rf_stream_t *s, double now)
{
    int                 n;
    rtmp_client_conf_t  cc;
    struct epoll_event  ev;

    n = (int) (s - ctx->streams) + 1;

    if (ctx->conf.name) {
        n = snprintf(s->name, sizeof(s->name), "%s", ctx->conf.name);
    } else {
        n = snprintf(s->name, sizeof(s->name), "%s%d", ctx->conf.prefix, n);
    }

    s->label = n;

    if (ctx->conf.args && n >= 0 && (size_t) n < sizeof(s->name)) {
        snprintf(s->name + n, sizeof(s->name) - n, "?%s", ctx->conf.args);
    }

    s->started = now;

    cc.app = ctx->url.app;
    cc.tc_url = ctx->url.tc_url;
    cc.name = s->name;
    cc.flash_ver = NULL;
    cc.chunk_size = ctx->conf.chunk_size;

    if (rtmp_client_init(&s->client, &cc) != RTMP_OK) {
        rf_finish(ctx, s, RF_FAILED, "name or URL too long");
        return -1;
    }

    s->client.data = s;

    if (rtmp_client_connect(&s->client, (struct sockaddr *) &ctx->addr,
                            ctx->addrlen) != RTMP_OK)
    {
        rf_finish(ctx, s, RF_FAILED, "%s", s->client.error);
        return -1;
    }

    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = s;

    if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, s->client.fd, &ev) == -1) {
        rf_finish(ctx, s, RF_FAILED, "epoll_ctl(): %s", strerror(errno));
        return -1;
    }

    s->out_armed = 1;

    return 0;
}


static void
rf_tick(rf_ctx_t *ctx, rf_stream_t *s, double now)
{
    if (s->client.state != RTMP_CLIENT_PUBLISHING) {
        if (now - s->started > ctx->conf.timeout) {
            rf_finish(ctx, s, RF_FAILED, "timed out in %s",
                      rtmp_client_state_name(s->client.state));
        }

        return;
    }

    if (ctx->conf.duration > 0 && now - s->t0 >= ctx->conf.duration) {
        rf_finish(ctx, s, RF_OK, NULL);
        return;
    }

    if (rf_loops_done(ctx, s) && rtmp_client_pending(&s->client) == 0) {
        if (ctx->conf.duration == 0) {
            rf_finish(ctx, s, RF_OK, NULL);
        }

        return;
    }

    if (!s->out_armed) {
        rf_write(ctx, s, now);
    }
}


static void
rf_read(rf_ctx_t *ctx, rf_stream_t *s, double now)
{
    int                  rc;
    rtmp_client_state_e  state;

    state = s->client.state;

    if (state == RTMP_CLIENT_CONNECTING) {
        rf_write(ctx, s, now);          /* SO_ERROR says why, if it failed */
        return;
    }

    rc = rtmp_client_on_read(&s->client);

    if (rc == RTMP_CLOSED) {
        rf_closed(ctx, s, state, now);
        return;
    }

    if (rc == RTMP_ERROR) {
        rf_finish(ctx, s, RF_FAILED, "%s", s->client.error);
        return;
    }

    if (s->client.state == RTMP_CLIENT_REFUSED) {
        rf_finish(ctx, s, RF_REFUSED, "%s", s->client.status);
        return;
    }

    if (s->client.state == RTMP_CLIENT_PUBLISHING && s->t0 == 0) {
        s->t0 = now;
        ctx->published++;

        if (ctx->conf.verbose) {
            fprintf(stderr, "rtmp-flood: %.*s: publishing after %.3f s\n",
                    s->label, s->name, now - s->started);
        }
    }

    if (rtmp_client_pending(&s->client)) {
        rf_arm(ctx, s);
    }

    if (s->client.state == RTMP_CLIENT_PUBLISHING) {
        rf_write(ctx, s, now);
    }
}


static void
rf_write(rf_ctx_t *ctx, rf_stream_t *s, double now)
{
    int                  i, rc;
    rtmp_client_state_e  state;

    state = s->client.state;

    if (s->client.state == RTMP_CLIENT_CONNECTING
        || s->client.state == RTMP_CLIENT_PUBLISHING)
    {
        rc = rtmp_client_on_write(&s->client);

    } else {
        rc = rtmp_client_flush(&s->client);
    }

    for (i = 0; rc == RTMP_OK && i < RF_WRITE_ROUNDS; i++) {
        if (s->client.state != RTMP_CLIENT_PUBLISHING
            || rf_feed(ctx, s, now) == 0)
        {
            break;
        }

        rc = rtmp_client_flush(&s->client);
    }

    if (rc == RTMP_CLOSED) {
        rf_closed(ctx, s, state, now);
        return;
    }

    if (rc == RTMP_ERROR) {
        rf_finish(ctx, s, RF_FAILED, "%s", s->client.error);
        return;
    }

    rf_arm(ctx, s);
}


/*
 * nginx-rtmp's own access rules run after its live module has answered
 * NetStream.Publish.Start, and then close the connection in the same event.
 * Whether the close reaches us in the read that brought the status, or in
 * a later one after we sent the sequence headers, is a matter of timing.
 * So a close within RF_REFUSE_GRACE of Publish.Start is a refusal, not a
 * drop, and the stream does not count as published.
 */

static void
rf_closed(rf_ctx_t *ctx, rf_stream_t *s, rtmp_client_state_e state,
    double now)
{
    if (s->client.published && s->t0 != 0
        && now - s->t0 >= RF_REFUSE_GRACE)
    {
        rf_finish(ctx, s, RF_DROPPED, "closed by the server after %.1f s "
                  "of publishing", now - s->t0);
        return;
    }

    if (s->t0 != 0) {
        ctx->published--;
        s->t0 = 0;
    }

    rf_finish(ctx, s, RF_REFUSED, "closed by the server in %s%s%s",
              rtmp_client_state_name(state),
              s->client.status[0] ? ", last status " : "", s->client.status);
}


/* queues the tags that are due; returns how many */

static int
rf_feed(rf_ctx_t *ctx, rf_stream_t *s, double now)
{
    int             n;
    size_t          i, limit;
    double          due;
    uint64_t        vts;
    flv_file_t     *flv;
    const flv_tag_t *tag;

    flv = &ctx->flv;
    n = 0;

    if (!s->headers_sent) {
        for (i = 0; i < flv->nheaders; i++) {
            tag = &flv->headers[i];

            if (rtmp_client_send_media(&s->client, tag->type, 0, tag->data,
                                       tag->size) != RTMP_OK)
            {
                return 0;
            }
        }

        s->headers_sent = 1;
        n++;
    }

    limit = ctx->conf.rate > 0 ? RF_PENDING_MAX : RF_FAST_PENDING;

    while (rtmp_client_pending(&s->client) < limit && !rf_loops_done(ctx, s)) {
        tag = &flv->media[s->next];
        vts = s->loop * flv->duration + tag->timestamp;

        if (ctx->conf.rate > 0) {
            due = s->t0 + vts / 1000.0 / ctx->conf.rate;

            if (due > now) {
                break;
            }

            if (now - due > ctx->late_max) {
                ctx->late_max = now - due;
            }
        }

        if (rtmp_client_send_media(&s->client, tag->type, (uint32_t) vts,
                                   tag->data, tag->size) != RTMP_OK)
        {
            break;
        }

        s->tags++;
        n++;

        if (++s->next == flv->nmedia) {
            s->next = 0;
            s->loop++;
        }
    }

    return n;
}


static int
rf_loops_done(rf_ctx_t *ctx, rf_stream_t *s)
{
    return ctx->conf.loops && s->loop >= ctx->conf.loops;
}


static void
rf_arm(rf_ctx_t *ctx, rf_stream_t *s)
{
    int                 want;
    struct epoll_event  ev;

    want = rtmp_client_pending(&s->client) > 0
           || s->client.state == RTMP_CLIENT_CONNECTING;

    if (want == s->out_armed || s->client.fd == -1) {
        return;
    }

    ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
    ev.data.ptr = s;

    if (epoll_ctl(ctx->epfd, EPOLL_CTL_MOD, s->client.fd, &ev) == 0) {
        s->out_armed = want;
    }
}


static void
rf_finish(rf_ctx_t *ctx, rf_stream_t *s, rf_result_e result,
    const char *fmt, ...)
{
    char     msg[256];
    va_list  args;

    if (result == RF_OK && s->client.state == RTMP_CLIENT_PUBLISHING) {
        if (rtmp_client_unpublish(&s->client) == RTMP_OK) {
            (void) rtmp_client_flush(&s->client);
        }
    }

    s->result = result;
    ctx->count[result]++;
    ctx->tags += s->tags;
    ctx->bytes_out += s->client.bytes_out;
    ctx->bytes_in += s->client.bytes_in;

    rtmp_client_close(&s->client);

    if (fmt == NULL) {
        msg[0] = '\0';

    } else {
        va_start(args, fmt);
        vsnprintf(msg, sizeof(msg), fmt, args);
        va_end(args);
    }

    if (result == RF_OK && !ctx->conf.verbose) {
        return;
    }

    if (!ctx->conf.verbose && ++ctx->notices > RF_NOTICES) {
        return;
    }

    fprintf(stderr, "rtmp-flood: %.*s: %s%s%s\n", s->label, s->name,
            rf_result_names[result], msg[0] ? ": " : "", msg);
}


static void
rf_summary(rf_ctx_t *ctx, double elapsed)
{
    if (ctx->notices > RF_NOTICES) {
        fprintf(stderr, "rtmp-flood: %d more stream events not shown "
                "(--verbose shows them)\n", ctx->notices - RF_NOTICES);
    }

    printf("streams=%d published=%d ok=%d refused=%d dropped=%d failed=%d "
           "tags=%llu bytes_out=%llu bytes_in=%llu elapsed_s=%.3f "
           "late_max_ms=%.0f\n",
           ctx->conf.streams, ctx->published, ctx->count[RF_OK],
           ctx->count[RF_REFUSED], ctx->count[RF_DROPPED],
           ctx->count[RF_FAILED], (unsigned long long) ctx->tags,
           (unsigned long long) ctx->bytes_out,
           (unsigned long long) ctx->bytes_in, elapsed,
           ctx->late_max * 1000);

    fflush(stdout);
}


static double
rf_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
rf_signal(int signo)
{
    (void) signo;

    rf_stop = 1;
}
