/*
 * A small non-blocking RTMP publishing client: enough of the protocol to
 * publish to nginx-rtmp (plain handshake, connect, createStream, publish,
 * media messages), plus the low-level writers (chunking, AMF0) for tests
 * that need to send crafted input.
 *
 * The caller owns the event loop: it polls rtmp_client_fd(), calls
 * rtmp_client_on_write() when writable (also while TCP connects) and
 * rtmp_client_on_read() when readable, and watches c->state.
 */

#ifndef _RTMP_CLIENT_H_INCLUDED_
#define _RTMP_CLIENT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>


#define RTMP_OK                 0
#define RTMP_ERROR             -1
#define RTMP_AGAIN             -2
#define RTMP_CLOSED            -3      /* the server closed the connection */

#define RTMP_MSG_CHUNK_SIZE     1
#define RTMP_MSG_ABORT          2
#define RTMP_MSG_ACK            3
#define RTMP_MSG_USER           4
#define RTMP_MSG_ACK_SIZE       5
#define RTMP_MSG_BANDWIDTH      6
#define RTMP_MSG_AUDIO          8
#define RTMP_MSG_VIDEO          9
#define RTMP_MSG_AMF_META       18
#define RTMP_MSG_AMF_CMD        20

#define RTMP_CSID_CONTROL       2
#define RTMP_CSID_COMMAND       3
#define RTMP_CSID_AUDIO         4
#define RTMP_CSID_DATA          5
#define RTMP_CSID_VIDEO         6

#define RTMP_HANDSHAKE_SIZE     1536
#define RTMP_MAX_MESSAGE        (1024 * 1024)
#define RTMP_IN_STREAMS         8
#define RTMP_NAME_MAX           1024


typedef unsigned char  u_char;


typedef struct {
    u_char             *start;
    u_char             *pos;
    u_char             *last;
    u_char             *end;
} rtmp_buf_t;


typedef struct {
    uint32_t            csid;
    uint32_t            timestamp;
    uint32_t            msid;
    uint8_t             type;
} rtmp_header_t;


typedef struct {
    char                host[256];
    char                port[16];
    char                app[256];
    char                tc_url[600];
} rtmp_url_t;


typedef struct {
    const char         *app;
    const char         *tc_url;
    const char         *name;           /* stream name, with "?args" if any */
    const char         *flash_ver;      /* NULL: an FMLE-like default */
    uint32_t            chunk_size;     /* 0: 4096 */
} rtmp_client_conf_t;


typedef enum {
    RTMP_CLIENT_IDLE = 0,
    RTMP_CLIENT_CONNECTING,             /* TCP connect in progress */
    RTMP_CLIENT_HANDSHAKE,              /* C0+C1 out, waiting for S0+S1+S2 */
    RTMP_CLIENT_CONNECT,                /* connect out, waiting for _result */
    RTMP_CLIENT_CREATE_STREAM,          /* createStream out */
    RTMP_CLIENT_PUBLISH,                /* publish out, waiting for onStatus */
    RTMP_CLIENT_PUBLISHING,
    RTMP_CLIENT_REFUSED,                /* _error or an error onStatus */
    RTMP_CLIENT_CLOSED,                 /* closed by the server */
    RTMP_CLIENT_FAILED                  /* local, network or protocol error */
} rtmp_client_state_e;


typedef struct {
    uint32_t            csid;
    rtmp_header_t       hdr;
    uint32_t            len;            /* message length */
    uint32_t            got;            /* bytes of it received so far */
    uint32_t            cap;            /* allocated size of msg */
    unsigned            ext:1;          /* last header had an extended ts */
    u_char             *msg;
} rtmp_in_stream_t;


typedef struct {
    int                 fd;
    rtmp_client_state_e state;
    unsigned            published:1;    /* reached RTMP_CLIENT_PUBLISHING */

    const char         *app;
    const char         *tc_url;
    const char         *name;
    const char         *flash_ver;

    uint32_t            out_chunk_size;
    uint32_t            in_chunk_size;
    uint32_t            stream_id;      /* from createStream's _result */

    rtmp_buf_t          in;
    rtmp_buf_t          out;
    size_t              hs_need;        /* handshake bytes still expected */
    rtmp_in_stream_t    in_streams[RTMP_IN_STREAMS];

    uint64_t            bytes_in;
    uint64_t            bytes_out;

    char                status[128];    /* last onStatus or _error code */
    char                error[160];     /* why FAILED, for humans */

    void               *data;           /* the caller's */
} rtmp_client_t;


int rtmp_url_parse(const char *url, rtmp_url_t *u);

int rtmp_client_init(rtmp_client_t *c, const rtmp_client_conf_t *conf);
void rtmp_client_free(rtmp_client_t *c);
int rtmp_client_connect(rtmp_client_t *c, const struct sockaddr *sa,
    socklen_t socklen);
int rtmp_client_on_write(rtmp_client_t *c);
int rtmp_client_on_read(rtmp_client_t *c);
int rtmp_client_flush(rtmp_client_t *c);
int rtmp_client_unpublish(rtmp_client_t *c);
void rtmp_client_close(rtmp_client_t *c);
const char *rtmp_client_state_name(rtmp_client_state_e state);

#define rtmp_client_pending(c)  ((size_t) ((c)->out.last - (c)->out.pos))

/* queue a whole message, chunked at c->out_chunk_size */
int rtmp_client_send(rtmp_client_t *c, rtmp_header_t *h, const u_char *data,
    size_t len);
/* queue audio, video or data on the published stream */
int rtmp_client_send_media(rtmp_client_t *c, uint8_t type, uint32_t ts,
    const u_char *data, size_t len);
/* queue bytes as they are: for crafted input */
int rtmp_client_send_raw(rtmp_client_t *c, const u_char *data, size_t len);

int rtmp_buf_reserve(rtmp_buf_t *b, size_t size);
size_t rtmp_chunk_size(size_t len, uint32_t chunk_size, uint32_t csid,
    uint32_t timestamp);
u_char *rtmp_chunk_write(u_char *p, rtmp_header_t *h, const u_char *data,
    size_t len, uint32_t chunk_size);

u_char *rtmp_amf_number(u_char *p, double n);
u_char *rtmp_amf_boolean(u_char *p, int b);
u_char *rtmp_amf_string(u_char *p, const char *s, size_t len);
u_char *rtmp_amf_null(u_char *p);
u_char *rtmp_amf_object_start(u_char *p);
u_char *rtmp_amf_prop(u_char *p, const char *key);
u_char *rtmp_amf_object_end(u_char *p);

/* AMF0 reading: each returns the position after the value, NULL if bad */
const u_char *rtmp_amf_read_number(const u_char *p, const u_char *last,
    double *n);
const u_char *rtmp_amf_read_string(const u_char *p, const u_char *last,
    const u_char **s, size_t *len);
const u_char *rtmp_amf_skip(const u_char *p, const u_char *last, int depth);
int rtmp_amf_object_get(const u_char *p, const u_char *last, const char *key,
    char *value, size_t size);


#endif /* _RTMP_CLIENT_H_INCLUDED_ */
