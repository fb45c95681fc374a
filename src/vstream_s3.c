
/*
 * vstream: the nginx-free parts of the S3 uploader; see vstream_s3.h.
 */


#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "vstream_s3.h"


typedef struct {
    char    *p;
    char    *end;
} vstream_s3_out_t;


static void vstream_s3_put(vstream_s3_out_t *o, const char *s, size_t len);
static void vstream_s3_put_key(vstream_s3_out_t *o, const char *s,
    size_t len);
static int vstream_s3_done(vstream_s3_out_t *o, char *buf);
static int vstream_s3_lower_alnum(int c);
static int vstream_s3_copy(char *dst, size_t size, const char *src,
    size_t len);
static const char *vstream_s3_trim(const char *p, const char *end,
    const char **last);
static int vstream_s3_json_copy(json_t *obj, const char *field, char *dst,
    size_t size);


static void
vstream_s3_put(vstream_s3_out_t *o, const char *s, size_t len)
{
    size_t  n;

    if (o->p == NULL) {
        return;
    }

    n = (size_t) (o->end - o->p);

    if (len >= n) {
        o->p = NULL;
        return;
    }

    memcpy(o->p, s, len);
    o->p += len;
}


static void
vstream_s3_put_key(vstream_s3_out_t *o, const char *s, size_t len)
{
    char           hex[3];
    size_t         i;
    unsigned char  c;

    static const char  digits[] = "0123456789ABCDEF";

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == '~' || c == '/')
        {
            vstream_s3_put(o, (char *) &c, 1);
            continue;
        }

        hex[0] = '%';
        hex[1] = digits[c >> 4];
        hex[2] = digits[c & 0x0f];
        vstream_s3_put(o, hex, 3);
    }
}


static int
vstream_s3_done(vstream_s3_out_t *o, char *buf)
{
    if (o->p == NULL) {
        return -1;
    }

    *o->p = '\0';

    return (int) (o->p - buf);
}


int
vstream_s3_key(char *buf, size_t size, const char *prefix, size_t prefix_len,
    const char *app, size_t app_len, const char *name, size_t name_len,
    const char *id, size_t id_len, const char *file, size_t file_len)
{
    vstream_s3_out_t  o;

    if (size == 0) {
        return -1;
    }

    o.p = buf;
    o.end = buf + size;

    while (prefix_len && prefix[0] == '/') {
        prefix++;
        prefix_len--;
    }

    while (prefix_len && prefix[prefix_len - 1] == '/') {
        prefix_len--;
    }

    if (prefix_len) {
        vstream_s3_put(&o, prefix, prefix_len);
        vstream_s3_put(&o, "/", 1);
    }

    vstream_s3_put(&o, app, app_len);
    vstream_s3_put(&o, "/", 1);
    vstream_s3_put(&o, name, name_len);
    vstream_s3_put(&o, "/", 1);
    vstream_s3_put(&o, id, id_len);
    vstream_s3_put(&o, "/", 1);
    vstream_s3_put(&o, file, file_len);

    return vstream_s3_done(&o, buf);
}


int
vstream_s3_url(char *buf, size_t size, const char *endpoint,
    size_t endpoint_len, const char *bucket, const char *region,
    const char *key)
{
    vstream_s3_out_t  o;

    if (size == 0) {
        return -1;
    }

    o.p = buf;
    o.end = buf + size;

    while (endpoint_len && endpoint[endpoint_len - 1] == '/') {
        endpoint_len--;
    }

    if (endpoint_len) {
        vstream_s3_put(&o, endpoint, endpoint_len);
        vstream_s3_put(&o, "/", 1);
        vstream_s3_put(&o, bucket, strlen(bucket));
        vstream_s3_put(&o, "/", 1);

    } else {
        vstream_s3_put(&o, "https://", 8);
        vstream_s3_put(&o, bucket, strlen(bucket));
        vstream_s3_put(&o, ".s3.", 4);
        vstream_s3_put(&o, region, strlen(region));
        vstream_s3_put(&o, ".amazonaws.com/", 15);
    }

    vstream_s3_put_key(&o, key, strlen(key));

    return vstream_s3_done(&o, buf);
}


static int
vstream_s3_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}


int
vstream_s3_valid_bucket(const char *s, size_t len)
{
    size_t  i;

    if (len < 3 || len > 63
        || !vstream_s3_lower_alnum(s[0])
        || !vstream_s3_lower_alnum(s[len - 1]))
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!vstream_s3_lower_alnum(s[i]) && s[i] != '-' && s[i] != '.') {
            return 0;
        }

        if (s[i] == '.' && i && s[i - 1] == '.') {
            return 0;
        }
    }

    return 1;
}


int
vstream_s3_valid_region(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > 32) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!vstream_s3_lower_alnum(s[i]) && s[i] != '-') {
            return 0;
        }
    }

    return 1;
}


