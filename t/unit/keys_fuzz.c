
/*
 * vstream: libFuzzer target for the key-file reader of src/vstream_text.c
 * (deploy/fuzz.sh): the input is the text of a vstream_ingest_secret_file.
 * Whatever it holds, vstream_keys_next() stays inside it, and every key it
 * gives is whole: a valid kid (or none, for the one bare secret of a
 * one-line file), a secret that is not empty and, for a key with a kid,
 * without white space at its ends, no kid twice, lines in order.  The same
 * input read again gives the same keys.
 */


#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static size_t fz_read(const unsigned char *text, size_t len,
    vstream_key_t *keys, size_t max, int *rc);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)

#define FZ_KEYS  1024


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             rc, rc2;
    size_t          n, n2, i, j;
    unsigned char  *text;
    vstream_key_t  *k, *k2;

    text = malloc(size ? size : 1);
    k = malloc(2 * FZ_KEYS * sizeof(vstream_key_t));
    fz_check(text != NULL && k != NULL);
    memcpy(text, data, size);
    k2 = k + FZ_KEYS;

    n = fz_read(text, size, k, FZ_KEYS, &rc);
    n2 = fz_read(text, size, k2, FZ_KEYS, &rc2);

    fz_check(rc == rc2 && n == n2);
    fz_check(memcmp(k, k2, n * sizeof(vstream_key_t)) == 0);

    for (i = 0; i < n; i++) {
        fz_check(k[i].secret >= text && k[i].secret_len > 0
                 && k[i].secret + k[i].secret_len <= text + size);
        fz_check(memchr(k[i].secret, '\n', k[i].secret_len) == NULL);
        fz_check(i == 0 || k[i].line > k[i - 1].line);

        if (k[i].kid_len == 0) {
            /* the bare secret: alone */
            fz_check(n == 1 && rc == 0);
            continue;
        }

        fz_check(k[i].kid >= text && k[i].kid + k[i].kid_len <= text + size);
        fz_check(vstream_kid_is_valid(k[i].kid, k[i].kid_len));
        fz_check(k[i].kid_len <= VSTREAM_KID_MAX);
        fz_check(k[i].secret[0] != ' ' && k[i].secret[0] != '\t');
        fz_check(k[i].secret[k[i].secret_len - 1] != ' '
                 && k[i].secret[k[i].secret_len - 1] != '\t'
                 && k[i].secret[k[i].secret_len - 1] != '\r');

        for (j = 0; j < i; j++) {
            fz_check(k[j].kid_len != k[i].kid_len
                     || memcmp(k[j].kid, k[i].kid, k[i].kid_len) != 0);
        }
    }

    free(k);
    free(text);

    return 0;
}


static size_t
fz_read(const unsigned char *text, size_t len, vstream_key_t *keys,
    size_t max, int *rc)
{
    size_t          n;
    const char     *err;
    vstream_key_t   key;
    vstream_keys_t  it;

    vstream_keys_init(&it, text, len);
    n = 0;

    while ((*rc = vstream_keys_next(&it, &key, &err)) == 1) {
        if (n < max) {
            keys[n++] = key;
        }
    }

    if (*rc == -1) {
        fz_check(err != NULL && key.line >= 1);
    }

    return n;
}
