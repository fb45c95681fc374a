/*
 * rtmp-hostile: a raw RTMP client that sends what a server must survive.
 *
 * Runs named cases against rtmp://HOST:PORT/APP, one after the other, and
 * prints one line per case:
 *
 *     case=NAME result=RESULT ms=N [key=value ...]
 *
 * RESULT is what the server did with the case's last step: "accepted"
 * (NetStream.Publish.Start, or a connect _result where nothing is
 * published), "refused" (an error onStatus or _error), "closed" (it closed
 * the connection without an answer), "ignored" (no answer within --wait
 * ms, the connection still open), or "error" (a step before the hostile
 * one failed, or a local error).  Exit 0 when every case ran, 1 when the
 * server could not be reached, 2 on bad usage.
 *
 * Blocking sockets with poll() deadlines: one connection at a time, except
 * for the publish cycles (--jobs processes) and the half-open connections.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtmp_client.h"


#define RH_IN_STREAMS           16
#define RH_SERVER_MAX_MSG       (4 * 1024 * 1024)
#define RH_PAD_PROP             60000   /* bytes per connect padding prop */
#define RH_ANSWER_MS            10000   /* for answers that must come */
#define RH_NAME_BIG             10000

#define RH_TXN_CONNECT          1
#define RH_TXN_CREATE_STREAM    2
#define RH_TXN_PUBLISH          3


typedef enum {
    RH_ACCEPTED = 0,
    RH_REFUSED,
    RH_CLOSED,
    RH_IGNORED,
    RH_ERROR
} rh_result_e;


typedef enum {
    RH_EV_TIMEOUT = 0,
    RH_EV_READY,                        /* a command, or the bytes wanted */
    RH_EV_CLOSED
} rh_event_e;


typedef struct {
    uint32_t            csid;
    uint32_t            len;
    uint32_t            got;
    uint32_t            cap;
    uint8_t             type;
    u_char             *msg;
} rh_in_t;


typedef struct {
    int                 fd;
    uint32_t            out_chunk;
    uint32_t            in_chunk;
    rtmp_buf_t          in;
    rh_in_t             st[RH_IN_STREAMS];

    char                cmd[64];        /* the last command received */
    double              txn;
    double              result;         /* its first number after null */
    char                code[128];
    char                level[32];
} rh_conn_t;


typedef struct {
    const char         *url;
    const char         *live_name;
    int                 wait_ms;
    int                 cycles;
    int                 jobs;
    int                 half_open;
    double              hold;
    int                 list;
} rh_conf_t;


typedef struct rh_case_s  rh_case_t;

typedef rh_result_e (*rh_case_pt)(rh_case_t *rc, char *info, size_t size);

struct rh_case_s {
    const char         *name;
    rh_case_pt          handler;
    int                 arg;            /* a byte, a length, a chunk size */
    const char         *desc;
};


