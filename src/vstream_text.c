
/*
 * vstream: the text rules (see vstream_text.h).  Strict UTF-8 as RFC 3629
 * and Unicode's table 3-7 have it; nginx's ngx_utf8_decode() lets
 * surrogates through, so nothing here uses it.
 */


#include <string.h>

#include "vstream_text.h"


typedef enum {
    VSTREAM_ESCAPE_JSON = 0,
    VSTREAM_ESCAPE_PROM
} vstream_escape_e;


static unsigned char *vstream_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len, vstream_escape_e type);
static size_t vstream_escape_unit(unsigned char *unit,
    const unsigned char *src, size_t len, size_t *used,
    vstream_escape_e type);
static void vstream_admin_route_recordings(const unsigned char *p,
    size_t len, int get, vstream_method_e method, vstream_admin_route_t *rt);


static const char  vstream_hex[] = "0123456789abcdef";


size_t
vstream_utf8_decode(const unsigned char *p, size_t len, uint32_t *cp)
{
    size_t    n, i;
    uint32_t  u;
    unsigned  c, lo, hi;

    c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    /* the range of the second byte depends on the first (table 3-7) */
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        u = c & 0x1f;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        u = c & 0x0f;

        if (c == 0xe0) {
            lo = 0xa0;          /* overlong below U+0800 */

        } else if (c == 0xed) {
            hi = 0x9f;          /* surrogates */
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        u = c & 0x07;

        if (c == 0xf0) {
            lo = 0x90;          /* overlong below U+10000 */

        } else if (c == 0xf4) {
            hi = 0x8f;          /* above U+10FFFF */
        }

    } else {
        /* a continuation byte, C0, C1 (overlong ASCII), F5..FF */
        *cp = VSTREAM_UTF8_INVALID;
        return 1;
    }

    for (i = 1; i < n; i++) {

        if (i >= len || p[i] < lo || p[i] > hi) {
            *cp = VSTREAM_UTF8_INVALID;
            return i;
        }

        u = (u << 6) | (p[i] & 0x3f);
        lo = 0x80;
        hi = 0xbf;
    }

    *cp = u;

    return n;
}


int
vstream_utf8_valid(const unsigned char *src, size_t len)
{
    size_t    n;
    uint32_t  cp;

    while (len) {
        if (*src < 0x80) {
            src++;
            len--;
            continue;
        }

        n = vstream_utf8_decode(src, len, &cp);

        if (cp == VSTREAM_UTF8_INVALID) {
            return 0;
        }

        src += n;
        len -= n;
    }

    return 1;
}


/* one unit of output for the input at src: its bytes in unit[0 .. 5] */

static size_t
vstream_escape_unit(unsigned char *unit, const unsigned char *src,
    size_t len, size_t *used, vstream_escape_e type)
{
    size_t    n;
    uint32_t  cp;
    unsigned  c;

    c = *src;
    *used = 1;

    if (c >= 0x80) {
        n = vstream_utf8_decode(src, len, &cp);
        *used = n;

        if (cp != VSTREAM_UTF8_INVALID) {
            memcpy(unit, src, n);
            return n;
        }

        if (type == VSTREAM_ESCAPE_JSON) {
            memcpy(unit, "\\ufffd", 6);
            return 6;
        }

        memcpy(unit, "\xef\xbf\xbd", 3);
        return 3;
    }

    if (c == '"' || c == '\\') {
        unit[0] = '\\';
        unit[1] = (unsigned char) c;
        return 2;
    }

    if (c == '\n') {
        unit[0] = '\\';
        unit[1] = 'n';
        return 2;
    }

    if (c < 0x20 || c == 0x7f) {
        if (type == VSTREAM_ESCAPE_PROM) {
            unit[0] = '?';
            return 1;
        }

        memcpy(unit, "\\u00", 4);
        unit[4] = (unsigned char) vstream_hex[c >> 4];
        unit[5] = (unsigned char) vstream_hex[c & 0xf];
        return 6;
    }

    unit[0] = (unsigned char) c;

    return 1;
}


static unsigned char *
vstream_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len, vstream_escape_e type)
{
    size_t         n, used;
    unsigned char  unit[VSTREAM_TEXT_ESCAPE_MAX];

    while (len) {

        /* the common case, plain ASCII, without the unit buffer */
        if (*src >= 0x20 && *src < 0x7f && *src != '"' && *src != '\\') {
            if (dst == end) {
                break;
            }

            *dst++ = *src++;
            len--;
            continue;
        }

        n = vstream_escape_unit(unit, src, len, &used, type);

        if ((size_t) (end - dst) < n) {
            break;
        }

        memcpy(dst, unit, n);
        dst += n;
        src += used;
        len -= used;
    }

    return dst;
}


