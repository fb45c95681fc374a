/*
 * A small non-blocking RTMP publishing client; see rtmp_client.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtmp_client.h"


#define RTMP_IN_BUF_SIZE        65536
#define RTMP_READ_MAX           (4 * RTMP_IN_BUF_SIZE)
#define RTMP_CSID_STREAM        8

#define RTMP_TXN_CONNECT        1
#define RTMP_TXN_RELEASE        2
#define RTMP_TXN_FCPUBLISH      3
#define RTMP_TXN_CREATE_STREAM  4
#define RTMP_TXN_PUBLISH        5
#define RTMP_TXN_FCUNPUBLISH    6
#define RTMP_TXN_DELETE_STREAM  7

#define RTMP_USER_PING_REQUEST  6
#define RTMP_USER_PING_RESPONSE 7

#define rtmp_streq(s, len, lit)                                               \
    ((len) == sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)


static int rtmp_client_fail(rtmp_client_t *c, const char *what, int err);
static int rtmp_client_handshake(rtmp_client_t *c);
static int rtmp_client_parse(rtmp_client_t *c);
static int rtmp_client_message(rtmp_client_t *c, rtmp_in_stream_t *st);
static int rtmp_client_command(rtmp_client_t *c, const u_char *p,
    const u_char *last);
static int rtmp_client_send_command(rtmp_client_t *c, uint32_t msid,
    const u_char *body, size_t len);
static int rtmp_client_send_connect(rtmp_client_t *c);
static int rtmp_client_send_name_cmd(rtmp_client_t *c, const char *cmd,
    double txn);
static int rtmp_client_send_publish(rtmp_client_t *c);
static rtmp_in_stream_t *rtmp_client_in_stream(rtmp_client_t *c,
    uint32_t csid);
static u_char *rtmp_put_be32(u_char *p, uint32_t n);


static const char  *rtmp_client_state_names[] = {
    "idle", "connecting", "handshake", "connect", "createStream",
    "publish", "publishing", "refused", "closed", "failed"
};


int
rtmp_url_parse(const char *url, rtmp_url_t *u)
{
    size_t       n;
    const char  *p, *host, *slash, *colon;

    if (strncmp(url, "rtmp://", 7) != 0) {
        return RTMP_ERROR;
    }

    host = url + 7;
    slash = strchr(host, '/');

    if (slash == NULL || slash == host || slash[1] == '\0') {
        return RTMP_ERROR;
    }

    colon = memchr(host, ':', slash - host);
    p = colon ? colon : slash;

    n = p - host;
    if (n >= sizeof(u->host)) {
        return RTMP_ERROR;
    }

    memcpy(u->host, host, n);
    u->host[n] = '\0';

    if (colon) {
        n = slash - colon - 1;
        if (n == 0 || n >= sizeof(u->port)) {
            return RTMP_ERROR;
        }

        memcpy(u->port, colon + 1, n);
        u->port[n] = '\0';

    } else {
        strcpy(u->port, "1935");
    }

    n = strlen(slash + 1);
    while (n && slash[n] == '/') {
        n--;
    }

    if (n == 0 || n >= sizeof(u->app)) {
        return RTMP_ERROR;
    }

    memcpy(u->app, slash + 1, n);
    u->app[n] = '\0';

    n = (slash + 1 + n) - url;
    if (n >= sizeof(u->tc_url)) {
        return RTMP_ERROR;
    }

    memcpy(u->tc_url, url, n);
    u->tc_url[n] = '\0';

    return RTMP_OK;
}


int
rtmp_client_init(rtmp_client_t *c, const rtmp_client_conf_t *conf)
{
    memset(c, 0, sizeof(rtmp_client_t));

    c->fd = -1;
    c->app = conf->app;
    c->tc_url = conf->tc_url;
    c->name = conf->name;
    c->flash_ver = conf->flash_ver ? conf->flash_ver
                                   : "FMLE/3.0 (compatible; FMSc/1.0)";
    c->out_chunk_size = conf->chunk_size ? conf->chunk_size : 4096;
    c->in_chunk_size = 128;

    if (strlen(c->app) + strlen(c->tc_url) + strlen(c->flash_ver)
        > RTMP_NAME_MAX || strlen(c->name) > RTMP_NAME_MAX
        || c->out_chunk_size > RTMP_MAX_MESSAGE)
    {
        return RTMP_ERROR;
    }

    return RTMP_OK;
}


void
rtmp_client_free(rtmp_client_t *c)
{
    int  i;

    rtmp_client_close(c);

    free(c->in.start);
    free(c->out.start);
    c->in.start = c->out.start = NULL;
    c->in.pos = c->in.last = c->in.end = NULL;
    c->out.pos = c->out.last = c->out.end = NULL;

    for (i = 0; i < RTMP_IN_STREAMS; i++) {
        free(c->in_streams[i].msg);
        c->in_streams[i].msg = NULL;
        c->in_streams[i].cap = 0;
    }
}


int
rtmp_client_connect(rtmp_client_t *c, const struct sockaddr *sa,
    socklen_t socklen)
{
    int  fd, one;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return rtmp_client_fail(c, "socket()", errno);
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    c->fd = fd;
    c->state = RTMP_CLIENT_CONNECTING;

    if (connect(fd, sa, socklen) == -1 && errno != EINPROGRESS) {
        return rtmp_client_fail(c, "connect()", errno);
    }

    return RTMP_OK;
}


int
rtmp_client_on_write(rtmp_client_t *c)
{
    int        err;
    socklen_t  len;

    if (c->state == RTMP_CLIENT_CONNECTING) {
        err = 0;
        len = sizeof(err);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
            err = errno;
        }

        if (err == EINPROGRESS) {
            return RTMP_AGAIN;
        }

        if (err) {
            return rtmp_client_fail(c, "connect()", err);
        }

        if (rtmp_client_handshake(c) != RTMP_OK) {
            return RTMP_ERROR;
        }
    }

    return rtmp_client_flush(c);
}


int
rtmp_client_on_read(rtmp_client_t *c)
{
    ssize_t  n;
    size_t   total;

    if (c->fd == -1) {
        return RTMP_ERROR;
    }

    total = 0;

    for ( ;; ) {

        if (rtmp_buf_reserve(&c->in, RTMP_IN_BUF_SIZE / 2) != RTMP_OK) {
            return rtmp_client_fail(c, "out of memory", 0);
        }

        n = recv(c->fd, c->in.last, c->in.end - c->in.last, 0);

        if (n > 0) {
            c->in.last += n;
            c->bytes_in += n;
            total += n;

            if (rtmp_client_parse(c) != RTMP_OK) {
                return RTMP_ERROR;
            }

            if (total < RTMP_READ_MAX) {
                continue;
            }

            break;
        }

        if (n == 0) {
            c->state = RTMP_CLIENT_CLOSED;
            return RTMP_CLOSED;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }

        if (errno == ECONNRESET) {
            c->state = RTMP_CLIENT_CLOSED;
            return RTMP_CLOSED;
        }

        return rtmp_client_fail(c, "recv()", errno);
    }

    n = rtmp_client_flush(c);

    return n == RTMP_AGAIN ? RTMP_OK : n;
}


int
rtmp_client_flush(rtmp_client_t *c)
{
    ssize_t  n;

    while (c->out.pos < c->out.last) {
        n = send(c->fd, c->out.pos, c->out.last - c->out.pos, MSG_NOSIGNAL);

        if (n >= 0) {
            c->out.pos += n;
            c->bytes_out += n;
            continue;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return RTMP_AGAIN;
        }

        if (errno == EPIPE || errno == ECONNRESET) {
            c->state = RTMP_CLIENT_CLOSED;
            return RTMP_CLOSED;
        }

        return rtmp_client_fail(c, "send()", errno);
    }

    c->out.pos = c->out.last = c->out.start;

    return RTMP_OK;
}


int
rtmp_client_unpublish(rtmp_client_t *c)
{
    u_char  body[64], *p;

    if (c->state != RTMP_CLIENT_PUBLISHING) {
        return RTMP_OK;
    }

    if (rtmp_client_send_name_cmd(c, "FCUnpublish", RTMP_TXN_FCUNPUBLISH)
        != RTMP_OK)
    {
        return RTMP_ERROR;
    }

    p = rtmp_amf_string(body, "deleteStream", sizeof("deleteStream") - 1);
    p = rtmp_amf_number(p, RTMP_TXN_DELETE_STREAM);
    p = rtmp_amf_null(p);
    p = rtmp_amf_number(p, c->stream_id);

    return rtmp_client_send_command(c, 0, body, p - body);
}


void
rtmp_client_close(rtmp_client_t *c)
{
    if (c->fd != -1) {
        close(c->fd);
        c->fd = -1;
    }
}


const char *
rtmp_client_state_name(rtmp_client_state_e state)
{
    if ((size_t) state
        >= sizeof(rtmp_client_state_names) / sizeof(rtmp_client_state_names[0]))
    {
        return "unknown";
    }

    return rtmp_client_state_names[state];
}


int
rtmp_client_send(rtmp_client_t *c, rtmp_header_t *h, const u_char *data,
    size_t len)
{
    size_t  size;

    if (len > RTMP_MAX_MESSAGE) {
        return RTMP_ERROR;
    }

    size = rtmp_chunk_size(len, c->out_chunk_size, h->csid, h->timestamp);

    if (rtmp_buf_reserve(&c->out, size) != RTMP_OK) {
        return rtmp_client_fail(c, "out of memory", 0);
    }

    c->out.last = rtmp_chunk_write(c->out.last, h, data, len,
                                   c->out_chunk_size);

    return RTMP_OK;
}


int
rtmp_client_send_media(rtmp_client_t *c, uint8_t type, uint32_t ts,
    const u_char *data, size_t len)
{
    rtmp_header_t  h;

    h.type = type;
    h.timestamp = ts;
    h.msid = c->stream_id;

    switch (type) {
    case RTMP_MSG_AUDIO:
        h.csid = RTMP_CSID_AUDIO;
        break;
    case RTMP_MSG_VIDEO:
        h.csid = RTMP_CSID_VIDEO;
        break;
    default:
        h.csid = RTMP_CSID_DATA;
    }

    return rtmp_client_send(c, &h, data, len);
}


int
rtmp_client_send_raw(rtmp_client_t *c, const u_char *data, size_t len)
{
    if (rtmp_buf_reserve(&c->out, len) != RTMP_OK) {
        return rtmp_client_fail(c, "out of memory", 0);
    }

    memcpy(c->out.last, data, len);
    c->out.last += len;

    return RTMP_OK;
}


int
rtmp_buf_reserve(rtmp_buf_t *b, size_t size)
{
    size_t   used, cap;
    u_char  *p;

    if ((size_t) (b->end - b->last) >= size) {
        return RTMP_OK;
    }

    used = b->last - b->pos;

    if (b->pos > b->start && (size_t) (b->end - b->start) >= used + size) {
        memmove(b->start, b->pos, used);
        b->pos = b->start;
        b->last = b->start + used;
        return RTMP_OK;
    }

    cap = b->end - b->start;
    if (cap < RTMP_IN_BUF_SIZE) {
        cap = RTMP_IN_BUF_SIZE;
    }

    while (cap < used + size) {
        cap *= 2;
    }

    p = malloc(cap);
    if (p == NULL) {
        return RTMP_ERROR;
    }

    if (used) {
        memcpy(p, b->pos, used);
    }

    free(b->start);

    b->start = p;
    b->pos = p;
    b->last = p + used;
    b->end = p + cap;

    return RTMP_OK;
}


static size_t
rtmp_basic_header_size(uint32_t csid)
{
    return csid < 64 ? 1 : (csid < 320 ? 2 : 3);
}


size_t
rtmp_chunk_size(size_t len, uint32_t chunk_size, uint32_t csid,
    uint32_t timestamp)
{
    size_t  nchunks, ext, basic;

    nchunks = len ? (len + chunk_size - 1) / chunk_size : 1;
    ext = timestamp >= 0xffffff ? 4 : 0;
    basic = rtmp_basic_header_size(csid);

    return basic + 11 + ext + len + (nchunks - 1) * (basic + ext);
}


static u_char *
rtmp_basic_header(u_char *p, uint8_t fmt, uint32_t csid)
{
    if (csid < 64) {
        *p++ = (u_char) (fmt << 6 | csid);

    } else if (csid < 320) {
        *p++ = (u_char) (fmt << 6);
        *p++ = (u_char) (csid - 64);

    } else {
        *p++ = (u_char) (fmt << 6 | 1);
        *p++ = (u_char) ((csid - 64) & 0xff);
        *p++ = (u_char) ((csid - 64) >> 8);
    }

    return p;
}


/*
 * Every message with a type 0 header and absolute timestamp: a few bytes
 * more than delta headers, and nothing to get wrong on the server side.
 * Continuation chunks repeat an extended timestamp, as nginx-rtmp expects
 * with publish_time_fix (its default).
 */