int
vstream_s3_valid_prefix(const char *s, size_t len)
{
    size_t  i, start;
    char    c;

    if (len == 0 || len > 256 || s[0] == '/') {
        return 0;
    }

    start = 0;

    for (i = 0; i <= len; i++) {
        c = (i < len) ? s[i] : '/';

        if (c == '/') {
            /* a trailing '/' ends the prefix; an empty middle part is bad */
            if ((i - start == 0 && i < len)
                || (i - start == 1 && s[start] == '.')
                || (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
            {
                return 0;
            }

            start = i + 1;
            continue;
        }

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


int
vstream_s3_valid_endpoint(const char *s, size_t len)
{
    size_t  i, host, port;
    char    c;

    if (len > 7 && strncmp(s, "http://", 7) == 0) {
        i = 7;

    } else if (len > 8 && strncmp(s, "https://", 8) == 0) {
        i = 8;

    } else {
        return 0;
    }

    if (len && s[len - 1] == '/') {
        len--;
    }

    host = 0;
    port = 0;

    if (i < len && s[i] == '[') {
        /* an IPv6 literal */
        for (i++; i < len && s[i] != ']'; i++) {
            c = s[i];

            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                  || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
            {
                return 0;
            }

            host++;
        }

        if (i == len || host == 0) {
            return 0;
        }

        i++;

    } else {
        for ( /* void */ ; i < len && s[i] != ':'; i++) {
            c = s[i];

            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            {
                return 0;
            }

            host++;
        }

        if (host == 0) {
            return 0;
        }
    }

    if (i == len) {
        return 1;
    }

    if (s[i] != ':') {
        return 0;
    }

    for (i++; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || ++port > 5) {
            return 0;
        }
    }

    return port > 0;
}


static int
vstream_s3_copy(char *dst, size_t size, const char *src, size_t len)
{
    if (len == 0 || len >= size) {
        return -1;
    }

    memcpy(dst, src, len);
    dst[len] = '\0';

    return 0;
}


/* the text between p and end without blanks around it; *last is its end */

static const char *
vstream_s3_trim(const char *p, const char *end, const char **last)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    {
        end--;
    }

    *last = end;

    return p;
}


int
vstream_s3_parse_credentials(const char *buf, size_t len,
    vstream_s3_creds_t *creds, const char **err)
{
    int          in_default, have;
    size_t       klen, vlen, i;
    const char  *p, *end, *nl, *line, *last, *eq, *k, *kend, *v, *vend;

    static const struct {
        const char  *name;
        size_t       offset;
        size_t       size;
        const char  *err;
    } keys[] = {
        { "aws_access_key_id", offsetof(vstream_s3_creds_t, key_id),
          VSTREAM_S3_KEY_ID_MAX + 1,
          "aws_access_key_id is empty or too long" },
        { "aws_secret_access_key", offsetof(vstream_s3_creds_t, secret),
          VSTREAM_S3_SECRET_MAX + 1,
          "aws_secret_access_key is empty or too long" },
        { "aws_session_token", offsetof(vstream_s3_creds_t, token),
          VSTREAM_S3_TOKEN_MAX + 1,
          "aws_session_token is empty or too long" },
    };

    memset(creds, 0, sizeof(vstream_s3_creds_t));

    in_default = 1;
    have = 0;

    for (p = buf, end = buf + len; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            nl = end;
        }

        line = vstream_s3_trim(p, nl, &last);

        if (line == last || *line == '#' || *line == ';') {
            continue;
        }

        if (*line == '[') {
            if (last[-1] != ']') {
                *err = "a section line without \"]\"";
                return -1;
            }

            k = vstream_s3_trim(line + 1, last - 1, &kend);
            in_default = ((size_t) (kend - k) == sizeof("default") - 1
                          && memcmp(k, "default", kend - k) == 0);
            continue;
        }

        eq = memchr(line, '=', (size_t) (last - line));
        if (eq == NULL) {
            *err = "a line that is not \"key = value\"";
            return -1;
        }

        if (!in_default) {
            continue;
        }

        k = vstream_s3_trim(line, eq, &kend);
        v = vstream_s3_trim(eq + 1, last, &vend);
        klen = (size_t) (kend - k);
        vlen = (size_t) (vend - v);

        for (i = 0; i < 3; i++) {
            if (klen != strlen(keys[i].name)
                || memcmp(k, keys[i].name, klen) != 0)
            {
                continue;
            }

            if (vstream_s3_copy((char *) creds + keys[i].offset,
                                keys[i].size, v, vlen)
                != 0)
            {
                *err = keys[i].err;
                return -1;
            }

            have |= 1 << i;
        }
    }

    if ((have & 3) != 3) {
        *err = "no aws_access_key_id and aws_secret_access_key "
               "in the default profile";
        return -1;
    }

    if (strchr(creds->key_id, ':') != NULL) {
        *err = "aws_access_key_id holds a \":\"";
        return -1;
    }

    return 0;
}


static int
vstream_s3_json_copy(json_t *obj, const char *field, char *dst, size_t size)
{
    json_t  *v;

    v = json_object_get(obj, field);

    if (!json_is_string(v)) {
        return -1;
    }

    return vstream_s3_copy(dst, size, json_string_value(v),
                           json_string_length(v));
}


int
vstream_s3_parse_imds(const char *buf, size_t len, vstream_s3_creds_t *creds,
    const char **err)
{
    json_t  *root, *v;

    memset(creds, 0, sizeof(vstream_s3_creds_t));

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        *err = "not a JSON object";
        json_decref(root);
        return -1;
    }

    v = json_object_get(root, "Code");

    if (v && (!json_is_string(v)
              || strcmp(json_string_value(v), "Success") != 0))
    {
        *err = "Code is not \"Success\"";
        goto failed;
    }

    if (vstream_s3_json_copy(root, "AccessKeyId", creds->key_id,
                             sizeof(creds->key_id)) != 0
        || vstream_s3_json_copy(root, "SecretAccessKey", creds->secret,
                                sizeof(creds->secret)) != 0
        || vstream_s3_json_copy(root, "Token", creds->token,
                                sizeof(creds->token)) != 0)
    {
        *err = "AccessKeyId, SecretAccessKey or Token missing or too long";
        goto failed;
    }

    if (strchr(creds->key_id, ':') != NULL) {
        *err = "AccessKeyId holds a \":\"";
        goto failed;
    }

    v = json_object_get(root, "Expiration");

    if (!json_is_string(v)) {
        *err = "no Expiration";
        goto failed;
    }

    creds->expiration = vstream_s3_parse_time(json_string_value(v),
                                              json_string_length(v));
    if (creds->expiration == (time_t) -1) {
        *err = "Expiration is not an RFC 3339 UTC time";
        goto failed;
    }

    json_decref(root);

    return 0;

failed:

    json_decref(root);
    memset(creds, 0, sizeof(vstream_s3_creds_t));

    return -1;
}