static rh_result_e rh_hs_bad_version(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_hs_bad_digest(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_hs_short_c1(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_hs_garbage_c2(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_hs_then_garbage(rh_case_t *rc, char *info,
    size_t size);
static rh_result_e rh_chunk_size(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_chunk_size_use(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_publish_no_connect(rh_case_t *rc, char *info,
    size_t size);
static rh_result_e rh_publish_no_create(rh_case_t *rc, char *info,
    size_t size);
static rh_result_e rh_second_publish(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_duplicate(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_long_name(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_bad_name(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_cycles(rh_case_t *rc, char *info, size_t size);
static rh_result_e rh_half_open(rh_case_t *rc, char *info, size_t size);

static int rh_open(rh_conn_t *c);
static void rh_close(rh_conn_t *c);
static int rh_send(rh_conn_t *c, const u_char *data, size_t len);
static int rh_send_msg(rh_conn_t *c, uint32_t csid, uint8_t type,
    uint32_t msid, const u_char *body, size_t len);
static int rh_send_chunk_size(rh_conn_t *c, uint32_t size);
static int rh_handshake(rh_conn_t *c, int version, int c1_version,
    int garbage_c2);
static int rh_send_connect(rh_conn_t *c, size_t pad);
static int rh_send_create_stream(rh_conn_t *c);
static int rh_send_publish(rh_conn_t *c, uint32_t msid, const char *name,
    size_t len);
static ssize_t rh_recv(rh_conn_t *c);
static rh_event_e rh_wait_cmd(rh_conn_t *c, int ms);
static int rh_fill(rh_conn_t *c);
static rh_event_e rh_wait_bytes(rh_conn_t *c, size_t need, int ms);
#define rh_wait_closed(c, ms)  rh_wait_bytes(c, (size_t) -1, ms)
static rh_result_e rh_create_stream(rh_conn_t *c);
static rh_result_e rh_connect_result(rh_conn_t *c, int ms);
static rh_result_e rh_txn_result(rh_conn_t *c, int txn, int ms);
static rh_result_e rh_publish_result(rh_conn_t *c, int ms);
static rh_result_e rh_publish_flow(rh_conn_t *c, const char *name,
    size_t len, char *info, size_t size);
static int rh_parse(rh_conn_t *c);
static int rh_message(rh_conn_t *c, rh_in_t *st);
static void rh_fill_random(u_char *p, size_t len, uint32_t seed);
static double rh_now(void);
static void rh_usage(FILE *out);


static rh_conf_t           rh_conf;
static rtmp_url_t          rh_url;
static struct sockaddr_storage  rh_addr;
static socklen_t           rh_addrlen;

static const char  *rh_result_names[] = {
    "accepted", "refused", "closed", "ignored", "error"
};

static const char  *rh_bad_names[] = {
    "slash", "bad/x",
    "backslash", "bad\\x",
    "dotdot", "bad..x",
    "dot", "."
};


#define RH_CASE(name, h, arg, desc)  { name, h, arg, desc }

static rh_case_t  rh_fixed_cases[] = {
    RH_CASE("hs-bad-version", rh_hs_bad_version, 0,
            "C0 version 6 instead of 3, then a whole C1"),
    RH_CASE("hs-bad-digest", rh_hs_bad_digest, 0,
            "C1 claims a digest handshake (version field set), random"),
    RH_CASE("hs-short-c1", rh_hs_short_c1, 0,
            "C0 and 700 bytes of C1, then close"),
    RH_CASE("hs-garbage-c2", rh_hs_garbage_c2, 0,
            "C2 of random bytes instead of S1's echo, then connect"),
    RH_CASE("hs-then-garbage", rh_hs_then_garbage, 0,
            "a good handshake, then 8 KB of random bytes"),
    RH_CASE("chunk-size-0", rh_chunk_size, 0,
            "set chunk size 0, then connect"),
    RH_CASE("chunk-size-max", rh_chunk_size, 0x7fffffff,
            "set chunk size 2^31-1, then a 2 KB connect in one chunk"),
    RH_CASE("chunk-size-64k-use", rh_chunk_size_use, 65536,
            "set chunk size 65536, a 60 KB connect in one chunk, publish"),
    RH_CASE("chunk-size-10m-use", rh_chunk_size_use, 10485760,
            "set chunk size 10 MB (nginx-rtmp's cap), a 300 KB connect "
            "in one chunk, publish"),
    RH_CASE("publish-no-connect", rh_publish_no_connect, 0,
            "publish right after the handshake"),
    RH_CASE("publish-no-create-stream", rh_publish_no_create, 0,
            "connect, then publish on stream 1 without createStream"),
    RH_CASE("name-256", rh_long_name, 256, "a 256-byte name"),
    RH_CASE("name-1000", rh_long_name, 1000, "a 1,000-byte name"),
    RH_CASE("name-10000", rh_long_name, RH_NAME_BIG, "a 10,000-byte name")
};

/* after the names: the denial ring (the last 32) still holds these */

static rh_case_t  rh_tail_cases[] = {
    RH_CASE("second-publish-other", rh_second_publish, 0,
            "publish A, then publish B on the same connection"),
    RH_CASE("second-publish-same", rh_second_publish, 1,
            "publish A, then publish A again on the same connection"),
    RH_CASE("second-publish-live-elsewhere", rh_second_publish, 2,
            "publish A, then the name live on another connection"),
    RH_CASE("publish-duplicate", rh_duplicate, 0,
            "a new connection publishes the name live elsewhere"),
    RH_CASE("cycles", rh_cycles, 0,
            "publish and close, --cycles times, --jobs at once"),
    RH_CASE("half-open", rh_half_open, 0,
            "--half-open connections with part of a handshake or nothing, "
            "held --hold s while one full publish runs, then released")
};

static rh_case_t   *rh_cases;
static size_t       rh_ncases;


int
main(int argc, char **argv)
{
    int               opt, i, selected, ran;
    char              info[512], *name;
    size_t            n, k;
    double            t0;
    rh_case_t        *rc;
    rh_result_e       r;
    struct addrinfo   hints, *ai;
    struct rlimit     rl;

    static const struct option  options[] = {
        { "url", required_argument, NULL, 'u' },
        { "live-name", required_argument, NULL, 'n' },
        { "wait", required_argument, NULL, 'w' },
        { "cycles", required_argument, NULL, 'c' },
        { "jobs", required_argument, NULL, 'j' },
        { "half-open", required_argument, NULL, 'o' },
        { "hold", required_argument, NULL, 'H' },
        { "list", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    rh_conf.live_name = "live";
    rh_conf.wait_ms = 700;
    rh_conf.cycles = 1000;
    rh_conf.jobs = 4;
    rh_conf.half_open = 300;
    rh_conf.hold = 2;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'u':
            rh_conf.url = optarg;
            break;
        case 'n':
            rh_conf.live_name = optarg;
            break;
        case 'w':
            rh_conf.wait_ms = atoi(optarg);
            break;
        case 'c':
            rh_conf.cycles = atoi(optarg);
            break;
        case 'j':
            rh_conf.jobs = atoi(optarg);
            break;
        case 'o':
            rh_conf.half_open = atoi(optarg);
            break;
        case 'H':
            rh_conf.hold = atof(optarg);
            break;
        case 'l':
            rh_conf.list = 1;
            break;
        case 'h':
            rh_usage(stdout);
            return 0;
        default:
            rh_usage(stderr);
            return 2;
        }
    }

    /* the fixed cases, one per forbidden name byte, the tail cases */

    n = sizeof(rh_fixed_cases) / sizeof(rh_fixed_cases[0])
        + 31 + 1 + sizeof(rh_bad_names) / sizeof(rh_bad_names[0]) / 2
        + sizeof(rh_tail_cases) / sizeof(rh_tail_cases[0]);

    rh_cases = calloc(n, sizeof(rh_case_t));
    if (rh_cases == NULL) {
        return 1;
    }

    for (k = 0; k < sizeof(rh_fixed_cases) / sizeof(rh_fixed_cases[0]); k++) {
        rh_cases[rh_ncases++] = rh_fixed_cases[k];
    }

    for (i = 0x01; i <= 0x20; i++) {
        name = malloc(16);
        if (name == NULL) {
            return 1;
        }

        /* 0x20 stands for 0x7f: the control bytes, then DEL */
        snprintf(name, 16, "name-0x%02x", i == 0x20 ? 0x7f : i);

        rc = &rh_cases[rh_ncases++];
        rc->name = name;
        rc->handler = rh_bad_name;
        rc->arg = i == 0x20 ? 0x7f : i;
        rc->desc = "a name with a control byte";
    }

    for (k = 0; k < sizeof(rh_bad_names) / sizeof(rh_bad_names[0]); k += 2) {
        name = malloc(32);
        if (name == NULL) {
            return 1;
        }

        snprintf(name, 32, "name-%s", rh_bad_names[k]);

        rc = &rh_cases[rh_ncases++];
        rc->name = name;
        rc->handler = rh_bad_name;
        rc->arg = -1 - (int) (k / 2);
        rc->desc = rh_bad_names[k + 1];
    }

    for (k = 0; k < sizeof(rh_tail_cases) / sizeof(rh_tail_cases[0]); k++) {
        rh_cases[rh_ncases++] = rh_tail_cases[k];
    }

    if (rh_conf.list) {
        for (k = 0; k < rh_ncases; k++) {
            printf("%-32s %s\n", rh_cases[k].name, rh_cases[k].desc);
        }

        return 0;
    }

    if (rh_conf.url == NULL || rtmp_url_parse(rh_conf.url, &rh_url) != 0
        || rh_conf.wait_ms <= 0 || rh_conf.cycles < 0 || rh_conf.jobs < 1
        || rh_conf.half_open < 0 || rh_conf.hold < 0)
    {
        rh_usage(stderr);
        return 2;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(rh_url.host, rh_url.port, &hints, &ai) != 0) {
        fprintf(stderr, "rtmp-hostile: cannot resolve %s\n", rh_url.host);
        return 1;
    }

    memcpy(&rh_addr, ai->ai_addr, ai->ai_addrlen);
    rh_addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0
        && rl.rlim_cur < (rlim_t) rh_conf.half_open + 64)
    {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    ran = 0;

    for (k = 0; k < rh_ncases; k++) {
        rc = &rh_cases[k];

        if (optind < argc) {
            selected = 0;

            for (i = optind; i < argc; i++) {
                n = strlen(argv[i]);

                if (strcmp(argv[i], rc->name) == 0
                    || (n && argv[i][n - 1] == '*'
                        && strncmp(argv[i], rc->name, n - 1) == 0))
                {
                    selected = 1;
                }
            }

            if (!selected) {
                continue;
            }
        }

        info[0] = '\0';
        t0 = rh_now();

        r = rc->handler(rc, info, sizeof(info));

        printf("case=%s result=%s ms=%.1f%s%s\n", rc->name,
               rh_result_names[r], (rh_now() - t0) * 1000,
               info[0] ? " " : "", info);

        if (r == RH_ERROR && strstr(info, "unreachable")) {
            return 1;
        }

        ran++;
    }

    if (ran == 0) {
        fprintf(stderr, "rtmp-hostile: no case matched\n");
        return 2;
    }

    return 0;
}


static void
rh_usage(FILE *out)
{
    fprintf(out,
        "usage: rtmp-hostile --url rtmp://HOST:PORT/APP [--live-name NAME]\n"
        "           [--wait MS] [--cycles N] [--jobs J] [--half-open N]\n"
        "           [--hold S] [--list] [CASE|PREFIX* ...]\n"
        "  --live-name  a name live on another connection (default live)\n"
        "  --wait       how long a silent server is waited for (700 ms)\n"
        "  --cycles     publish/close cycles (1000), over --jobs (4)\n"
        "  --half-open  half-open connections (300), held --hold s (2)\n"
        "One line per case: case=NAME result=accepted|refused|closed|"
        "ignored|error ms=N ...\n");
}


/* C0 with version 6: nginx-rtmp reads all of C1 before it looks */

static rh_result_e
rh_hs_bad_version(rh_case_t *rc, char *info, size_t size)
{
    rh_conn_t    c;
    rh_event_e   ev;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_handshake(&c, 6, 0, 0);

    if (r == 0) {
        r = RH_ACCEPTED;
        snprintf(info, size, "info=\"S0 S1 S2 came back\"");

    } else if (r == 1) {
        ev = rh_wait_closed(&c, RH_ANSWER_MS);
        r = (ev == RH_EV_CLOSED) ? RH_CLOSED : RH_IGNORED;

    } else {
        r = RH_CLOSED;
    }

    rh_close(&c);

    return r;
}


/* a C1 whose version field asks for the digest handshake, with no digest */

static rh_result_e
rh_hs_bad_digest(rh_case_t *rc, char *info, size_t size)
{
    int          r;
    rh_conn_t    c;
    rh_result_e  res;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_handshake(&c, 3, 1, 0);

    if (r == 0) {
        /* nginx-rtmp may fall back to the old style: see if it talks */
        if (rh_send_connect(&c, 0) != 0) {
            res = RH_CLOSED;

        } else {
            res = rh_connect_result(&c, RH_ANSWER_MS);
        }

        snprintf(info, size, "handshake=done");

    } else if (r == 1) {
        res = rh_wait_closed(&c, RH_ANSWER_MS) == RH_EV_CLOSED
              ? RH_CLOSED : RH_IGNORED;
        snprintf(info, size, "handshake=unanswered");

    } else {
        res = RH_CLOSED;
        snprintf(info, size, "handshake=closed");
    }

    rh_close(&c);

    return res;
}


static rh_result_e
rh_hs_short_c1(rh_case_t *rc, char *info, size_t size)
{
    u_char       buf[1 + 700];
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    buf[0] = 0x03;
    memset(buf + 1, 0, 8);
    rh_fill_random(buf + 9, sizeof(buf) - 9, 7);

    if (rh_send(&c, buf, sizeof(buf)) != 0) {
        r = RH_CLOSED;

    } else {
        r = (rh_wait_cmd(&c, rh_conf.wait_ms) == RH_EV_CLOSED)
            ? RH_CLOSED : RH_IGNORED;
    }

    rh_close(&c);

    return r;
}


static rh_result_e
rh_hs_garbage_c2(rh_case_t *rc, char *info, size_t size)
{
    int          r;
    rh_conn_t    c;
    rh_result_e  res;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_handshake(&c, 3, 0, 1);

    if (r != 0 || rh_send_connect(&c, 0) != 0) {
        res = RH_CLOSED;

    } else {
        res = rh_connect_result(&c, RH_ANSWER_MS);
    }

    rh_close(&c);

    return res;
}


static rh_result_e
rh_hs_then_garbage(rh_case_t *rc, char *info, size_t size)
{
    u_char       buf[8192];
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    if (rh_handshake(&c, 3, 0, 0) != 0) {
        rh_close(&c);
        snprintf(info, size, "info=\"handshake failed\"");
        return RH_ERROR;
    }

    rh_fill_random(buf, sizeof(buf), 41);

    if (rh_send(&c, buf, sizeof(buf)) != 0) {
        r = RH_CLOSED;

    } else {
        r = (rh_wait_cmd(&c, rh_conf.wait_ms) == RH_EV_CLOSED)
            ? RH_CLOSED : RH_IGNORED;
    }

    rh_close(&c);

    return r;
}


/*
 * Set chunk size 0 or 2^31-1, then a connect: after 0 it goes out in
 * 128-byte chunks (we cannot chunk at 0), after 2^31-1 as one 2 KB chunk.
 */

static rh_result_e
rh_chunk_size(rh_case_t *rc, char *info, size_t size)
{
    rh_conn_t    c;
    rh_result_e  r;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    if (rh_handshake(&c, 3, 0, 0) != 0) {
        rh_close(&c);
        snprintf(info, size, "info=\"handshake failed\"");
        return RH_ERROR;
    }

    if (rh_send_chunk_size(&c, (uint32_t) rc->arg) != 0) {
        rh_close(&c);
        return RH_CLOSED;
    }

    if (rc->arg == 0) {
        c.out_chunk = 128;
    }

    if (rh_send_connect(&c, rc->arg ? 2000 : 0) != 0) {
        r = RH_CLOSED;

    } else {
        r = rh_connect_result(&c, rh_conf.wait_ms);
    }

    snprintf(info, size, "chunk_size=%u", (unsigned) rc->arg);

    rh_close(&c);

    return r;
}


/* a large chunk size, then a connect that fills one chunk, then publish */

static rh_result_e
rh_chunk_size_use(rh_case_t *rc, char *info, size_t size)
{
    char         name[64];
    size_t       pad;
    rh_conn_t    c;
    rh_result_e  r;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    if (rh_handshake(&c, 3, 0, 0) != 0) {
        rh_close(&c);
        snprintf(info, size, "info=\"handshake failed\"");
        return RH_ERROR;
    }

    pad = (rc->arg > 65536) ? 300000 : 60000;

    if (rh_send_chunk_size(&c, (uint32_t) rc->arg) != 0
        || rh_send_connect(&c, pad) != 0)
    {
        rh_close(&c);
        return RH_CLOSED;
    }

    r = rh_connect_result(&c, RH_ANSWER_MS);

    if (r == RH_ACCEPTED) {
        snprintf(name, sizeof(name), "hostile-chunk-%d", rc->arg);

        r = rh_create_stream(&c);

        if (r == RH_ACCEPTED) {
            r = (rh_send_publish(&c, (uint32_t) c.result, name, strlen(name))
                 == 0)
                ? rh_publish_result(&c, RH_ANSWER_MS) : RH_CLOSED;
        }
    }

    snprintf(info, size, "chunk_size=%d connect_bytes=%zu", rc->arg,
             pad + 200);

    rh_close(&c);

    return r;
}


static rh_result_e
rh_publish_no_connect(rh_case_t *rc, char *info, size_t size)
{
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    if (rh_handshake(&c, 3, 0, 0) != 0) {
        rh_close(&c);
        snprintf(info, size, "info=\"handshake failed\"");
        return RH_ERROR;
    }

    if (rh_send_publish(&c, 1, "hostile-noconnect",
                        sizeof("hostile-noconnect") - 1)
        != 0)
    {
        r = RH_CLOSED;

    } else {
        r = rh_publish_result(&c, rh_conf.wait_ms);
    }

    rh_close(&c);

    return r;
}


static rh_result_e
rh_publish_no_create(rh_case_t *rc, char *info, size_t size)
{
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    if (rh_handshake(&c, 3, 0, 0) != 0 || rh_send_connect(&c, 0) != 0
        || rh_connect_result(&c, RH_ANSWER_MS) != RH_ACCEPTED)
    {
        rh_close(&c);
        snprintf(info, size, "info=\"connect failed\"");
        return RH_ERROR;
    }

    if (rh_send_publish(&c, 1, "hostile-nocreate",
                        sizeof("hostile-nocreate") - 1)
        != 0)
    {
        r = RH_CLOSED;

    } else {
        r = rh_publish_result(&c, RH_ANSWER_MS);
    }

    rh_close(&c);

    return r;
}


/*
 * Publish A, then on the same connection (a second createStream, as a
 * client reusing its connection would) publish B, A again, or the name
 * live on another connection.  The result is the second publish's.
 */

static rh_result_e
rh_second_publish(rh_case_t *rc, char *info, size_t size)
{
    int           open;
    char          first[64];
    const char   *second;
    rh_conn_t     c;
    rh_result_e   r;

    snprintf(first, sizeof(first), "hostile-second-%d", rc->arg);

    second = (rc->arg == 0) ? "hostile-second-other"
             : (rc->arg == 1) ? first : rh_conf.live_name;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_publish_flow(&c, first, strlen(first), NULL, 0);

    if (r != RH_ACCEPTED) {
        snprintf(info, size, "first=%s", rh_result_names[r]);
        rh_close(&c);
        return RH_ERROR;
    }

    r = rh_create_stream(&c);

    if (r == RH_ACCEPTED) {
        r = (rh_send_publish(&c, (uint32_t) c.result, second, strlen(second))
             == 0)
            ? rh_publish_result(&c, RH_ANSWER_MS) : RH_CLOSED;
    }

    /* is the connection (and its first stream) still there? */

    open = (r != RH_CLOSED
            && rh_wait_closed(&c, rh_conf.wait_ms) != RH_EV_CLOSED);

    snprintf(info, size, "first=accepted second=\"%s\" open_after=%s",
             second, open ? "yes" : "no");

    rh_close(&c);

    return r;
}


static rh_result_e
rh_duplicate(rh_case_t *rc, char *info, size_t size)
{
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_publish_flow(&c, rh_conf.live_name, strlen(rh_conf.live_name),
                        info, size);

    rh_close(&c);

    return r;
}


/* distinct prefixes: nginx-rtmp keeps 255 bytes, and those must differ */

static rh_result_e
rh_long_name(rh_case_t *rc, char *info, size_t size)
{
    int          n;
    char        *name;
    rh_conn_t    c;
    rh_result_e  r;

    name = malloc(rc->arg + 1);
    if (name == NULL) {
        snprintf(info, size, "info=\"out of memory\"");
        return RH_ERROR;
    }

    n = snprintf(name, rc->arg + 1, "hostile-long%d-", rc->arg);
    memset(name + n, 'a', rc->arg - n);
    name[rc->arg] = '\0';

    if (rh_open(&c) != 0) {
        free(name);
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_publish_flow(&c, name, rc->arg, info, size);

    snprintf(info, size, "name_bytes=%d prefix=hostile-long%d-",
             rc->arg, rc->arg);

    rh_close(&c);
    free(name);

    return r;
}


static rh_result_e
rh_bad_name(rh_case_t *rc, char *info, size_t size)
{
    char         name[32];
    const char  *p;
    rh_conn_t    c;
    rh_result_e  r;

    if (rc->arg > 0) {
        snprintf(name, sizeof(name), "bad%cx", rc->arg);
        p = name;

    } else {
        p = rh_bad_names[(-1 - rc->arg) * 2 + 1];
    }

    if (rh_open(&c) != 0) {
        snprintf(info, size, "info=unreachable");
        return RH_ERROR;
    }

    r = rh_publish_flow(&c, p, strlen(p), info, size);

    rh_close(&c);

    return r;
}


/*
 * --cycles full publishes, each closed right after NetStream.Publish.Start,
 * over --jobs processes; each name is used once, so that a close still in
 * flight on one worker is no duplicate on the other.
 */

static rh_result_e
rh_cycles(rh_case_t *rc, char *info, size_t size)
{
    int          j, i, fds[2], counts[RH_ERROR + 1], got[RH_ERROR + 1];
    char         name[64];
    pid_t        pid;
    rh_conn_t    c;
    rh_result_e  r;

    (void) rc;

    if (pipe(fds) != 0) {
        snprintf(info, size, "info=\"pipe failed\"");
        return RH_ERROR;
    }

    for (j = 0; j < rh_conf.jobs; j++) {
        pid = fork();

        if (pid == -1) {
            snprintf(info, size, "info=\"fork failed\"");
            return RH_ERROR;
        }

        if (pid) {
            continue;
        }

        close(fds[0]);
        memset(counts, 0, sizeof(counts));

        for (i = j; i < rh_conf.cycles; i += rh_conf.jobs) {
            snprintf(name, sizeof(name), "hostile-cycle-%d", i);

            if (rh_open(&c) != 0) {
                counts[RH_ERROR]++;
                continue;
            }

            r = rh_publish_flow(&c, name, strlen(name), NULL, 0);
            counts[r]++;

            rh_close(&c);
        }

        if (write(fds[1], counts, sizeof(counts)) != sizeof(counts)) {
            _exit(1);
        }

        _exit(0);
    }

    close(fds[1]);
    memset(got, 0, sizeof(got));

    while (read(fds[0], counts, sizeof(counts)) == sizeof(counts)) {
        for (i = 0; i <= RH_ERROR; i++) {
            got[i] += counts[i];
        }
    }

    close(fds[0]);

    while (wait(NULL) > 0) {
        /* void */
    }

    snprintf(info, size, "cycles=%d jobs=%d accepted=%d refused=%d "
             "closed=%d ignored=%d error=%d", rh_conf.cycles, rh_conf.jobs,
             got[RH_ACCEPTED], got[RH_REFUSED], got[RH_CLOSED],
             got[RH_IGNORED], got[RH_ERROR]);

    return got[RH_ACCEPTED] == rh_conf.cycles ? RH_ACCEPTED : RH_ERROR;
}


/*
 * Connections that stop early: a third connect and send nothing, a third
 * send C0 only, a third C0 and half of C1.  While they are held, one full
 * publish must still get through; then all are closed.
 */

static rh_result_e
rh_half_open(rh_case_t *rc, char *info, size_t size)
{
    int            i, n, held, early, *fds;
    u_char         buf[1 + 768];
    double         until;
    rh_conn_t      c;
    rh_result_e    r;
    struct pollfd  pfd;

    (void) rc;

    fds = calloc(rh_conf.half_open + 1, sizeof(int));
    if (fds == NULL) {
        snprintf(info, size, "info=\"out of memory\"");
        return RH_ERROR;
    }

    buf[0] = 0x03;
    memset(buf + 1, 0, 8);
    rh_fill_random(buf + 9, sizeof(buf) - 9, 3);

    held = 0;

    for (i = 0; i < rh_conf.half_open; i++) {
        if (rh_open(&c) != 0) {
            break;
        }

        n = (i % 3 == 0) ? 0 : (i % 3 == 1) ? 1 : (int) sizeof(buf);

        if (n && rh_send(&c, buf, n) != 0) {
            rh_close(&c);
            break;
        }

        free(c.in.start);
        fds[held++] = c.fd;
    }

    until = rh_now() + rh_conf.hold;

    /* the server still serves a publisher */

    if (rh_open(&c) != 0) {
        r = RH_ERROR;

    } else {
        r = rh_publish_flow(&c, "hostile-halfopen-probe",
                            sizeof("hostile-halfopen-probe") - 1, NULL, 0);
        rh_close(&c);
    }

    while (rh_now() < until) {
        (void) poll(NULL, 0, 50);
    }

    early = 0;

    for (i = 0; i < held; i++) {
        pfd.fd = fds[i];
        pfd.events = POLLIN;
        pfd.revents = 0;

        if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP))) {
            n = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);

            if (n <= 0) {
                early++;
            }
        }

        close(fds[i]);
    }

    free(fds);

    snprintf(info, size, "held=%d wanted=%d closed_by_server=%d probe=%s "
             "hold_s=%.1f", held, rh_conf.half_open, early,
             rh_result_names[r], rh_conf.hold);

    return held == rh_conf.half_open ? r : RH_ERROR;
}


/* a whole publish: handshake, connect, createStream, publish NAME */

static rh_result_e
rh_publish_flow(rh_conn_t *c, const char *name, size_t len, char *info,
    size_t size)
{
    rh_result_e  r;

    if (rh_handshake(c, 3, 0, 0) != 0 || rh_send_connect(c, 0) != 0) {
        return RH_CLOSED;
    }

    r = rh_connect_result(c, RH_ANSWER_MS);
    if (r != RH_ACCEPTED) {
        return r;
    }

    r = rh_create_stream(c);
    if (r != RH_ACCEPTED) {
        return r;
    }

    if (rh_send_publish(c, (uint32_t) c->result, name, len) != 0) {
        return RH_CLOSED;
    }

    r = rh_publish_result(c, RH_ANSWER_MS);

    if (info && r == RH_REFUSED) {
        snprintf(info, size, "code=%s", c->code);
    }

    return r;
}


/* createStream and its _result; the stream id lands in c->result */

static rh_result_e
rh_create_stream(rh_conn_t *c)
{
    if (rh_send_create_stream(c) != 0) {
        return RH_CLOSED;
    }

    return rh_txn_result(c, RH_TXN_CREATE_STREAM, RH_ANSWER_MS);
}


static rh_result_e
rh_connect_result(rh_conn_t *c, int ms)
{
    return rh_txn_result(c, RH_TXN_CONNECT, ms);
}


/* the _result or _error of the command sent with transaction id txn */

static rh_result_e
rh_txn_result(rh_conn_t *c, int txn, int ms)
{
    for ( ;; ) {
        switch (rh_wait_cmd(c, ms)) {
        case RH_EV_CLOSED:
            return RH_CLOSED;
        case RH_EV_TIMEOUT:
            return RH_IGNORED;
        default:
            break;
        }

        if (c->txn != txn) {
            continue;
        }

        if (strcmp(c->cmd, "_result") == 0) {
            return RH_ACCEPTED;
        }

        if (strcmp(c->cmd, "_error") == 0) {
            return RH_REFUSED;
        }
    }
}


static rh_result_e
rh_publish_result(rh_conn_t *c, int ms)
{
    for ( ;; ) {
        switch (rh_wait_cmd(c, ms)) {
        case RH_EV_CLOSED:
            return RH_CLOSED;
        case RH_EV_TIMEOUT:
            return RH_IGNORED;
        default:
            break;
        }

        if (strcmp(c->cmd, "_error") == 0) {
            return RH_REFUSED;
        }

        if (strcmp(c->cmd, "onStatus") != 0) {
            continue;
        }

        if (strcmp(c->code, "NetStream.Publish.Start") == 0) {
            return RH_ACCEPTED;
        }

        if (strcmp(c->level, "error") == 0) {
            return RH_REFUSED;
        }
    }
}


static int
rh_open(rh_conn_t *c)
{
    int            fd, one, err;
    socklen_t      len;
    struct pollfd  pfd;

    memset(c, 0, sizeof(rh_conn_t));
    c->fd = -1;
    c->out_chunk = 128;
    c->in_chunk = 128;

    fd = socket(rh_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (connect(fd, (struct sockaddr *) &rh_addr, rh_addrlen) == -1) {
        if (errno != EINPROGRESS) {
            close(fd);
            return -1;
        }

        pfd.fd = fd;
        pfd.events = POLLOUT;

        err = 0;
        len = sizeof(err);

        if (poll(&pfd, 1, RH_ANSWER_MS) != 1
            || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0
            || err != 0)
        {
            close(fd);
            return -1;
        }
    }

    c->fd = fd;

    return 0;
}


static void
rh_close(rh_conn_t *c)
{
    int  i;

    if (c->fd != -1) {
        close(c->fd);
        c->fd = -1;
    }

    free(c->in.start);
    c->in.start = c->in.pos = c->in.last = c->in.end = NULL;

    for (i = 0; i < RH_IN_STREAMS; i++) {
        free(c->st[i].msg);
        c->st[i].msg = NULL;
    }
}


/* 0 sent; -1 the server closed or reset; a full buffer waits, bounded */

static int
rh_send(rh_conn_t *c, const u_char *data, size_t len)
{
    ssize_t        n;
    struct pollfd  pfd;

    while (len) {
        n = send(c->fd, data, len, MSG_NOSIGNAL);

        if (n > 0) {
            data += n;
            len -= n;
            continue;
        }

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pfd.fd = c->fd;
            pfd.events = POLLOUT;

            if (poll(&pfd, 1, RH_ANSWER_MS) != 1) {
                return -1;
            }

            continue;
        }

        return -1;
    }

    return 0;
}


static int
rh_send_msg(rh_conn_t *c, uint32_t csid, uint8_t type, uint32_t msid,
    const u_char *body, size_t len)
{
    int             rc;
    u_char         *buf, *last;
    rtmp_header_t   h;

    h.csid = csid;
    h.type = type;
    h.msid = msid;
    h.timestamp = 0;

    buf = malloc(rtmp_chunk_size(len, c->out_chunk, csid, 0));
    if (buf == NULL) {
        return -1;
    }

    last = rtmp_chunk_write(buf, &h, body, len, c->out_chunk);
    rc = rh_send(c, buf, last - buf);

    free(buf);

    return rc;
}


static int
rh_send_chunk_size(rh_conn_t *c, uint32_t size)
{
    u_char  body[4];

    body[0] = (u_char) (size >> 24);
    body[1] = (u_char) (size >> 16);
    body[2] = (u_char) (size >> 8);
    body[3] = (u_char) size;

    if (rh_send_msg(c, RTMP_CSID_CONTROL, RTMP_MSG_CHUNK_SIZE, 0, body, 4)
        != 0)
    {
        return -1;
    }

    c->out_chunk = size;

    return 0;
}


/*
 * The plain handshake, C0 VERSION; C1_VERSION set fills C1's version field
 * (a digest handshake without a digest); GARBAGE_C2 sends random bytes
 * instead of S1.  0: done; 1: no S0+S1+S2 within --wait; -1: closed.
 */

static int
rh_handshake(rh_conn_t *c, int version, int c1_version, int garbage_c2)
{
    u_char      c01[1 + RTMP_HANDSHAKE_SIZE], c2[RTMP_HANDSHAKE_SIZE];
    size_t      need;
    rh_event_e  ev;

    c01[0] = (u_char) version;
    memset(c01 + 1, 0, 8);
    rh_fill_random(c01 + 9, RTMP_HANDSHAKE_SIZE - 8, 1);

    if (c1_version) {
        c01[5] = 9;
        c01[6] = 0;
        c01[7] = 124;
        c01[8] = 2;
    }

    if (rh_send(c, c01, sizeof(c01)) != 0) {
        return -1;
    }

    need = 1 + 2 * RTMP_HANDSHAKE_SIZE;

    ev = rh_wait_bytes(c, need,
                       version == 3 ? RH_ANSWER_MS : rh_conf.wait_ms);

    if (ev == RH_EV_CLOSED) {
        return -1;
    }

    if (ev == RH_EV_TIMEOUT) {
        return 1;
    }

    if (garbage_c2) {
        rh_fill_random(c2, sizeof(c2), 2);

    } else {
        memcpy(c2, c->in.pos + 1, RTMP_HANDSHAKE_SIZE);
    }

    c->in.pos += need;

    return rh_send(c, c2, sizeof(c2)) == 0 ? 0 : -1;
}


/* connect; PAD adds properties of RH_PAD_PROP bytes up to about PAD */

static int
rh_send_connect(rh_conn_t *c, size_t pad)
{
    int      rc, i;
    char     key[16];
    size_t   n, size;
    u_char  *body, *p, *fill;

    size = 1024 + pad + (pad / RH_PAD_PROP + 1) * 32;

    body = malloc(size);
    fill = malloc(RH_PAD_PROP);

    if (body == NULL || fill == NULL) {
        free(body);
        free(fill);
        return -1;
    }

    memset(fill, 'p', RH_PAD_PROP);

    p = rtmp_amf_string(body, "connect", sizeof("connect") - 1);
    p = rtmp_amf_number(p, RH_TXN_CONNECT);
    p = rtmp_amf_object_start(p);
    p = rtmp_amf_prop(p, "app");
    p = rtmp_amf_string(p, rh_url.app, strlen(rh_url.app));
    p = rtmp_amf_prop(p, "type");
    p = rtmp_amf_string(p, "nonprivate", sizeof("nonprivate") - 1);
    p = rtmp_amf_prop(p, "flashVer");
    p = rtmp_amf_string(p, "FMLE/3.0 (compatible; rtmp-hostile)",
                        sizeof("FMLE/3.0 (compatible; rtmp-hostile)") - 1);
    p = rtmp_amf_prop(p, "tcUrl");
    p = rtmp_amf_string(p, rh_url.tc_url, strlen(rh_url.tc_url));

    for (i = 0; pad; i++) {
        n = pad < RH_PAD_PROP ? pad : RH_PAD_PROP;
        snprintf(key, sizeof(key), "pad%d", i);
        p = rtmp_amf_prop(p, key);
        p = rtmp_amf_string(p, (char *) fill, n);
        pad -= n;
    }

    p = rtmp_amf_object_end(p);

    rc = rh_send_msg(c, RTMP_CSID_COMMAND, RTMP_MSG_AMF_CMD, 0, body,
                     p - body);

    free(body);
    free(fill);

    return rc;
}


static int
rh_send_create_stream(rh_conn_t *c)
{
    u_char  body[64], *p;

    p = rtmp_amf_string(body, "createStream", sizeof("createStream") - 1);
    p = rtmp_amf_number(p, RH_TXN_CREATE_STREAM);
    p = rtmp_amf_null(p);

    return rh_send_msg(c, RTMP_CSID_COMMAND, RTMP_MSG_AMF_CMD, 0, body,
                       p - body);
}


static int
rh_send_publish(rh_conn_t *c, uint32_t msid, const char *name, size_t len)
{
    int      rc;
    u_char  *body, *p;

    if (len > 0xffff) {
        return -1;
    }

    body = malloc(len + 64);
    if (body == NULL) {
        return -1;
    }

    p = rtmp_amf_string(body, "publish", sizeof("publish") - 1);
    p = rtmp_amf_number(p, RH_TXN_PUBLISH);
    p = rtmp_amf_null(p);
    p = rtmp_amf_string(p, name, len);
    p = rtmp_amf_string(p, "live", sizeof("live") - 1);

    rc = rh_send_msg(c, 8, RTMP_MSG_AMF_CMD, msid, body, p - body);

    free(body);

    return rc;
}


/*
 * nginx-rtmp writes its answers in several small sends without
 * TCP_NODELAY: acking at once spares each step a 40 ms delayed ACK.
 */

static ssize_t
rh_recv(rh_conn_t *c)
{
    int      one;
    ssize_t  n;

    n = recv(c->fd, c->in.last, c->in.end - c->in.last, 0);

    one = 1;
    (void) setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));

    return n;
}


/* reads until a command arrives (RH_EV_READY), the peer closes, or MS pass */

static rh_event_e
rh_wait_cmd(rh_conn_t *c, int ms)
{
    int            rc;
    double         deadline, left;
    struct pollfd  pfd;

    deadline = rh_now() + ms / 1000.0;

    for ( ;; ) {
        rc = rh_parse(c);

        if (rc == 1) {
            return RH_EV_READY;
        }

        if (rc == -1) {
            /* a server we cannot parse: as good as closed */
            return RH_EV_CLOSED;
        }

        left = deadline - rh_now();
        if (left <= 0) {
            return RH_EV_TIMEOUT;
        }

        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;

        rc = poll(&pfd, 1, (int) (left * 1000) + 1);

        if (rc == 0) {
            continue;
        }

        if (rc == -1) {
            if (errno == EINTR) {
                continue;
            }

            return RH_EV_CLOSED;
        }

        if (rh_fill(c) != 0) {
            return RH_EV_CLOSED;
        }
    }
}


/* one read into c->in: 0, or -1 when the peer closed or failed */

static int
rh_fill(rh_conn_t *c)
{
    ssize_t  n;

    if (rtmp_buf_reserve(&c->in, 65536) != 0) {
        return -1;
    }

    n = rh_recv(c);

    if (n > 0) {
        c->in.last += n;
        return 0;
    }

    if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
        return 0;
    }

    return -1;
}


/*
 * Reads raw bytes, unparsed, until NEED of them are buffered (RH_EV_READY),
 * the peer closes, or MS pass; rh_wait_closed() waits for the close only.
 */

static rh_event_e
rh_wait_bytes(rh_conn_t *c, size_t need, int ms)
{
    double         deadline, left;
    struct pollfd  pfd;

    deadline = rh_now() + ms / 1000.0;

    for ( ;; ) {
        if (c->in.pos && (size_t) (c->in.last - c->in.pos) >= need) {
            return RH_EV_READY;
        }

        left = deadline - rh_now();
        if (left <= 0) {
            return RH_EV_TIMEOUT;
        }

        pfd.fd = c->fd;
        pfd.events = POLLIN;
        pfd.revents = 0;

        if (poll(&pfd, 1, (int) (left * 1000) + 1) <= 0) {
            continue;
        }

        if (rh_fill(c) != 0) {
            return RH_EV_CLOSED;
        }
    }
}


/* 1: a command was parsed into c->cmd; 0: more input needed; -1: bad */

static int
rh_parse(rh_conn_t *c)
{
    int                rc;
    u_char            *p, *last, fmt;
    size_t             hlen, n;
    uint32_t           csid, len, ts;
    rh_in_t           *st;
    static const int   mhsize[] = { 11, 7, 3, 0 };

    for ( ;; ) {
        p = c->in.pos;
        last = c->in.last;

        if (p == NULL || last - p < 1) {
            return 0;
        }

        fmt = p[0] >> 6;
        csid = p[0] & 0x3f;
        hlen = 1;

        if (csid == 0) {
            if (last - p < 2) {
                return 0;
            }

            csid = 64 + p[1];
            hlen = 2;

        } else if (csid == 1) {
            if (last - p < 3) {
                return 0;
            }

            csid = 64 + p[1] + 256 * (uint32_t) p[2];
            hlen = 3;
        }

        if ((size_t) (last - p) < hlen + mhsize[fmt]) {
            return 0;
        }

        for (st = NULL, n = 0; n < RH_IN_STREAMS; n++) {
            if (c->st[n].csid == csid || c->st[n].csid == 0) {
                st = &c->st[n];
                st->csid = csid;
                break;
            }
        }

        if (st == NULL) {
            return -1;
        }

        p += hlen;
        len = st->len;
        ts = 0;

        if (fmt <= 2) {
            ts = (uint32_t) p[0] << 16 | p[1] << 8 | p[2];
            p += 3;

            if (fmt <= 1) {
                len = (uint32_t) p[0] << 16 | p[1] << 8 | p[2];
                st->type = p[3];
                p += 4;
            }

            if (fmt == 0) {
                p += 4;
            }
        }

        if (ts == 0xffffff) {
            if (last - p < 4) {
                return 0;
            }

            p += 4;
        }

        if (len > RH_SERVER_MAX_MSG || (fmt <= 1 && st->got)) {
            return -1;
        }

        n = len - st->got;
        if (n > c->in_chunk) {
            n = c->in_chunk;
        }

        if ((size_t) (last - p) < n) {
            return 0;
        }

        if (st->got == 0) {
            st->len = len;

            if (st->cap < len) {
                free(st->msg);
                st->msg = malloc(len);
                if (st->msg == NULL) {
                    return -1;
                }

                st->cap = len;
            }
        }

        if (n) {
            memcpy(st->msg + st->got, p, n);
        }

        st->got += n;
        c->in.pos = p + n;

        if (st->got < st->len) {
            continue;
        }

        st->got = 0;

        rc = rh_message(c, st);
        if (rc != 0) {
            return rc;
        }
    }
}


static int
rh_message(rh_conn_t *c, rh_in_t *st)
{
    size_t         len;
    double         n;
    uint32_t       size;
    const u_char  *p, *last, *s;

    p = st->msg;
    last = p + st->len;

    if (st->type == RTMP_MSG_CHUNK_SIZE) {
        if (st->len < 4) {
            return -1;
        }

        size = ((uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3])
               & 0x7fffffff;

        if (size == 0 || size > RH_SERVER_MAX_MSG) {
            return -1;
        }

        c->in_chunk = size;
        return 0;
    }

    if (st->type != RTMP_MSG_AMF_CMD) {
        return 0;
    }

    p = rtmp_amf_read_string(p, last, &s, &len);
    if (p == NULL) {
        return 0;
    }

    if (len >= sizeof(c->cmd)) {
        len = sizeof(c->cmd) - 1;
    }

    memcpy(c->cmd, s, len);
    c->cmd[len] = '\0';

    c->txn = 0;
    c->result = 0;
    c->code[0] = '\0';
    c->level[0] = '\0';

    p = rtmp_amf_read_number(p, last, &c->txn);

    if (p) {
        /* the command object or null, then a number or an info object */
        p = rtmp_amf_skip(p, last, 0);
    }

    if (p && rtmp_amf_read_number(p, last, &n)) {
        c->result = n;

    } else if (p) {
        (void) rtmp_amf_object_get(p, last, "code", c->code,
                                   sizeof(c->code));
        (void) rtmp_amf_object_get(p, last, "level", c->level,
                                   sizeof(c->level));
    }

    return 1;
}


static void
rh_fill_random(u_char *p, size_t len, uint32_t seed)
{
    while (len--) {
        seed = seed * 1103515245 + 12345;
        *p++ = (u_char) (seed >> 16);
    }
}


static double
rh_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}