u_char *
rtmp_chunk_write(u_char *p, rtmp_header_t *h, const u_char *data, size_t len,
    uint32_t chunk_size)
{
    int       ext;
    size_t    n;
    uint32_t  ts;

    ext = h->timestamp >= 0xffffff;
    ts = ext ? 0xffffff : h->timestamp;

    p = rtmp_basic_header(p, 0, h->csid);

    *p++ = (u_char) (ts >> 16);
    *p++ = (u_char) (ts >> 8);
    *p++ = (u_char) ts;
    *p++ = (u_char) (len >> 16);
    *p++ = (u_char) (len >> 8);
    *p++ = (u_char) len;
    *p++ = h->type;
    *p++ = (u_char) h->msid;
    *p++ = (u_char) (h->msid >> 8);
    *p++ = (u_char) (h->msid >> 16);
    *p++ = (u_char) (h->msid >> 24);

    if (ext) {
        p = rtmp_put_be32(p, h->timestamp);
    }

    for ( ;; ) {
        n = len < chunk_size ? len : chunk_size;

        memcpy(p, data, n);
        p += n;
        data += n;
        len -= n;

        if (len == 0) {
            return p;
        }

        p = rtmp_basic_header(p, 3, h->csid);

        if (ext) {
            p = rtmp_put_be32(p, h->timestamp);
        }
    }
}


