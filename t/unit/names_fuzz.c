
/*
 * vstream: libFuzzer target for the stream-name rule and the HLS playlist
 * paths built from names (src/vstream_text.c; deploy/fuzz.sh).  The first
 * input byte picks the layout and splits the rest into a directory and a
 * name.  It checks that vstream_name_is_safe() agrees with the rule read
 * independently, that a path is built exactly for safe names, and that a
 * built path is DIR "/" NAME ".m3u8" or DIR "/" NAME "/index.m3u8" with
 * nothing after DIR holding "/..", "..", '\\' or a control byte, and
 * within its buffer (exactly sized: ASan sees a byte more).
 */


#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"
#include "text_ref.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static int fz_rule(const unsigned char *name, size_t len);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   nested, safe;
    size_t                dlen, nlen, n, room, i, tail, start;
    unsigned char        *buf, *dir, *name;
    const unsigned char  *rest;

    if (size == 0) {
        return 0;
    }

    nested = data[0] & 1;
    dlen = (data[0] >> 1) % 16;
    data++;
    size--;

    if (dlen > size) {
        dlen = size;
    }

    /* exact copies: a read past either is an ASan report */
    dir = malloc(dlen ? dlen : 1);
    name = malloc(size - dlen ? size - dlen : 1);
    fz_check(dir && name);
    memcpy(dir, data, dlen);
    nlen = size - dlen;
    memcpy(name, data + dlen, nlen);

    safe = vstream_name_is_safe(name, nlen);
    fz_check(safe == fz_rule(name, nlen));

    room = dlen + 1 + nlen + sizeof("/index.m3u8");
    buf = malloc(room);
    fz_check(buf != NULL);

    n = vstream_hls_playlist_path(buf, room, dir, dlen, name, nlen, nested);

    if (!safe) {
        fz_check(n == 0);
        goto done;
    }

    fz_check(n > 0 && n < room && buf[n] == '\0');
    fz_check(memcmp(buf, dir, dlen) == 0 && buf[dlen] == '/');
    fz_check(memcmp(buf + dlen + 1, name, nlen) == 0);

    rest = buf + dlen + 1;
    tail = n - dlen - 1;

    if (nested) {
        fz_check(tail == nlen + 11 && memcmp(rest + nlen, "/index.m3u8", 11)
                                      == 0);

    } else {
        fz_check(tail == nlen + 5 && memcmp(rest + nlen, ".m3u8", 5) == 0);
    }

    /*
     * below DIR: no "/..", no component "." or "..", no other separator,
     * nothing unprintable ("cam." gives "cam..m3u8", a file name)
     */
    for (i = 0, start = 0; i <= tail; i++) {
        if (i < tail) {
            fz_check(rest[i] >= 0x20 && rest[i] != 0x7f && rest[i] != '\\');
            fz_check(rest[i] != '/' || (nested && i == nlen));
            fz_check(!(i > 0 && rest[i - 1] == '/' && rest[i] == '.'
                       && i + 1 < tail && rest[i + 1] == '.'));
        }

        if (i == tail || rest[i] == '/') {
            fz_check(i > start);
            fz_check(!(i - start == 1 && rest[start] == '.'));
            fz_check(!(i - start == 2 && rest[start] == '.'
                       && rest[start + 1] == '.'));
            start = i + 1;
        }
    }

    fz_check(!(nlen >= 2 && name[0] == '.' && name[1] == '.'));

    /*
     * and back: the playlist's URI names the stream again (but for a flat
     * "index.m3u8", which the nested layout claims: DIR's name)
     */
    if (nested || nlen != 5 || memcmp(name, "index", 5) != 0) {
        int                   kind;
        size_t                back_len;
        const unsigned char  *back;

        fz_check(vstream_hls_uri_name(buf, n, &back, &back_len, &kind));
        fz_check(kind == VSTREAM_HLS_PLAYLIST && back_len == nlen
                 && memcmp(back, name, nlen) == 0);
    }

    /* one byte less room and it does not fit */
    fz_check(vstream_hls_playlist_path(buf, n, dir, dlen, name, nlen, nested)
             == 0);

done:

    free(buf);
    free(dir);
    free(name);

    return 0;
}


/* the rule again, written the slow way */

static int
fz_rule(const unsigned char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > 255 || (len == 1 && name[0] == '.')) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (name[i] < 0x20 || name[i] == 0x7f || name[i] == '/'
            || name[i] == '\\')
        {
            return 0;
        }

        if (i > 0 && name[i - 1] == '.' && name[i] == '.') {
            return 0;
        }
    }

    return ref_utf8_valid(name, len);
}