time_t
vstream_s3_parse_time(const char *s, size_t len)
{
    int         i, n[6];
    long long   days, y, m;
    size_t      at;

    static const char  seps[] = "--T::";
    static const int   widths[] = { 4, 2, 2, 2, 2, 2 };

    at = 0;

    for (i = 0; i < 6; i++) {
        int  w;

        n[i] = 0;

        for (w = 0; w < widths[i]; w++, at++) {
            if (at >= len || s[at] < '0' || s[at] > '9') {
                return (time_t) -1;
            }

            n[i] = n[i] * 10 + (s[at] - '0');
        }

        if (i < 5) {
            if (at >= len || s[at] != seps[i]) {
                return (time_t) -1;
            }

            at++;
        }
    }

    if (at < len && s[at] == '.') {
        for (at++; at < len && s[at] >= '0' && s[at] <= '9'; at++) {
            /* void */
        }
    }

    if (at + 1 != len || (s[at] != 'Z' && s[at] != 'z')) {
        return (time_t) -1;
    }

    if (n[0] < 1970 || n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31
        || n[3] > 23 || n[4] > 59 || n[5] > 60)
    {
        return (time_t) -1;
    }

    /* days from civil (Howard Hinnant's algorithm) */
    y = n[0] - (n[1] <= 2);
    m = n[1];
    days = (y / 400) * 146097
           + ((y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100)
           + (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + n[2] - 1
           - 719468;

    return (time_t) (days * 86400 + n[3] * 3600 + n[4] * 60 + n[5]);
}


size_t
vstream_s3_role_name(const char *buf, size_t len)
{
    size_t  i;
    char    c;

    for (i = 0; i < len && buf[i] != '\n' && buf[i] != '\r'; i++) {
        c = buf[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '+' || c == '=' || c == ','
              || c == '.' || c == '@' || c == '_' || c == '-')
            || i >= 128)
        {
            return 0;
        }
    }

    return i;
}


unsigned
vstream_s3_backoff(unsigned failures)
{
    unsigned  ms;

    if (failures == 0) {
        return 0;
    }

    if (failures > 7) {
        return VSTREAM_S3_BACKOFF_MAX;
    }

    ms = VSTREAM_S3_BACKOFF_FIRST << (failures - 1);

    return ms < VSTREAM_S3_BACKOFF_MAX ? ms : VSTREAM_S3_BACKOFF_MAX;
}


int
vstream_s3_listed(const char *list, size_t len, const char *name,
    size_t name_len)
{
    const char  *p, *end, *nl;

    for (p = list, end = list + len; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            nl = end;
        }

        if ((size_t) (nl - p) == name_len && memcmp(p, name, name_len) == 0) {
            return 1;
        }
    }

    return 0;
}


const char *
vstream_s3_content_type(const char *name, size_t len)
{
    if (len >= 3 && memcmp(name + len - 3, ".ts", 3) == 0) {
        return "video/mp2t";
    }

    if (len >= 5 && memcmp(name + len - 5, ".m3u8", 5) == 0) {
        return "application/vnd.apple.mpegurl";
    }

    if (len >= 4 && memcmp(name + len - 4, ".m4s", 4) == 0) {
        return "video/iso.segment";
    }

    return "application/octet-stream";
}