u_char *
rtmp_amf_number(u_char *p, double n)
{
    int       i;
    uint64_t  v;

    memcpy(&v, &n, sizeof(v));

    *p++ = 0x00;

    for (i = 7; i >= 0; i--) {
        *p++ = (u_char) (v >> (i * 8));
    }

    return p;
}


u_char *
rtmp_amf_boolean(u_char *p, int b)
{
    *p++ = 0x01;
    *p++ = b ? 1 : 0;

    return p;
}


u_char *
rtmp_amf_string(u_char *p, const char *s, size_t len)
{
    *p++ = 0x02;
    *p++ = (u_char) (len >> 8);
    *p++ = (u_char) len;

    memcpy(p, s, len);

    return p + len;
}


u_char *
rtmp_amf_null(u_char *p)
{
    *p++ = 0x05;

    return p;
}


u_char *
rtmp_amf_object_start(u_char *p)
{
    *p++ = 0x03;

    return p;
}


u_char *
rtmp_amf_prop(u_char *p, const char *key)
{
    size_t  len;

    len = strlen(key);

    *p++ = (u_char) (len >> 8);
    *p++ = (u_char) len;

    memcpy(p, key, len);

    return p + len;
}


u_char *
rtmp_amf_object_end(u_char *p)
{
    *p++ = 0x00;
    *p++ = 0x00;
    *p++ = 0x09;

    return p;
}


