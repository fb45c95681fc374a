
/*
 * vstream: libFuzzer target for the publish-argument lookup of
 * src/vstream_text.c (deploy/fuzz.sh): the input is a query string as it
 * comes after '?' in a stream name.  For exp, sig and kid (and a name the
 * first byte picks, empty included) vstream_args_get() must agree with a
 * reading written the slow way: the first "NAME=" at the start of the
 * string or after a '&' wins, its value runs to the next '&' or the end,
 * inside the input (an exact copy: ASan sees a byte past it).
 */


#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fz_lookup(const unsigned char *args, size_t len,
    const char *name, size_t nlen);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char            name[4];
    size_t          nlen;
    unsigned char  *args;

    args = malloc(size ? size : 1);
    fz_check(args != NULL);
    memcpy(args, data, size);

    fz_lookup(args, size, "exp", 3);
    fz_lookup(args, size, "sig", 3);
    fz_lookup(args, size, "kid", 3);

    /* a name from the input itself, 0 to 3 bytes */
    nlen = size ? data[0] % 4 : 0;
    if (nlen > size) {
        nlen = size;
    }

    memcpy(name, data, nlen);

    /* a name holding '&' matches nothing by design; the slow way would */
    if (memchr(name, '&', nlen) == NULL) {
        fz_lookup(args, size, name, nlen);
    }

    free(args);

    return 0;
}


static void
fz_lookup(const unsigned char *args, size_t len, const char *name,
    size_t nlen)
{
    int                   found, want;
    size_t                vlen, i, start, end;
    const unsigned char  *value;

    found = vstream_args_get(args, len, name, nlen, &value, &vlen);

    want = 0;
    start = 0;
    end = 0;

    for (i = 0; i <= len && !want; i++) {
        if (i > 0 && args[i - 1] != '&') {
            continue;
        }

        if (len - i > nlen && memcmp(args + i, name, nlen) == 0
            && args[i + nlen] == '=')
        {
            want = 1;
            start = i + nlen + 1;

            for (end = start; end < len && args[end] != '&'; end++) {
                /* void */
            }
        }
    }

    fz_check(found == want);

    if (found) {
        fz_check(value == args + start && vlen == end - start);
        fz_check(memchr(value, '&', vlen) == NULL);
    }
}
