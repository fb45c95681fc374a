
/*
 * vstream: reference readings for the fuzz targets and unit tests of
 * src/vstream_text.c, written independently of it (a different decoding
 * strategy: generic bit patterns, then range checks), so a bug in one is
 * not silently the other's.  Header-only; every function is static.
 */


#ifndef _VSTREAM_TEXT_REF_H_INCLUDED_
#define _VSTREAM_TEXT_REF_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <string.h>


/* RFC 3629 the textbook way: length from the lead byte, then the value */

static inline int
ref_utf8_valid(const unsigned char *s, size_t len)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    for (i = 0; i < len; i += n) {

        if ((s[i] & 0x80) == 0) {
            n = 1;
            continue;
        }

        if ((s[i] & 0xe0) == 0xc0) {
            n = 2;
            cp = s[i] & 0x1f;
            min = 0x80;

        } else if ((s[i] & 0xf0) == 0xe0) {
            n = 3;
            cp = s[i] & 0x0f;
            min = 0x800;

        } else if ((s[i] & 0xf8) == 0xf0) {
            n = 4;
            cp = s[i] & 0x07;
            min = 0x10000;

        } else {
            return 0;
        }

        if (len - i < n) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }

            cp = (cp << 6) | (s[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}


static inline int
ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


static inline size_t
ref_utf8_put(unsigned char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (unsigned char) cp;
        return 1;
    }

    if (cp < 0x800) {
        p[0] = (unsigned char) (0xc0 | (cp >> 6));
        p[1] = (unsigned char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        p[0] = (unsigned char) (0xe0 | (cp >> 12));
        p[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        p[2] = (unsigned char) (0x80 | (cp & 0x3f));
        return 3;
    }

    p[0] = (unsigned char) (0xf0 | (cp >> 18));
    p[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
    p[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
    p[3] = (unsigned char) (0x80 | (cp & 0x3f));
    return 4;
}


/*
 * The inside of a JSON string (RFC 8259 7) decoded into out (room for
 * len bytes is enough: no escape decodes longer than itself); the decoded
 * length, or -1 when it is not valid string content.  Surrogate pairs are
 * not needed by our output and refused with the lone surrogates.
 */

static inline long
ref_json_unescape(const unsigned char *s, size_t len, unsigned char *out)
{
    int       h;
    size_t    i, k, o;
    uint32_t  cp;

    if (!ref_utf8_valid(s, len)) {
        return -1;
    }

    for (i = 0, o = 0; i < len; i++) {

        if (s[i] < 0x20 || s[i] == '"') {
            return -1;
        }

        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }

        if (++i == len) {
            return -1;
        }

        switch (s[i]) {
        case '"': case '\\': case '/':
            out[o++] = s[i];
            break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;

        case 'u':
            if (len - i < 5) {
                return -1;
            }

            for (k = 1, cp = 0; k <= 4; k++) {
                h = ref_hex(s[i + k]);
                if (h < 0) {
                    return -1;
                }

                cp = (cp << 4) | (uint32_t) h;
            }

            if (cp >= 0xd800 && cp <= 0xdfff) {
                return -1;
            }

            o += ref_utf8_put(out + o, cp);
            i += 4;
            break;

        default:
            return -1;
        }
    }

    return (long) o;
}


/*
 * The inside of a Prometheus label value (text format 0.0.4: '\\', '"'
 * and newline escaped, UTF-8) decoded into out; its length, or -1.
 */

static inline long
ref_prom_unescape(const unsigned char *s, size_t len, unsigned char *out)
{
    size_t  i, o;

    if (!ref_utf8_valid(s, len)) {
        return -1;
    }

    for (i = 0, o = 0; i < len; i++) {

        if (s[i] == '\n' || s[i] == '"') {
            return -1;
        }

        if (s[i] != '\\') {
            out[o++] = s[i];
            continue;
        }

        if (++i == len) {
            return -1;
        }

        if (s[i] == 'n') {
            out[o++] = '\n';

        } else if (s[i] == '\\' || s[i] == '"') {
            out[o++] = s[i];

        } else {
            return -1;
        }
    }

    return (long) o;
}


#endif /* _VSTREAM_TEXT_REF_H_INCLUDED_ */
