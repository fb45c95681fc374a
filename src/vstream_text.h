
/*
 * vstream: the text rules in one place.  Strict UTF-8 (RFC 3629), bounded
 * escapers for JSON strings and Prometheus label values, which names are
 * safe, the publish arguments, the admin API's routes and the HLS playlist
 * paths.  Pure C99 with no nginx dependency, no allocation, no locale: it
 * is unit tested and fuzzed on its own (t/unit/).
 */


#ifndef _VSTREAM_TEXT_H_INCLUDED_
#define _VSTREAM_TEXT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define VSTREAM_TEXT_NAME_MAX   255

/* not a code point: what vstream_utf8_decode() gives for bad bytes */
#define VSTREAM_UTF8_INVALID    0xffffffff

/*
 * The most bytes either escaper writes for one input byte: a control byte
 * becomes "\u00XX" and a bad byte "\ufffd" in JSON (6); the 3 bytes of
 * U+FFFD in a Prometheus label.  A buffer of len * VSTREAM_TEXT_ESCAPE_MAX
 * bytes always holds the whole escaped string.
 */
#define VSTREAM_TEXT_ESCAPE_MAX 6


/*
 * Decodes the sequence at p (len > 0 bytes readable): returns how many
 * bytes it takes and sets *cp to its code point, or to
 * VSTREAM_UTF8_INVALID when they are not valid UTF-8: overlong forms,
 * surrogates (U+D800..DFFF), above U+10FFFF, a stray continuation byte,
 * C0, C1, F5..FF, or a sequence cut short.  An invalid sequence takes its
 * maximal subpart (Unicode 15, 3.9, U+FFFD substitution), at least 1 byte.
 */
size_t vstream_utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);

/* 1 if src[0 .. len - 1] is valid UTF-8 (the empty string is) */
int vstream_utf8_valid(const unsigned char *src, size_t len);


/*
 * Escape src[0 .. len - 1] into dst, never writing at or past end, and
 * return where the output ends.  Always valid UTF-8:
 *
 *   JSON (the inside of a string): '"', '\\' and '\n' backslashed, other
 *   bytes below 0x20 and 0x7f as \u00XX, invalid UTF-8 as \ufffd.
 *
 *   Prometheus (the inside of a label value, text format 0.0.4): '\\',
 *   '"' and '\n' backslashed as the format says, other control bytes
 *   (below 0x20, 0x7f) as '?', invalid UTF-8 as the 3 bytes of U+FFFD.
 *
 * When dst is too small the output stops before the first unit (escape
 * or character) that would not fit, so it is still valid.
 */
unsigned char *vstream_json_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len);
unsigned char *vstream_prom_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len);

/* the exact length of the escaped output (at most len * ESCAPE_MAX) */
size_t vstream_json_escaped_len(const unsigned char *src, size_t len);
size_t vstream_prom_escaped_len(const unsigned char *src, size_t len);


/*
 * 1 if name is safe as a stream name and as one path component: 1 to 255
 * bytes of valid UTF-8, no '/' or '\\', no ".." anywhere (so neither ".."
 * nor "..."), not ".", no control bytes (below 0x20, 0x7f).
 */
int vstream_name_is_safe(const unsigned char *name, size_t len);


/*
 * Finds NAME=VALUE in "a=1&b=2" (the first occurrence wins): 1 and the
 * value (may be empty) in *value, *vlen; 0 when absent.
 */
int vstream_args_get(const unsigned char *args, size_t len, const char *name,
    size_t nlen, const unsigned char **value, size_t *vlen);


/*
 * The keys of a signed-key secret file (vstream_ingest_secret_file, and
 * vstreamctl sign): one a line, "KID SECRET", KID 1 to VSTREAM_KID_MAX of
 * [A-Za-z0-9], white space, SECRET the rest of the line; white space around
 * a line and CR before its LF are not part of it; blank lines are skipped.
 * A text of one line that is not of that form (no white space in it, or a
 * first word that is no key id) is one bare secret: kid_len 0, the secret
 * the whole line but its trailing white space.
 */
#define VSTREAM_KID_MAX  8

typedef struct {
    const unsigned char        *kid;
    size_t                      kid_len;     /* 0: the bare secret */
    const unsigned char        *secret;
    size_t                      secret_len;  /* never 0 */
    size_t                      line;        /* from 1 */
} vstream_key_t;

typedef struct {
    const unsigned char        *start;
    const unsigned char        *pos;
    const unsigned char        *last;
    size_t                      line;
    size_t                      lines;       /* that are not blank */
} vstream_keys_t;