unsigned char *
vstream_json_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len)
{
    return vstream_escape(dst, end, src, len, VSTREAM_ESCAPE_JSON);
}


unsigned char *
vstream_prom_escape(unsigned char *dst, unsigned char *end,
    const unsigned char *src, size_t len)
{
    return vstream_escape(dst, end, src, len, VSTREAM_ESCAPE_PROM);
}


size_t
vstream_json_escaped_len(const unsigned char *src, size_t len)
{
    size_t         n, used, total;
    unsigned char  unit[VSTREAM_TEXT_ESCAPE_MAX];

    for (total = 0; len; src += used, len -= used) {
        n = vstream_escape_unit(unit, src, len, &used, VSTREAM_ESCAPE_JSON);
        total += n;
    }

    return total;
}


size_t
vstream_prom_escaped_len(const unsigned char *src, size_t len)
{
    size_t         n, used, total;
    unsigned char  unit[VSTREAM_TEXT_ESCAPE_MAX];

    for (total = 0; len; src += used, len -= used) {
        n = vstream_escape_unit(unit, src, len, &used, VSTREAM_ESCAPE_PROM);
        total += n;
    }

    return total;
}


int
vstream_name_is_safe(const unsigned char *name, size_t len)
{
    size_t  i;

    if (name == NULL || len == 0 || len > VSTREAM_TEXT_NAME_MAX) {
        return 0;
    }

    if (len == 1 && name[0] == '.') {
        return 0;
    }

    for (i = 0; i < len; i++) {

        if (name[i] < 0x20 || name[i] == 0x7f
            || name[i] == '/' || name[i] == '\\')
        {
            return 0;
        }

        if (name[i] == '.' && i + 1 < len && name[i + 1] == '.') {
            return 0;
        }
    }

    return vstream_utf8_valid(name, len);
}


int
vstream_args_get(const unsigned char *args, size_t len, const char *name,
    size_t nlen, const unsigned char **value, size_t *vlen)
{
    const unsigned char  *p, *last, *amp;

    if (args == NULL) {
        return 0;
    }

    p = args;
    last = args + len;

    while (p < last) {
        amp = memchr(p, '&', last - p);
        if (amp == NULL) {
            amp = last;
        }

        if ((size_t) (amp - p) > nlen && p[nlen] == '='
            && memcmp(p, name, nlen) == 0)
        {
            *value = p + nlen + 1;
            *vlen = amp - *value;
            return 1;
        }

        p = amp + 1;
    }

    return 0;
}


