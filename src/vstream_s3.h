
/*
 * vstream: the parts of the S3 uploader that need no nginx: object keys and
 * URLs, the credentials file, the instance role's credentials document, the
 * retry backoff and the uploader's list of uploaded files.  Unit tested on
 * their own (t/unit/s3_test.c).
 */


#ifndef _VSTREAM_S3_H_INCLUDED_
#define _VSTREAM_S3_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <time.h>


#define VSTREAM_S3_KEY_ID_MAX      128
#define VSTREAM_S3_SECRET_MAX      128
#define VSTREAM_S3_TOKEN_MAX       4096

#define VSTREAM_S3_BACKOFF_FIRST   1000     /* ms */
#define VSTREAM_S3_BACKOFF_MAX     60000    /* ms */


typedef struct {
    char      key_id[VSTREAM_S3_KEY_ID_MAX + 1];
    char      secret[VSTREAM_S3_SECRET_MAX + 1];
    char      token[VSTREAM_S3_TOKEN_MAX + 1];     /* "" when none */
    time_t    expiration;                          /* 0: never */
} vstream_s3_creds_t;


/*
 * The object key PREFIX/APP/NAME/ID/FILE (no PREFIX/ when prefix is empty;
 * slashes around the prefix are not doubled), NUL-terminated in buf.
 * Returns its length, or -1 when it does not fit.
 */
int vstream_s3_key(char *buf, size_t size, const char *prefix,
    size_t prefix_len, const char *app, size_t app_len, const char *name,
    size_t name_len, const char *id, size_t id_len, const char *file,
    size_t file_len);

/*
 * The URL of an object: path style under endpoint (ENDPOINT/BUCKET/KEY)
 * when endpoint is not empty, else virtual-hosted style at AWS
 * (https://BUCKET.s3.REGION.amazonaws.com/KEY).  The key is percent-encoded
 * as SigV4 wants it (all but A-Z a-z 0-9 - _ . ~ and '/').  Returns the
 * length, or -1 when it does not fit.
 */
int vstream_s3_url(char *buf, size_t size, const char *endpoint,
    size_t endpoint_len, const char *bucket, const char *region,
    const char *key);

/* 1 if a bucket name is valid: 3 to 63 of a-z 0-9 . -, alphanumeric ends */
int vstream_s3_valid_bucket(const char *s, size_t len);

/* 1 if a region name is valid: 1 to 32 of a-z 0-9 - */
int vstream_s3_valid_region(const char *s, size_t len);

/*
 * 1 if a key prefix is valid: up to 256 of A-Z a-z 0-9 - _ . / with no
 * empty, "." or ".." component and no leading '/'
 */
int vstream_s3_valid_prefix(const char *s, size_t len);

/*
 * 1 if an endpoint is http://HOST[:PORT] or https://HOST[:PORT] with an
 * optional trailing '/', and nothing else (no path, query, user)
 */
int vstream_s3_valid_endpoint(const char *s, size_t len);

/*
 * Parses a credentials file: the AWS shared-credentials format (INI), its
 * [default] profile, or the same "key = value" lines with no section at
 * all.  Keys: aws_access_key_id, aws_secret_access_key and optionally
 * aws_session_token; '#' and ';' start comments; other keys and profiles
 * are ignored.  Returns 0, or -1 with a reason in *err.
 */
int vstream_s3_parse_credentials(const char *buf, size_t len,
    vstream_s3_creds_t *creds, const char **err);

/*
 * Parses the instance role's credentials document of IMDS (JSON with Code
 * "Success", AccessKeyId, SecretAccessKey, Token, Expiration in RFC 3339).
 * Returns 0, or -1 with a reason in *err.
 */
int vstream_s3_parse_imds(const char *buf, size_t len,
    vstream_s3_creds_t *creds, const char **err);

/* "YYYY-MM-DDTHH:MM:SSZ" (fractions allowed) as Unix time, or -1 */
time_t vstream_s3_parse_time(const char *s, size_t len);

/* the first line of an IMDS role listing: its length, or 0 if not a name */
size_t vstream_s3_role_name(const char *buf, size_t len);

/* the wait before try n + 1 after n failed tries: 1 s doubling to 60 s */
unsigned vstream_s3_backoff(unsigned failures);

/* 1 if name is one of the lines of list[0 .. len - 1] */
int vstream_s3_listed(const char *list, size_t len, const char *name,
    size_t name_len);

/* the content type of a recording's file by its name */
const char *vstream_s3_content_type(const char *name, size_t len);


#endif /* _VSTREAM_S3_H_INCLUDED_ */