const u_char *
rtmp_amf_read_number(const u_char *p, const u_char *last, double *n)
{
    int       i;
    uint64_t  v;

    if (last - p < 9 || *p != 0x00) {
        return NULL;
    }

    v = 0;

    for (i = 1; i <= 8; i++) {
        v = v << 8 | p[i];
    }

    memcpy(n, &v, sizeof(v));

    return p + 9;
}


const u_char *
rtmp_amf_read_string(const u_char *p, const u_char *last, const u_char **s,
    size_t *len)
{
    size_t  n;

    if (last - p < 3 || *p != 0x02) {
        return NULL;
    }

    n = (size_t) p[1] << 8 | p[2];

    if ((size_t) (last - p - 3) < n) {
        return NULL;
    }

    *s = p + 3;
    *len = n;

    return p + 3 + n;
}


/* skips the properties of an object or ECMA array up to its end marker */

static const u_char *
rtmp_amf_skip_props(const u_char *p, const u_char *last, int depth)
{
    size_t  n;

    for ( ;; ) {
        if (last - p < 2) {
            return NULL;
        }

        n = (size_t) p[0] << 8 | p[1];
        p += 2;

        if (n == 0) {
            if (p < last && *p == 0x09) {
                return p + 1;
            }

            return NULL;
        }

        if ((size_t) (last - p) < n) {
            return NULL;
        }

        p = rtmp_amf_skip(p + n, last, depth + 1);
        if (p == NULL) {
            return NULL;
        }
    }
}