int
vstream_kid_is_valid(const unsigned char *kid, size_t len)
{
    size_t  i;

    if (len == 0 || len > VSTREAM_KID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((kid[i] >= '0' && kid[i] <= '9')
              || (kid[i] >= 'A' && kid[i] <= 'Z')
              || (kid[i] >= 'a' && kid[i] <= 'z')))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * The line at *pos, white space around it (and a CR) cut off: 1 and
 * [*s, *e) with *pos past its LF, or 0 at the end; *raw is where the line
 * starts, leading white space included.
 */

static int
vstream_keys_line(const unsigned char **pos, const unsigned char *last,
    const unsigned char **raw, const unsigned char **s,
    const unsigned char **e)
{
    const unsigned char  *p, *eol;

    p = *pos;

    if (p >= last) {
        return 0;
    }

    eol = memchr(p, '\n', last - p);
    if (eol == NULL) {
        eol = last;
    }

    *pos = (eol < last) ? eol + 1 : last;
    *raw = p;

    while (p < eol && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t' || eol[-1] == '\r'))
    {
        eol--;
    }

    *s = p;
    *e = eol;

    return 1;
}


/* the first word of [s, e) as the kid, the rest as the secret */

static void
vstream_keys_split(const unsigned char *s, const unsigned char *e,
    vstream_key_t *key)
{
    const unsigned char  *p;

    for (p = s; p < e && *p != ' ' && *p != '\t'; p++) { /* void */ }

    key->kid = s;
    key->kid_len = p - s;

    while (p < e && (*p == ' ' || *p == '\t')) {
        p++;
    }

    key->secret = p;
    key->secret_len = e - p;
}


void
vstream_keys_init(vstream_keys_t *it, const unsigned char *text, size_t len)
{
    const unsigned char  *pos, *raw, *s, *e;

    it->start = text;
    it->pos = text;
    it->last = text + len;
    it->line = 0;
    it->lines = 0;

    pos = text;

    while (vstream_keys_line(&pos, it->last, &raw, &s, &e)) {
        it->lines += (s < e);
    }
}


int
vstream_keys_next(vstream_keys_t *it, vstream_key_t *key, const char **err)
{
    size_t                n;
    vstream_key_t         prev;
    const unsigned char  *pos, *raw, *s, *e;

    for ( ;; ) {
        if (!vstream_keys_line(&it->pos, it->last, &raw, &s, &e)) {
            return 0;
        }

        it->line++;

        if (s < e) {
            break;
        }
    }

    key->line = it->line;
    vstream_keys_split(s, e, key);

    if (it->lines == 1
        && (key->secret_len == 0
            || !vstream_kid_is_valid(key->kid, key->kid_len)))
    {
        /* the bare secret of a one-line file, as before key ids */
        key->kid_len = 0;
        key->secret = raw;
        key->secret_len = e - raw;
        return 1;
    }

    if (key->secret_len == 0) {
        *err = "expected \"KID SECRET\" (a key id, white space, the secret)";
        return -1;
    }

    if (!vstream_kid_is_valid(key->kid, key->kid_len)) {
        *err = "invalid key id, it must be 1 to 8 of A-Z, a-z, 0-9";
        return -1;
    }

    /* the lines before: a file is a few KiB at most */

    pos = it->start;

    for (n = 1; n < it->line; n++) {
        (void) vstream_keys_line(&pos, it->last, &raw, &s, &e);
        vstream_keys_split(s, e, &prev);

        if (prev.kid_len == key->kid_len
            && memcmp(prev.kid, key->kid, key->kid_len) == 0)
        {
            *err = "duplicate key id";
            return -1;
        }
    }

    return 1;
}


size_t
vstream_hls_playlist_path(unsigned char *dst, size_t size,
    const unsigned char *dir, size_t dlen, const unsigned char *name,
    size_t nlen, int nested)
{
    size_t          len;
    unsigned char  *p;

    if (!vstream_name_is_safe(name, nlen)) {
        return 0;
    }

    len = dlen + 1 + nlen
          + (nested ? sizeof("/index.m3u8") - 1 : sizeof(".m3u8") - 1);

    if (len >= size) {
        return 0;
    }

    p = dst;
    memcpy(p, dir, dlen);
    p += dlen;
    *p++ = '/';
    memcpy(p, name, nlen);
    p += nlen;

    if (nested) {
        memcpy(p, "/index.m3u8", sizeof("/index.m3u8"));

    } else {
        memcpy(p, ".m3u8", sizeof(".m3u8"));
    }

    return len;
}


int
vstream_hls_uri_name(const unsigned char *uri, size_t len,
    const unsigned char **name, size_t *nlen, int *kind)
{
    const unsigned char  *p, *base, *last, *dir;

    last = uri + len;

    for (base = last; base > uri && base[-1] != '/'; base--) {
        /* void */
    }

    /* the directory above the file, for the nested layout */
    for (dir = base > uri ? base - 1 : base; dir > uri && dir[-1] != '/'; dir--)
    {
        /* void */
    }

    if (last - base > 5 && memcmp(last - 5, ".m3u8", 5) == 0) {
        *kind = VSTREAM_HLS_PLAYLIST;

        if (last - base == 10 && memcmp(base, "index", 5) == 0
            && base > uri + 1)
        {
            *name = dir;
            *nlen = base - 1 - dir;

        } else {
            *name = base;
            *nlen = last - 5 - base;
        }

        return *nlen > 0;
    }

    if (last - base > 3 && memcmp(last - 3, ".ts", 3) == 0) {
        *kind = VSTREAM_HLS_SEGMENT;

        /* NAME-SEQ.ts: the digits before ".ts" after the last '-' */
        for (p = last - 3; p > base && p[-1] >= '0' && p[-1] <= '9'; p--) {
            /* void */
        }

        if (p > base + 1 && p[-1] == '-' && p < last - 3) {
            *name = base;
            *nlen = p - 1 - base;
            return 1;
        }

        if (p == base && base > uri + 1) {
            *name = dir;
            *nlen = base - 1 - dir;
            return *nlen > 0;
        }
    }

    return 0;
}


void
vstream_admin_route(const unsigned char *path, size_t len,
    vstream_method_e method, vstream_admin_route_t *rt)
{
    int                   get, bans;
    const unsigned char  *p, *last, *slash;

    memset(rt, 0, sizeof(vstream_admin_route_t));

    while (len && path[0] == '/') {
        path++;
        len--;
    }

    get = (method == VSTREAM_METHOD_GET || method == VSTREAM_METHOD_HEAD);

    if ((len == 6 && memcmp(path, "status", 6) == 0)
        || (len == 7 && memcmp(path, "metrics", 7) == 0)
        || (len == 4 && memcmp(path, "bans", 4) == 0))
    {
        if (!get) {
            rt->status = 405;
            rt->message = "method not allowed";
            rt->allow = "GET, HEAD";
            return;
        }

        rt->status = 200;
        rt->route = (len == 6) ? VSTREAM_ROUTE_STATUS
                    : (len == 7) ? VSTREAM_ROUTE_METRICS : VSTREAM_ROUTE_BANS;
        return;
    }

    if (len >= 10 && memcmp(path, "recordings", 10) == 0
        && (len == 10 || path[10] == '/'))
    {
        vstream_admin_route_recordings(path + 10, len - 10, get, method, rt);
        return;
    }

    rt->status = 404;
    rt->message = "no such resource";

    bans = (len > 5 && memcmp(path, "bans/", 5) == 0);

    if (!bans && (len <= 8 || memcmp(path, "streams/", 8) != 0)) {
        return;
    }

    p = path + (bans ? 5 : 8);
    last = path + len;
    slash = memchr(p, '/', last - p);

    if (slash == NULL || slash == p || slash + 1 == last
        || memchr(slash + 1, '/', last - slash - 1) != NULL)
    {
        return;
    }

    rt->app = p;
    rt->app_len = slash - p;
    rt->name = slash + 1;
    rt->name_len = last - rt->name;

    /* no stream can have a name we refuse at publish */
    if (rt->app_len > VSTREAM_TEXT_NAME_MAX
        || !vstream_name_is_safe(rt->name, rt->name_len))
    {
        rt->message = "no such stream";
        return;
    }

    if (bans) {
        if (method == VSTREAM_METHOD_PUT || method == VSTREAM_METHOD_DELETE) {
            rt->status = 200;
            rt->message = NULL;
            rt->route = (method == VSTREAM_METHOD_PUT) ? VSTREAM_ROUTE_BAN
                                                       : VSTREAM_ROUTE_UNBAN;
            return;
        }

        rt->status = 405;
        rt->message = "method not allowed";
        rt->allow = "PUT, DELETE";
        return;
    }

    if (get) {
        rt->status = 200;
        rt->message = NULL;
        rt->route = VSTREAM_ROUTE_STREAM;
        return;
    }

    if (method == VSTREAM_METHOD_DELETE) {
        rt->status = 200;
        rt->message = NULL;
        rt->route = VSTREAM_ROUTE_DROP;
        return;
    }

    rt->status = 405;
    rt->message = "method not allowed";
    rt->allow = "GET, HEAD, DELETE";
}


/* below "recordings": nothing, "/APP/NAME" or "/APP/NAME/ID" */

static void
vstream_admin_route_recordings(const unsigned char *p, size_t len, int get,
    vstream_method_e method, vstream_admin_route_t *rt)
{
    size_t                n, plen[3];
    const unsigned char  *last, *slash, *part[3];

    rt->status = 404;
    rt->message = "no such resource";

    n = 0;

    if (len) {
        last = p + len;
        p++;                                       /* the '/' */

        for ( ;; ) {
            if (n == 3) {
                return;
            }

            slash = memchr(p, '/', last - p);
            part[n] = p;
            plen[n++] = (slash ? slash : last) - p;

            if (slash == NULL) {
                break;
            }

            p = slash + 1;
        }

        if (n == 1) {
            return;
        }

        if (!vstream_name_is_safe(part[0], plen[0])
            || !vstream_name_is_safe(part[1], plen[1])
            || (n == 3 && !vstream_record_id_is_valid(part[2], plen[2])))
        {
            rt->status = 400;
            rt->message = "not a valid application, stream or recording name";
            return;
        }

        rt->app = part[0];
        rt->app_len = plen[0];
        rt->name = part[1];
        rt->name_len = plen[1];

        if (n == 3) {
            rt->id = part[2];
            rt->id_len = plen[2];
        }
    }

    rt->status = 405;
    rt->message = "method not allowed";

    if (n == 3) {
        if (method != VSTREAM_METHOD_DELETE) {
            rt->allow = "DELETE";
            return;
        }

        rt->route = VSTREAM_ROUTE_RECORDING_DELETE;

    } else {
        if (!get) {
            rt->allow = "GET, HEAD";
            return;
        }

        rt->route = VSTREAM_ROUTE_RECORDINGS;
    }

    rt->status = 200;
    rt->message = NULL;
}


int
vstream_record_id_is_valid(const unsigned char *id, size_t len)
{
    size_t  i;

    if (id == NULL || len < 16 || len > VSTREAM_RECORD_ID_MAX
        || id[8] != 'T' || id[15] != 'Z')
    {
        return 0;
    }

    for (i = 0; i < 15; i++) {
        if (i != 8 && (id[i] < '0' || id[i] > '9')) {
            return 0;
        }
    }

    if (len == 16) {
        return 1;
    }

    if (len < 18 || id[16] != '-') {
        return 0;
    }

    for (i = 17; i < len; i++) {
        if (id[i] < '0' || id[i] > '9') {
            return 0;
        }
    }

    return 1;
}