/* 1 if kid[0 .. len - 1] is a key id */
int vstream_kid_is_valid(const unsigned char *kid, size_t len);

void vstream_keys_init(vstream_keys_t *it, const unsigned char *text,
    size_t len);

/*
 * The next key: 1 and *key, 0 at the end, -1 for a bad line: key->line
 * and *err say which and why ("expected ...", "invalid key id", "duplicate
 * key id"), never quoting the line.
 */
int vstream_keys_next(vstream_keys_t *it, vstream_key_t *key,
    const char **err);


/*
 * DIR/NAME.m3u8 (nested 0) or DIR/NAME/index.m3u8 (nested 1), nginx-rtmp's
 * two HLS layouts, NUL-terminated in dst[0 .. size - 1]: the length
 * without the NUL, or 0 when name is not safe (so the path never leaves
 * DIR) or the path does not fit.
 */
size_t vstream_hls_playlist_path(unsigned char *dst, size_t size,
    const unsigned char *dir, size_t dlen, const unsigned char *name,
    size_t nlen, int nested);


/*
 * The other way: the stream a request for URI is about, in either layout.
 * NAME.m3u8 and NAME/index.m3u8 are playlists, NAME-SEQ.ts and NAME/SEQ.ts
 * segments (kind 0 and 1).  1 and the name (pointing into uri), or 0 for
 * anything else.  The name is not checked: it is only looked up.
 */
#define VSTREAM_HLS_PLAYLIST  0
#define VSTREAM_HLS_SEGMENT   1

int vstream_hls_uri_name(const unsigned char *uri, size_t len,
    const unsigned char **name, size_t *nlen, int *kind);


/*
 * A recording's ID, the UTC time its publish started, YYYYMMDDTHHMMSSZ,
 * with "-N" when that second has several (N of 1 or 2 digits).
 */
#define VSTREAM_RECORD_ID_MAX  (sizeof("20260101T000000Z-99") - 1)

int vstream_record_id_is_valid(const unsigned char *id, size_t len);


/* the admin API's request router */

typedef enum {
    VSTREAM_METHOD_GET = 0,
    VSTREAM_METHOD_HEAD,
    VSTREAM_METHOD_DELETE,
    VSTREAM_METHOD_OTHER,
    VSTREAM_METHOD_PUT
} vstream_method_e;


typedef enum {
    VSTREAM_ROUTE_NONE = 0,              /* answer with status and message */
    VSTREAM_ROUTE_STATUS,
    VSTREAM_ROUTE_METRICS,
    VSTREAM_ROUTE_STREAM,                /* GET/HEAD of app/name */
    VSTREAM_ROUTE_DROP,                  /* DELETE of app/name */
    VSTREAM_ROUTE_BANS,                  /* GET/HEAD of bans */
    VSTREAM_ROUTE_BAN,                   /* PUT of bans/app/name */
    VSTREAM_ROUTE_UNBAN,                 /* DELETE of bans/app/name */
    VSTREAM_ROUTE_RECORDINGS,            /* GET/HEAD of recordings[/a/n] */
    VSTREAM_ROUTE_RECORDING_DELETE       /* DELETE of recordings/a/n/id */
} vstream_route_e;


typedef struct {
    vstream_route_e             route;
    unsigned                    status;    /* 200, 400, 404 or 405 */
    const char                 *message;   /* of a 400, 404 or 405 */
    const char                 *allow;     /* the Allow header of a 405 */
    const unsigned char        *app;
    size_t                      app_len;
    const unsigned char        *name;
    size_t                      name_len;
    const unsigned char        *id;        /* of a recording */
    size_t                      id_len;
} vstream_admin_route_t;


/*
 * Routes path (the URI below the location's prefix; leading slashes are
 * skipped): "status", "metrics", "streams/APP/NAME", "bans",
 * "bans/APP/NAME", "recordings", "recordings/APP/NAME" and
 * "recordings/APP/NAME/ID".  An unknown path is 404 whatever the method;
 * a known one with a method it does not take is 405 with the methods it
 * takes in allow.  Below "recordings/" the parts become directory names,
 * so an APP or NAME that is not a safe name, or an ID that is not one, is
 * 400 whatever the method, never looked up.
 */
void vstream_admin_route(const unsigned char *path, size_t len,
    vstream_method_e method, vstream_admin_route_t *rt);


#endif /* _VSTREAM_TEXT_H_INCLUDED_ */