const u_char *
rtmp_amf_skip(const u_char *p, const u_char *last, int depth)
{
    size_t    n;
    uint32_t  i, count;

    if (p >= last || depth > 16) {
        return NULL;
    }

    switch (*p) {

    case 0x00:      /* number */
        return last - p >= 9 ? p + 9 : NULL;

    case 0x01:      /* boolean */
        return last - p >= 2 ? p + 2 : NULL;

    case 0x02:      /* string */
        if (last - p < 3) {
            return NULL;
        }

        n = (size_t) p[1] << 8 | p[2];
        return (size_t) (last - p - 3) >= n ? p + 3 + n : NULL;

    case 0x03:      /* object */
        return rtmp_amf_skip_props(p + 1, last, depth);

    case 0x05:      /* null */
    case 0x06:      /* undefined */
        return p + 1;

    case 0x08:      /* ECMA array: a count, then properties */
        return last - p >= 5 ? rtmp_amf_skip_props(p + 5, last, depth) : NULL;

    case 0x0a:      /* strict array */
        if (last - p < 5) {
            return NULL;
        }

        count = (uint32_t) p[1] << 24 | p[2] << 16 | p[3] << 8 | p[4];
        p += 5;

        for (i = 0; i < count && p; i++) {
            p = rtmp_amf_skip(p, last, depth + 1);
        }

        return p;

    case 0x0b:      /* date */
        return last - p >= 11 ? p + 11 : NULL;

    case 0x0c:      /* long string */
        if (last - p < 5) {
            return NULL;
        }

        n = (size_t) p[1] << 24 | p[2] << 16 | p[3] << 8 | p[4];
        return (size_t) (last - p - 5) >= n ? p + 5 + n : NULL;

    default:
        return NULL;
    }
}


/* copies the string value of an object's top-level property */

int
rtmp_amf_object_get(const u_char *p, const u_char *last, const char *key,
    char *value, size_t size)
{
    size_t        n, klen, vlen;
    const u_char  *s;

    if (p >= last || *p != 0x03) {
        return RTMP_ERROR;
    }

    p++;
    klen = strlen(key);

    for ( ;; ) {
        if (last - p < 2) {
            return RTMP_ERROR;
        }

        n = (size_t) p[0] << 8 | p[1];
        p += 2;

        if (n == 0 || (size_t) (last - p) < n) {
            return RTMP_ERROR;
        }

        if (n == klen && memcmp(p, key, n) == 0 && p + n < last
            && p[n] == 0x02)
        {
            if (rtmp_amf_read_string(p + n, last, &s, &vlen) == NULL) {
                return RTMP_ERROR;
            }

            if (vlen >= size) {
                vlen = size - 1;
            }

            memcpy(value, s, vlen);
            value[vlen] = '\0';

            return RTMP_OK;
        }

        p = rtmp_amf_skip(p + n, last, 1);
        if (p == NULL) {
            return RTMP_ERROR;
        }
    }
}


static int
rtmp_client_fail(rtmp_client_t *c, const char *what, int err)
{
    if (err) {
        snprintf(c->error, sizeof(c->error), "%s in %s: %s", what,
                 rtmp_client_state_name(c->state), strerror(err));
    } else {
        snprintf(c->error, sizeof(c->error), "%s in %s", what,
                 rtmp_client_state_name(c->state));
    }

    c->state = RTMP_CLIENT_FAILED;

    return RTMP_ERROR;
}


/*
 * The plain (pre-digest) handshake: C1 has a zero version field, which
 * makes nginx-rtmp answer in kind.
 */

