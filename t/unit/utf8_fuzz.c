
/*
 * vstream: libFuzzer target for the UTF-8 decoder and the escapers of
 * src/vstream_text.c (deploy/fuzz.sh).  On any bytes:
 *
 *   - vstream_utf8_valid() agrees with the reference decoder (text_ref.h),
 *     and vstream_utf8_decode() steps 1..4 bytes, never past the end,
 *     giving back exactly the bytes' own encoding when it says valid;
 *   - both escapers, given a buffer of exactly the size they announce,
 *     fill it exactly (ASan catches a byte more), within ESCAPE_MAX per
 *     input byte, with output that is valid UTF-8 by both validators;
 *   - the JSON output reads back as a string's inside, by the reference
 *     reader and by Jansson, and the Prometheus one as a label value's;
 *     both read back to the same text but for the control bytes that the
 *     label shows as '?', and to the input itself when that was valid;
 *   - in a buffer too small, the output is a valid prefix of the full one.
 */


#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstream_text.h"
#include "text_ref.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fz_decoder(const uint8_t *data, size_t size);
static unsigned char *fz_escape(int json, const uint8_t *data, size_t size,
    size_t *n);
static void fz_short(int json, const uint8_t *data, size_t size,
    const unsigned char *full, size_t n);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long            jl, pl;
    size_t          jn, pn, i;
    json_t         *s;
    json_error_t    err;
    unsigned char  *j, *p, *jback, *pback, *quoted;

    fz_decoder(data, size);

    j = fz_escape(1, data, size, &jn);
    p = fz_escape(0, data, size, &pn);

    jback = malloc(jn + 1);
    pback = malloc(pn + 1);
    quoted = malloc(jn + 2);
    fz_check(jback && pback && quoted);

    jl = ref_json_unescape(j, jn, jback);
    pl = ref_prom_unescape(p, pn, pback);
    fz_check(jl >= 0 && pl >= 0);

    /* Jansson, an independent JSON reader, agrees */
    quoted[0] = '"';
    memcpy(quoted + 1, j, jn);
    quoted[jn + 1] = '"';

    s = json_loadb((const char *) quoted, jn + 2,
                   JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    fz_check(s != NULL && json_is_string(s));
    fz_check(json_string_length(s) == (size_t) jl
             && memcmp(json_string_value(s), jback, jl) == 0);
    json_decref(s);

    /* the same text both ways, but for the control bytes of the label */
    fz_check(jl == pl);

    for (i = 0; i < (size_t) jl; i++) {
        if ((jback[i] < 0x20 && jback[i] != '\n') || jback[i] == 0x7f) {
            fz_check(pback[i] == '?');

        } else {
            fz_check(pback[i] == jback[i]);
        }
    }

    if (ref_utf8_valid(data, size)) {
        fz_check((size_t) jl == size && memcmp(jback, data, size) == 0);
    }

    fz_short(1, data, size, j, jn);
    fz_short(0, data, size, p, pn);

    free(j);
    free(p);
    free(jback);
    free(pback);
    free(quoted);

    return 0;
}


static void
fz_decoder(const uint8_t *data, size_t size)
{
    int            valid;
    size_t         i, n;
    uint32_t       cp;
    unsigned char  enc[4];

    valid = vstream_utf8_valid(data, size);
    fz_check(valid == ref_utf8_valid(data, size));

    for (i = 0; i < size; i += n) {
        n = vstream_utf8_decode(data + i, size - i, &cp);
        fz_check(n >= 1 && n <= 4 && n <= size - i);

        if (cp == VSTREAM_UTF8_INVALID) {
            fz_check(!valid);
            fz_check(!ref_utf8_valid(data + i, n));
            continue;
        }

        fz_check(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff));
        fz_check(ref_utf8_put(enc, cp) == n && memcmp(enc, data + i, n) == 0);
    }
}


static unsigned char *
fz_escape(int json, const uint8_t *data, size_t size, size_t *n)
{
    unsigned char  *buf, *end;

    *n = json ? vstream_json_escaped_len(data, size)
              : vstream_prom_escaped_len(data, size);

    fz_check(*n <= size * VSTREAM_TEXT_ESCAPE_MAX);

    /* exactly the size: one byte more written is a heap overflow */
    buf = malloc(*n ? *n : 1);
    fz_check(buf != NULL);

    end = json ? vstream_json_escape(buf, buf + *n, data, size)
               : vstream_prom_escape(buf, buf + *n, data, size);

    fz_check(end == buf + *n);
    fz_check(vstream_utf8_valid(buf, *n) && ref_utf8_valid(buf, *n));

    return buf;
}


static void
fz_short(int json, const uint8_t *data, size_t size,
    const unsigned char *full, size_t n)
{
    size_t          room;
    unsigned char  *buf, *end;

    if (n == 0) {
        return;
    }

    room = (size_t) data[0] * 7 % n;

    buf = malloc(room ? room : 1);
    fz_check(buf != NULL);

    end = json ? vstream_json_escape(buf, buf + room, data, size)
               : vstream_prom_escape(buf, buf + room, data, size);

    fz_check(end >= buf && end <= buf + room);
    fz_check(memcmp(buf, full, end - buf) == 0);
    fz_check(ref_utf8_valid(buf, end - buf));

    /* whole units only: at most one unit (6 bytes) short of the room */
    fz_check((size_t) (buf + room - end) < VSTREAM_TEXT_ESCAPE_MAX);

    free(buf);
}
