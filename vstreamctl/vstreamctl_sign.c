
/*
 * vstreamctl: signed publish keys, as the module checks them:
 * SIG = base64url, no padding, of HMAC-SHA256(secret, "APP/STREAM:EXP"),
 * or with a key id of HMAC-SHA256(its secret, "APP/STREAM:EXP:KID").  The
 * secret file is read by the module's own rules (vstream_keys_next() of
 * src/vstream_text.c): lines "KID SECRET", or one bare secret.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vstreamctl.h"
#include "vstream_text.h"


static size_t vstreamctl_base64url(char *dst, const unsigned char *src,
    size_t len);


/*
 * The key of the secret file to sign with: the one of id "want", or the
 * last of the file when want is NULL.  secret points into file; kid gets
 * the key id ("" for a bare secret), at most VSTREAMCTL_KID_MAX bytes.
 */

int
vstreamctl_sign_key(const vstreamctl_buf_t *file, const char *path,
    const char *want, vstreamctl_buf_t *secret, char *kid)
{
    int              rc;
    const char      *why;
    vstream_key_t    k;
    vstream_keys_t   it;
    char             shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_sanitize(shown, sizeof(shown), path);

    secret->data = NULL;
    kid[0] = '\0';

    vstream_keys_init(&it, (const unsigned char *) file->data, file->len);

    while ((rc = vstream_keys_next(&it, &k, &why)) == 1) {

        if (k.kid_len == 0 && want != NULL) {
            vstreamctl_error("secret file %s holds one secret without a key "
                             "id: sign without --kid", shown);
            return VSTREAMCTL_USAGE;
        }

        if (want == NULL
            || (strlen(want) == k.kid_len
                && memcmp(want, k.kid, k.kid_len) == 0))
        {
            memcpy(kid, k.kid, k.kid_len);
            kid[k.kid_len] = '\0';
            secret->data = (char *) k.secret;
            secret->len = k.secret_len;
        }
    }

    if (rc == -1) {
        vstreamctl_error("secret file %s, line %zu: %s", shown, k.line, why);
        return VSTREAMCTL_USAGE;
    }

    if (secret->data == NULL) {
        if (want != NULL) {
            vstreamctl_sanitize(shown, sizeof(shown), want);
            vstreamctl_error("no key \"%s\" in the secret file", shown);

        } else {
            vstreamctl_error("secret file %s holds no key", shown);
        }

        return VSTREAMCTL_USAGE;
    }

    return VSTREAMCTL_OK;
}


int
vstreamctl_kid_check(const char *kid)
{
    return vstream_kid_is_valid((const unsigned char *) kid, strlen(kid));
}


int
vstreamctl_sign(const vstreamctl_buf_t *secret, const char *app,
    const char *stream, long long exp, const char *kid, char *sig,
    size_t size)
{
    int            len;
    char          *msg;
    size_t         msg_size;
    unsigned int   md_len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    /* the signature of a SHA-256 HMAC: 32 bytes, 43 characters */
    if (size < 44) {
        return VSTREAMCTL_FAIL;
    }

    msg_size = strlen(app) + strlen(stream) + VSTREAMCTL_KID_MAX + 32;

    msg = malloc(msg_size);
    if (msg == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    if (kid != NULL && kid[0] != '\0') {
        len = snprintf(msg, msg_size, "%s/%s:%lld:%s", app, stream, exp, kid);

    } else {
        len = snprintf(msg, msg_size, "%s/%s:%lld", app, stream, exp);
    }

    if (HMAC(EVP_sha256(), secret->data, (int) secret->len,
             (unsigned char *) msg, (size_t) len, md, &md_len)
        == NULL)
    {
        free(msg);
        vstreamctl_error("HMAC-SHA256 failed");
        return VSTREAMCTL_FAIL;
    }

    free(msg);

    vstreamctl_base64url(sig, md, md_len);
    OPENSSL_cleanse(md, sizeof(md));

    return VSTREAMCTL_OK;
}


static size_t
vstreamctl_base64url(char *dst, const unsigned char *src, size_t len)
{
    size_t             i, n;
    unsigned long      v;
    static const char  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    n = 0;

    for (i = 0; i + 2 < len; i += 3) {
        v = (unsigned long) src[i] << 16 | (unsigned long) src[i + 1] << 8
            | src[i + 2];

        dst[n++] = alphabet[v >> 18 & 0x3f];
        dst[n++] = alphabet[v >> 12 & 0x3f];
        dst[n++] = alphabet[v >> 6 & 0x3f];
        dst[n++] = alphabet[v & 0x3f];
    }

    if (len - i == 1) {
        v = (unsigned long) src[i] << 16;

        dst[n++] = alphabet[v >> 18 & 0x3f];
        dst[n++] = alphabet[v >> 12 & 0x3f];

    } else if (len - i == 2) {
        v = (unsigned long) src[i] << 16 | (unsigned long) src[i + 1] << 8;

        dst[n++] = alphabet[v >> 18 & 0x3f];
        dst[n++] = alphabet[v >> 12 & 0x3f];
        dst[n++] = alphabet[v >> 6 & 0x3f];
    }

    dst[n] = '\0';

    return n;
}


/*
 * The part before "?exp=": "BASE/STREAM" when --base is given, else
 * "APP/STREAM".  BASE must be SCHEME://HOST/.../APP, so a key is never
 * printed under an application it does not sign for.
 */

int
vstreamctl_sign_url(const char *base, const char *app, const char *stream,
    char **prefix)
{
    size_t       len, size;
    char        *p;
    const char  *authority, *path, *last;
    char         shown[VSTREAMCTL_SHOWN_MAX];

    if (base == NULL) {
        size = strlen(app) + strlen(stream) + 2;

        p = malloc(size);
        if (p == NULL) {
            vstreamctl_error("out of memory");
            return VSTREAMCTL_FAIL;
        }

        snprintf(p, size, "%s/%s", app, stream);
        *prefix = p;

        return VSTREAMCTL_OK;
    }

    vstreamctl_sanitize(shown, sizeof(shown), base);

    len = strlen(base);
    while (len > 0 && base[len - 1] == '/') {
        len--;
    }

    authority = strstr(base, "://");

    if (authority == NULL || authority == base
        || strcspn(base, "?# \t\r\n") < len)
    {
        vstreamctl_error("invalid --base \"%s\": expected "
                         "rtmp://HOST/%s", shown, app);
        return VSTREAMCTL_USAGE;
    }

    authority += 3;
    path = memchr(authority, '/', len - (size_t) (authority - base));

    if (path == NULL) {
        vstreamctl_error("invalid --base \"%s\": no application in it, "
                         "expected rtmp://HOST/%s", shown, app);
        return VSTREAMCTL_USAGE;
    }

    for (last = base + len; last[-1] != '/'; last--) {
        /* void */
    }

    if ((size_t) (base + len - last) != strlen(app)
        || strncmp(last, app, strlen(app)) != 0)
    {
        vstreamctl_error("--base \"%s\" does not end in the application "
                         "\"%s\" of the key", shown, app);
        return VSTREAMCTL_USAGE;
    }

    size = len + strlen(stream) + 2;

    p = malloc(size);
    if (p == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    snprintf(p, size, "%.*s/%s", (int) len, base, stream);
    *prefix = p;

    return VSTREAMCTL_OK;
}
