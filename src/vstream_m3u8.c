
/*
 * vstream: an HLS media playlist parser (RFC 8216) for packaging stats.
 *
 * The input is whatever sits in the HLS directory, so it is read as hostile:
 * one pass over the bytes, bounded by len, with no allocation.  Numbers are
 * parsed by hand (strtod() depends on the locale, wants a NUL-terminated
 * string and gives a double) and saturate instead of overflowing.
 */


#include <string.h>
#include "vstream_m3u8.h"
#include "vstream_text.h"


/* whole seconds above this are more than UINT32_MAX ms anyway */
#define VSTREAM_M3U8_SEC_MAX   (UINT32_MAX / 1000 + 1)

#define vstream_m3u8_is(p, n, s)                                              \
    ((n) == sizeof(s) - 1 && memcmp(p, s, sizeof(s) - 1) == 0)

#define vstream_m3u8_after(p, n, s)                                           \
    vstream_m3u8_prefix(p, n, (const unsigned char *) s, sizeof(s) - 1)

#define vstream_m3u8_digit(c)  ((c) >= '0' && (c) <= '9')


static size_t vstream_m3u8_line(const unsigned char *p,
    const unsigned char *end, const unsigned char **next);
static int vstream_m3u8_tag(vstream_m3u8_t *pl, const unsigned char *p,
    size_t n, uint32_t *duration);
static const unsigned char *vstream_m3u8_prefix(const unsigned char *p,
    size_t n, const unsigned char *tag, size_t len);
static int vstream_m3u8_integer(const unsigned char *p,
    const unsigned char *last, uint64_t max, uint64_t *value);
static int vstream_m3u8_duration(const unsigned char *p,
    const unsigned char *last, uint32_t *duration);
static const unsigned char *vstream_m3u8_digits(const unsigned char *p,
    const unsigned char *last, uint64_t max, uint64_t *value);
static int vstream_m3u8_uri(const unsigned char *p, size_t n);


int
vstream_m3u8_parse(const unsigned char *buf, size_t len, vstream_m3u8_t *pl,
    vstream_m3u8_segment_pt segment, void *data)
{
    size_t                n;
    uint32_t              duration, ms;
    const unsigned char  *p, *line, *end;

    memset(pl, 0, sizeof(vstream_m3u8_t));

    if (buf == NULL) {
        return -1;
    }

    end = buf + len;

    n = vstream_m3u8_line(buf, end, &p);

    if (!vstream_m3u8_is(buf, n, "#EXTM3U")) {
        return -1;
    }

    duration = 0;

    while (p < end) {
        line = p;
        n = vstream_m3u8_line(line, end, &p);

        if (n == 0) {
            continue;
        }

        if (line[0] == '#') {
            if (vstream_m3u8_tag(pl, line, n, &duration) != 0) {
                memset(pl, 0, sizeof(vstream_m3u8_t));
                return -1;
            }

            continue;
        }

        if (!vstream_m3u8_uri(line, n)) {
            continue;
        }

        if (pl->segments == UINT32_MAX) {
            break;
        }

        /* no overflow: below 2^32 segments of below 2^32 ms each */

        pl->segments++;
        pl->window_ms += duration;
        pl->last_segment_ms = duration;

        ms = duration;
        duration = 0;

        if (segment != NULL && segment(data, line, n, ms) != 0) {
            break;
        }
    }

    return 0;
}


/* the length of the line at p without its "\n" or "\r\n"; *next: after it */

static size_t
vstream_m3u8_line(const unsigned char *p, const unsigned char *end,
    const unsigned char **next)
{
    const unsigned char  *eol;

    eol = memchr(p, '\n', (size_t) (end - p));

    if (eol == NULL) {
        *next = end;
        eol = end;

    } else {
        *next = eol + 1;
    }

    if (eol > p && eol[-1] == '\r') {
        eol--;
    }

    return (size_t) (eol - p);
}


/*
 * the tags the stats need; any other tag or comment is ignored.  -1 on a
 * master playlist (nginx-rtmp's hls_variant writes one): its URIs are
 * playlists, not segments, and RFC 8216 4.1 forbids mixing the two kinds.
 */