static int
rtmp_client_handshake(rtmp_client_t *c)
{
    size_t   i;
    u_char  *p;
    uint32_t seed;

    if (rtmp_buf_reserve(&c->out, 1 + RTMP_HANDSHAKE_SIZE) != RTMP_OK) {
        return rtmp_client_fail(c, "out of memory", 0);
    }

    p = c->out.last;
    *p++ = 0x03;
    memset(p, 0, 8);
    p += 8;

    seed = (uint32_t) (uintptr_t) c ^ (uint32_t) getpid();

    for (i = 8; i < RTMP_HANDSHAKE_SIZE; i++) {
        seed = seed * 1103515245 + 12345;
        *p++ = (u_char) (seed >> 16);
    }

    c->out.last = p;
    c->hs_need = 1 + 2 * RTMP_HANDSHAKE_SIZE;
    c->state = RTMP_CLIENT_HANDSHAKE;

    return RTMP_OK;
}


static int
rtmp_client_parse(rtmp_client_t *c)
{
    int                rc;
    u_char            *p, *last, fmt;
    size_t             hlen, n;
    uint32_t           csid, ts, len;
    unsigned           ext;
    rtmp_header_t      h;
    rtmp_in_stream_t  *st;
    static const int   mhsize[] = { 11, 7, 3, 0 };

    if (c->state == RTMP_CLIENT_HANDSHAKE) {
        if ((size_t) (c->in.last - c->in.pos) < c->hs_need) {
            return RTMP_OK;
        }

        if (c->in.pos[0] != 0x03) {
            return rtmp_client_fail(c, "bad RTMP version from server", 0);
        }

        /* C2 echoes S1 */

        if (rtmp_client_send_raw(c, c->in.pos + 1, RTMP_HANDSHAKE_SIZE)
            != RTMP_OK)
        {
            return RTMP_ERROR;
        }

        c->in.pos += c->hs_need;
        c->hs_need = 0;

        if (rtmp_client_send_connect(c) != RTMP_OK) {
            return RTMP_ERROR;
        }

        c->state = RTMP_CLIENT_CONNECT;
    }

    for ( ;; ) {
        p = c->in.pos;
        last = c->in.last;

        if (last - p < 1) {
            break;
        }

        fmt = p[0] >> 6;
        csid = p[0] & 0x3f;
        hlen = 1;

        if (csid == 0) {
            if (last - p < 2) {
                break;
            }

            csid = 64 + p[1];
            hlen = 2;

        } else if (csid == 1) {
            if (last - p < 3) {
                break;
            }

            csid = 64 + p[1] + 256 * (uint32_t) p[2];
            hlen = 3;
        }

        if ((size_t) (last - p) < hlen + mhsize[fmt]) {
            break;
        }

        st = rtmp_client_in_stream(c, csid);
        if (st == NULL) {
            return rtmp_client_fail(c, "too many chunk streams", 0);
        }

        h = st->hdr;
        len = st->len;
        ext = st->ext;
        p += hlen;

        if (fmt <= 2) {
            if (st->got) {
                return rtmp_client_fail(c, "new header inside a message", 0);
            }

            ts = (uint32_t) p[0] << 16 | p[1] << 8 | p[2];
            ext = (ts == 0xffffff);
            p += 3;

            if (fmt <= 1) {
                len = (uint32_t) p[0] << 16 | p[1] << 8 | p[2];
                h.type = p[3];
                p += 4;
            }

            if (fmt == 0) {
                h.msid = (uint32_t) p[0] | p[1] << 8 | p[2] << 16
                         | (uint32_t) p[3] << 24;
                p += 4;
            }

        } else {
            ts = 0;
        }

        if (ext) {
            if (last - p < 4) {
                break;
            }

            ts = (uint32_t) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
            p += 4;
        }

        if (len > RTMP_MAX_MESSAGE) {
            return rtmp_client_fail(c, "message too big", 0);
        }

        n = len - st->got;
        if (n > c->in_chunk_size) {
            n = c->in_chunk_size;
        }

        if ((size_t) (last - p) < n) {
            if (rtmp_buf_reserve(&c->in, p - c->in.pos + n) != RTMP_OK) {
                return rtmp_client_fail(c, "out of memory", 0);
            }

            break;
        }

        /* a whole chunk is here: commit its header */

        if (st->got == 0) {
            h.timestamp = (fmt == 0) ? ts : h.timestamp + ts;
            h.csid = csid;
            st->hdr = h;
            st->len = len;

            if (st->cap < len) {
                free(st->msg);
                st->msg = malloc(len);
                if (st->msg == NULL) {
                    return rtmp_client_fail(c, "out of memory", 0);
                }

                st->cap = len;
            }
        }

        st->ext = ext;

        if (n) {
            memcpy(st->msg + st->got, p, n);
        }

        st->got += n;
        c->in.pos = p + n;

        if (st->got == st->len) {
            st->got = 0;

            rc = rtmp_client_message(c, st);
            if (rc != RTMP_OK) {
                return rc;
            }
        }
    }

    if (c->in.pos == c->in.last) {
        c->in.pos = c->in.last = c->in.start;
    }

    return RTMP_OK;
}


