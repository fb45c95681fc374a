
/*
 * vstreamctl: the command-line client of vstream's admin API.
 */


#ifndef _VSTREAMCTL_H_INCLUDED_
#define _VSTREAMCTL_H_INCLUDED_


#include <stddef.h>
#include <time.h>


#define VSTREAMCTL_VERSION          "0.1.0"
#define VSTREAMCTL_DEFAULT_URL      "http://127.0.0.1/vstream"
#define VSTREAMCTL_DEFAULT_TTL      3600
#define VSTREAMCTL_DEFAULT_TIMEOUT  10
#define VSTREAMCTL_CONNECT_TIMEOUT  5

/* exit codes */
#define VSTREAMCTL_OK               0
#define VSTREAMCTL_FAIL             1
#define VSTREAMCTL_USAGE            2

/* room for a URL or a server-supplied string inside one error line */
#define VSTREAMCTL_SHOWN_MAX        512


typedef struct {
    char                *data;
    size_t               len;
} vstreamctl_buf_t;


typedef struct {
    const char          *base;         /* the admin API base, or NULL */
    const char          *token;        /* NULL: no Authorization header */
    const char          *cacert;
    long                 timeout;      /* seconds, the whole request */
    int                  insecure;
} vstreamctl_http_conf_t;


typedef struct {
    long                 status;
    vstreamctl_buf_t     body;
    char                *location;     /* of a redirect, or NULL */
    char                *moved_base;   /* the base the redirect implies */
} vstreamctl_http_resp_t;


/* vstreamctl_util.c */
void vstreamctl_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int vstreamctl_read_secret(const char *path, const char *what,
    vstreamctl_buf_t *out);
void vstreamctl_secret_free(vstreamctl_buf_t *secret);
void vstreamctl_sanitize(char *dst, size_t size, const char *src);
size_t vstreamctl_display_width(const char *s);
int vstreamctl_split_target(const char *target, char **app, char **stream);

/* vstreamctl_http.c */
int vstreamctl_http_init(void);
void vstreamctl_http_cleanup(void);
int vstreamctl_http_check_base(const char *url, char **base);
char *vstreamctl_http_escape(const char *s);
char *vstreamctl_http_target_url(const char *base, const char *what,
    const char *app, const char *stream, const char *query);
void vstreamctl_http_shown(char *dst, size_t size, const char *url);
int vstreamctl_http_request(const vstreamctl_http_conf_t *conf,
    const char *method, const char *url, vstreamctl_http_resp_t *resp);
void vstreamctl_http_resp_free(vstreamctl_http_resp_t *resp);
void vstreamctl_http_refused(const char *shown,
    const vstreamctl_http_resp_t *resp, int token_sent);

/* vstreamctl_status.c */
int vstreamctl_status_show(const char *shown, const vstreamctl_buf_t *body,
    int raw);
struct json_t *vstreamctl_json_load(const char *shown,
    const vstreamctl_buf_t *body);
void vstreamctl_print_raw(const vstreamctl_buf_t *body);

/* vstreamctl_bans.c */
#define VSTREAMCTL_BAN_MAX          (30LL * 24 * 3600)

int vstreamctl_bans_show(const char *shown, const vstreamctl_buf_t *body,
    int raw);

/* vstreamctl_fleet.c */
int vstreamctl_fleet_add(const char *urls);
size_t vstreamctl_fleet_size(void);
const char *vstreamctl_fleet_url(size_t i);
void vstreamctl_fleet_free(void);
int vstreamctl_fleet_status(const vstreamctl_http_conf_t *conf, int raw,
    int token_sent);
int vstreamctl_fleet_drop(const vstreamctl_http_conf_t *conf,
    const char *app, const char *stream, const char *query, int token_sent);
int vstreamctl_fleet_each(int (*one)(void *ctx, const char *base,
    const char *label), void *ctx);
int vstreamctl_fleet_print(struct json_t *doc, const char *what);

/* vstreamctl_rec.c */
int vstreamctl_recordings(const vstreamctl_http_conf_t *conf,
    const char *base, const char *target, int raw);
int vstreamctl_rm_recording(const vstreamctl_http_conf_t *conf,
    const char *base, const char *target);
int vstreamctl_rec_fleet(const vstreamctl_http_conf_t *conf,
    const char *target, int rm, int raw, int token_sent);

/* vstreamctl_sign.c */
#define VSTREAMCTL_KID_MAX          8

int vstreamctl_sign_key(const vstreamctl_buf_t *file, const char *path,
    const char *want, vstreamctl_buf_t *secret, char *kid);
int vstreamctl_kid_check(const char *kid);
int vstreamctl_sign(const vstreamctl_buf_t *secret, const char *app,
    const char *stream, long long exp, const char *kid, char *sig,
    size_t size);
int vstreamctl_sign_url(const char *base, const char *app,
    const char *stream, char **prefix);


#endif /* _VSTREAMCTL_H_INCLUDED_ */