static int
vstream_m3u8_tag(vstream_m3u8_t *pl, const unsigned char *p, size_t n,
    uint32_t *duration)
{
    uint64_t              value;
    const unsigned char  *last, *v;

    last = p + n;

    v = vstream_m3u8_after(p, n, "#EXTINF:");
    if (v != NULL) {
        (void) vstream_m3u8_duration(v, last, duration);
        return 0;
    }

    v = vstream_m3u8_after(p, n, "#EXT-X-TARGETDURATION:");
    if (v != NULL) {
        if (vstream_m3u8_integer(v, last, UINT32_MAX, &value) == 0) {
            pl->target_duration = (uint32_t) value;
        }

        return 0;
    }

    v = vstream_m3u8_after(p, n, "#EXT-X-MEDIA-SEQUENCE:");
    if (v != NULL) {
        if (vstream_m3u8_integer(v, last, UINT64_MAX, &value) == 0) {
            pl->media_sequence = value;
        }

        return 0;
    }

    if (vstream_m3u8_is(p, n, "#EXT-X-ENDLIST")) {
        pl->endlist = 1;
        return 0;
    }

    if (vstream_m3u8_after(p, n, "#EXT-X-STREAM-INF:") != NULL
        || vstream_m3u8_after(p, n, "#EXT-X-I-FRAME-STREAM-INF:") != NULL)
    {
        return -1;
    }

    return 0;
}


/* what follows tag, or NULL when the line does not start with it */

static const unsigned char *
vstream_m3u8_prefix(const unsigned char *p, size_t n,
    const unsigned char *tag, size_t len)
{
    if (n < len || memcmp(p, tag, len) != 0) {
        return NULL;
    }

    return p + len;
}


/* decimal-integer up to the end of the line */

static int
vstream_m3u8_integer(const unsigned char *p, const unsigned char *last,
    uint64_t max, uint64_t *value)
{
    const unsigned char  *q;

    q = vstream_m3u8_digits(p, last, max, value);

    return (q == p || q != last) ? -1 : 0;
}


/*
 * <decimal>[,<title>]: "2", "2.000", "1.9666" (1966 ms), ".5"; leaves
 * *duration alone when the value is not a number
 */

static int
vstream_m3u8_duration(const unsigned char *p, const unsigned char *last,
    uint32_t *duration)
{
    uint64_t              sec, ms, scale;
    const unsigned char  *start;

    start = p;
    p = vstream_m3u8_digits(p, last, VSTREAM_M3U8_SEC_MAX, &sec);

    ms = 0;

    if (p < last && *p == '.') {
        p++;

        for (scale = 100; p < last && vstream_m3u8_digit(*p); p++) {
            ms += (uint64_t) (*p - '0') * scale;
            scale /= 10;
        }

        if (p - start == 1) {
            return -1;
        }
    }

    if (p == start || (p < last && *p != ',')) {
        return -1;
    }

    ms += sec * 1000;

    *duration = (ms > UINT32_MAX) ? UINT32_MAX : (uint32_t) ms;

    return 0;
}


/* leading digits, saturating at max */

static const unsigned char *
vstream_m3u8_digits(const unsigned char *p, const unsigned char *last,
    uint64_t max, uint64_t *value)
{
    uint64_t  v, d;

    v = 0;

    for ( /* void */ ; p < last && vstream_m3u8_digit(*p); p++) {
        d = (uint64_t) (*p - '0');
        v = (v > (max - d) / 10) ? max : v * 10 + d;
    }

    *value = v;

    return p;
}


/* a URI line: not blank, no control characters (binary junk is no URI) */

static int
vstream_m3u8_uri(const unsigned char *p, size_t n)
{
    size_t  i;
    int     blank;

    blank = 1;

    for (i = 0; i < n; i++) {

        if (p[i] < 0x20 || p[i] == 0x7f) {
            return 0;
        }

        if (p[i] != ' ') {
            blank = 0;
        }
    }

    return !blank;
}