static rtmp_in_stream_t *
rtmp_client_in_stream(rtmp_client_t *c, uint32_t csid)
{
    int                i;
    rtmp_in_stream_t  *st;

    for (i = 0; i < RTMP_IN_STREAMS; i++) {
        st = &c->in_streams[i];

        if (st->csid == csid) {
            return st;
        }

        if (st->csid == 0) {
            st->csid = csid;
            return st;
        }
    }

    return NULL;
}


static int
rtmp_client_message(rtmp_client_t *c, rtmp_in_stream_t *st)
{
    u_char         *m, body[6];
    uint32_t        n;
    rtmp_header_t   h;

    m = st->msg;

    switch (st->hdr.type) {

    case RTMP_MSG_CHUNK_SIZE:
        if (st->len < 4) {
            return rtmp_client_fail(c, "short chunk size message", 0);
        }

        n = ((uint32_t) m[0] << 24 | m[1] << 16 | m[2] << 8 | m[3])
            & 0x7fffffff;

        if (n == 0 || n > RTMP_MAX_MESSAGE) {
            return rtmp_client_fail(c, "bad chunk size from server", 0);
        }

        c->in_chunk_size = n;
        return RTMP_OK;

    case RTMP_MSG_USER:
        if (st->len < 6 || m[0] != 0 || m[1] != RTMP_USER_PING_REQUEST) {
            return RTMP_OK;
        }

        body[0] = 0;
        body[1] = RTMP_USER_PING_RESPONSE;
        memcpy(&body[2], &m[2], 4);

        h.csid = RTMP_CSID_CONTROL;
        h.type = RTMP_MSG_USER;
        h.msid = 0;
        h.timestamp = 0;

        return rtmp_client_send(c, &h, body, sizeof(body));

    case RTMP_MSG_AMF_CMD:
        return rtmp_client_command(c, m, m + st->len);

    default:
        return RTMP_OK;
    }
}


static int
rtmp_client_command(rtmp_client_t *c, const u_char *p, const u_char *last)
{
    char           level[32];
    size_t         len;
    double         txn, sid;
    const u_char  *name;

    p = rtmp_amf_read_string(p, last, &name, &len);
    if (p == NULL) {
        return RTMP_OK;
    }

    p = rtmp_amf_read_number(p, last, &txn);
    if (p == NULL) {
        return RTMP_OK;
    }

    if (rtmp_streq(name, len, "_result")) {

        if (c->state == RTMP_CLIENT_CONNECT && txn == RTMP_TXN_CONNECT) {
            if (rtmp_client_send_name_cmd(c, "releaseStream",
                                          RTMP_TXN_RELEASE) != RTMP_OK
                || rtmp_client_send_name_cmd(c, "FCPublish",
                                             RTMP_TXN_FCPUBLISH) != RTMP_OK)
            {
                return RTMP_ERROR;
            }

            c->state = RTMP_CLIENT_CREATE_STREAM;

            return rtmp_client_send_name_cmd(c, "createStream",
                                             RTMP_TXN_CREATE_STREAM);
        }

        if (c->state == RTMP_CLIENT_CREATE_STREAM
            && txn == RTMP_TXN_CREATE_STREAM)
        {
            p = rtmp_amf_skip(p, last, 0);
            if (p == NULL || rtmp_amf_read_number(p, last, &sid) == NULL) {
                return rtmp_client_fail(c, "bad createStream result", 0);
            }

            c->stream_id = (uint32_t) sid;
            c->state = RTMP_CLIENT_PUBLISH;

            return rtmp_client_send_publish(c);
        }

        return RTMP_OK;
    }

    if (rtmp_streq(name, len, "_error")) {
        p = rtmp_amf_skip(p, last, 0);
        if (p == NULL || rtmp_amf_object_get(p, last, "code", c->status,
                                             sizeof(c->status)) != RTMP_OK)
        {
            strcpy(c->status, "_error");
        }

        c->state = RTMP_CLIENT_REFUSED;
        return RTMP_OK;
    }

    if (rtmp_streq(name, len, "onStatus")) {
        p = rtmp_amf_skip(p, last, 0);
        if (p == NULL) {
            return RTMP_OK;
        }

        (void) rtmp_amf_object_get(p, last, "code", c->status,
                                   sizeof(c->status));

        if (rtmp_amf_object_get(p, last, "level", level, sizeof(level))
            != RTMP_OK)
        {
            level[0] = '\0';
        }

        if (strcmp(c->status, "NetStream.Publish.Start") == 0
            && c->state == RTMP_CLIENT_PUBLISH)
        {
            c->state = RTMP_CLIENT_PUBLISHING;
            c->published = 1;

        } else if (strcmp(level, "error") == 0 && !c->published) {
            c->state = RTMP_CLIENT_REFUSED;
        }
    }

    return RTMP_OK;
}


