
/*
 * vstreamctl: error lines, secret files, safe display of foreign strings,
 * APP/STREAM targets.
 */


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "vstreamctl.h"


/* a secret or token longer than this is not what the file should hold */
#define VSTREAMCTL_SECRET_MAX  65536


static int vstreamctl_is_control(const unsigned char *p);
static int vstreamctl_check_name(const char *name, const char *what,
    const char *target);


void
vstreamctl_error(const char *fmt, ...)
{
    va_list  args;

    fputs("vstreamctl: ", stderr);

    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);

    fputc('\n', stderr);
}


/*
 * Reads a whole secret or token file and trims trailing whitespace, so
 * files written by "echo" or editors work.  Problems with the file are
 * the caller's mistake: they report VSTREAMCTL_USAGE.  The content itself
 * never appears in a message.
 */

int
vstreamctl_read_secret(const char *path, const char *what,
    vstreamctl_buf_t *out)
{
    int     err;
    FILE   *f;
    char   *data;
    size_t  n;
    char    shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_sanitize(shown, sizeof(shown), path);

    data = malloc(VSTREAMCTL_SECRET_MAX + 1);
    if (data == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    f = fopen(path, "rb");
    if (f == NULL) {
        err = errno;
        free(data);
        vstreamctl_error("cannot read %s file %s: %s", what, shown,
                         strerror(err));
        return VSTREAMCTL_USAGE;
    }

    n = fread(data, 1, VSTREAMCTL_SECRET_MAX + 1, f);
    err = ferror(f) ? errno : 0;
    fclose(f);

    if (err != 0) {
        OPENSSL_cleanse(data, VSTREAMCTL_SECRET_MAX + 1);
        free(data);
        vstreamctl_error("cannot read %s file %s: %s", what, shown,
                         strerror(err));
        return VSTREAMCTL_USAGE;
    }

    if (n > VSTREAMCTL_SECRET_MAX) {
        OPENSSL_cleanse(data, VSTREAMCTL_SECRET_MAX + 1);
        free(data);
        vstreamctl_error("%s file %s is larger than %d bytes", what, shown,
                         VSTREAMCTL_SECRET_MAX);
        return VSTREAMCTL_USAGE;
    }

    while (n > 0
           && (data[n - 1] == '\n' || data[n - 1] == '\r'
               || data[n - 1] == ' ' || data[n - 1] == '\t'))
    {
        n--;
    }

    if (n == 0) {
        free(data);
        vstreamctl_error("%s file %s is empty", what, shown);
        return VSTREAMCTL_USAGE;
    }

    data[n] = '\0';
    out->data = data;
    out->len = n;

    return VSTREAMCTL_OK;
}


void
vstreamctl_secret_free(vstreamctl_buf_t *secret)
{
    if (secret->data != NULL) {
        OPENSSL_cleanse(secret->data, secret->len);
        free(secret->data);
        secret->data = NULL;
        secret->len = 0;
    }
}


/*
 * C0 controls, DEL, and the C1 controls U+0080..U+009F in their UTF-8 form
 * (some terminals obey them): a server or a file name must not be able to
 * move the cursor or retitle the terminal through our output.
 */

static int
vstreamctl_is_control(const unsigned char *p)
{
    if (*p < 0x20 || *p == 0x7f) {
        return 1;
    }

    return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}


/* copies src into dst for display: controls become '?', long text "..." */

void
vstreamctl_sanitize(char *dst, size_t size, const char *src)
{
    size_t                len;
    const unsigned char  *p;

    len = 0;

    for (p = (const unsigned char *) src; *p != '\0'; p++) {

        if (len + 4 >= size) {
            /* do not cut a UTF-8 sequence in the middle */
            while (len > 0 && ((unsigned char) dst[len - 1] & 0xc0) == 0x80) {
                len--;
            }

            if (len > 0 && ((unsigned char) dst[len - 1] & 0x80)) {
                len--;
            }

            memcpy(dst + len, "...", 3);
            len += 3;
            break;
        }

        if (vstreamctl_is_control(p)) {
            dst[len++] = '?';

            if (*p == 0xc2) {
                p++;
            }

            continue;
        }

        dst[len++] = (char) *p;
    }

    dst[len] = '\0';
}


/* terminal columns of valid UTF-8 text, one per character */

size_t
vstreamctl_display_width(const char *s)
{
    size_t                width;
    const unsigned char  *p;

    width = 0;

    for (p = (const unsigned char *) s; *p != '\0'; p++) {
        if ((*p & 0xc0) != 0x80) {
            width++;
        }
    }

    return width;
}


static int
vstreamctl_check_name(const char *name, const char *what, const char *target)
{
    const unsigned char  *p;
    char                  shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_sanitize(shown, sizeof(shown), target);

    if (*name == '\0') {
        vstreamctl_error("empty %s in \"%s\": expected APP/STREAM", what,
                         shown);
        return VSTREAMCTL_USAGE;
    }

    for (p = (const unsigned char *) name; *p != '\0'; p++) {

        if (*p == '/' || *p == '?' || vstreamctl_is_control(p)) {
            vstreamctl_error("invalid %s in \"%s\": no '/', '?' or control "
                             "characters allowed", what, shown);
            return VSTREAMCTL_USAGE;
        }
    }

    return VSTREAMCTL_OK;
}


/* "APP/STREAM" into two new strings, both checked */

int
vstreamctl_split_target(const char *target, char **app, char **stream)
{
    int          rc;
    size_t       len;
    const char  *slash;
    char        *a, *s;
    char         shown[VSTREAMCTL_SHOWN_MAX];

    slash = strchr(target, '/');
    if (slash == NULL) {
        vstreamctl_sanitize(shown, sizeof(shown), target);
        vstreamctl_error("\"%s\" is not APP/STREAM", shown);
        return VSTREAMCTL_USAGE;
    }

    len = (size_t) (slash - target);

    a = malloc(len + 1);
    s = strdup(slash + 1);

    if (a == NULL || s == NULL) {
        free(a);
        free(s);
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    memcpy(a, target, len);
    a[len] = '\0';

    rc = vstreamctl_check_name(a, "application", target);
    if (rc == VSTREAMCTL_OK) {
        rc = vstreamctl_check_name(s, "stream name", target);
    }

    if (rc != VSTREAMCTL_OK) {
        free(a);
        free(s);
        return rc;
    }

    *app = a;
    *stream = s;

    return VSTREAMCTL_OK;
}