static int
rtmp_client_send_command(rtmp_client_t *c, uint32_t msid, const u_char *body,
    size_t len)
{
    rtmp_header_t  h;

    h.csid = msid ? RTMP_CSID_STREAM : RTMP_CSID_COMMAND;
    h.type = RTMP_MSG_AMF_CMD;
    h.msid = msid;
    h.timestamp = 0;

    return rtmp_client_send(c, &h, body, len);
}


static int
rtmp_client_send_connect(rtmp_client_t *c)
{
    u_char         body[RTMP_NAME_MAX + 256], *p;
    rtmp_header_t  h;

    /* our chunk size first, so the server reads what follows with it */

    p = rtmp_put_be32(body, c->out_chunk_size);

    h.csid = RTMP_CSID_CONTROL;
    h.type = RTMP_MSG_CHUNK_SIZE;
    h.msid = 0;
    h.timestamp = 0;

    if (rtmp_client_send(c, &h, body, p - body) != RTMP_OK) {
        return RTMP_ERROR;
    }

    p = rtmp_amf_string(body, "connect", sizeof("connect") - 1);
    p = rtmp_amf_number(p, RTMP_TXN_CONNECT);
    p = rtmp_amf_object_start(p);
    p = rtmp_amf_prop(p, "app");
    p = rtmp_amf_string(p, c->app, strlen(c->app));
    p = rtmp_amf_prop(p, "type");
    p = rtmp_amf_string(p, "nonprivate", sizeof("nonprivate") - 1);
    p = rtmp_amf_prop(p, "flashVer");
    p = rtmp_amf_string(p, c->flash_ver, strlen(c->flash_ver));
    p = rtmp_amf_prop(p, "tcUrl");
    p = rtmp_amf_string(p, c->tc_url, strlen(c->tc_url));
    p = rtmp_amf_object_end(p);

    return rtmp_client_send_command(c, 0, body, p - body);
}


static int
rtmp_client_send_name_cmd(rtmp_client_t *c, const char *cmd, double txn)
{
    u_char  body[RTMP_NAME_MAX + 64], *p;

    p = rtmp_amf_string(body, cmd, strlen(cmd));
    p = rtmp_amf_number(p, txn);
    p = rtmp_amf_null(p);

    if (txn != RTMP_TXN_CREATE_STREAM) {
        p = rtmp_amf_string(p, c->name, strlen(c->name));
    }

    return rtmp_client_send_command(c, 0, body, p - body);
}


static int
rtmp_client_send_publish(rtmp_client_t *c)
{
    u_char  body[RTMP_NAME_MAX + 64], *p;

    p = rtmp_amf_string(body, "publish", sizeof("publish") - 1);
    p = rtmp_amf_number(p, RTMP_TXN_PUBLISH);
    p = rtmp_amf_null(p);
    p = rtmp_amf_string(p, c->name, strlen(c->name));
    p = rtmp_amf_string(p, "live", sizeof("live") - 1);

    return rtmp_client_send_command(c, c->stream_id, body, p - body);
}


static u_char *
rtmp_put_be32(u_char *p, uint32_t n)
{
    *p++ = (u_char) (n >> 24);
    *p++ = (u_char) (n >> 16);
    *p++ = (u_char) (n >> 8);
    *p++ = (u_char) n;

    return p;
}
