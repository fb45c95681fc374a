
/*
 * The S3 uploader's nginx-free parts (src/vstream_s3.c) on their own: keys
 * and URLs (path style and AWS, percent-encoding), the validators of the
 * directive's parameters, the credentials file (INI, default profile, no
 * section), IMDS documents, times, backoff, the uploaded list.  TAP.
 */


#include <stdio.h>
#include <string.h>
#include "vstream_s3.h"
#include "tap.h"


/* what: a whole description, not a format */

static void
ok(int cond, const char *what)
{
    t_ok(cond, "%s", what);
}


#define S(s)  s, sizeof(s) - 1


static void
test_keys(void)
{
    char  buf[256];
    int   n;

    n = vstream_s3_key(buf, sizeof(buf), S("rec/"), S("live"), S("cam"),
                       S("20261201T120000Z"), S("cam-3.ts"));
    ok(n > 0 && strcmp(buf, "rec/live/cam/20261201T120000Z/cam-3.ts") == 0,
       "key: PREFIX/APP/NAME/ID/FILE, the prefix's slash not doubled");

    n = vstream_s3_key(buf, sizeof(buf), "", 0, S("live"), S("cam"),
                       S("ID"), S("index.m3u8"));
    ok(n > 0 && strcmp(buf, "live/cam/ID/index.m3u8") == 0,
       "key: no prefix");

    n = vstream_s3_key(buf, sizeof(buf), S("/a/b//"), S("l"), S("c"), S("I"),
                       S("f"));
    ok(n > 0 && strcmp(buf, "a/b/l/c/I/f") == 0,
       "key: slashes around the prefix trimmed");

    n = vstream_s3_key(buf, 10, S("rec"), S("live"), S("cam"), S("ID"),
                       S("f.ts"));
    ok(n == -1, "key: too long for the buffer is -1");

    n = vstream_s3_url(buf, sizeof(buf), S("http://127.0.0.1:9000/"), "bk",
                       "us-east-1", "live/cam é/a+b.ts");
    ok(n > 0 && strcmp(buf, "http://127.0.0.1:9000/bk/live/cam%20%C3%A9/"
                            "a%2Bb.ts") == 0,
       "url: path style under the endpoint, key percent-encoded");

    n = vstream_s3_url(buf, sizeof(buf), "", 0, "bk", "eu-west-1",
                       "p/live/c/I/x.ts");
    ok(n > 0 && strcmp(buf, "https://bk.s3.eu-west-1.amazonaws.com/"
                            "p/live/c/I/x.ts") == 0,
       "url: virtual-hosted style at AWS without an endpoint");

    n = vstream_s3_url(buf, 20, S("http://127.0.0.1:9000"), "bk", "r",
                       "live/c/I/x.ts");
    ok(n == -1, "url: too long for the buffer is -1");

    ok(strcmp(vstream_s3_content_type(S("a-1.ts")), "video/mp2t") == 0
       && strcmp(vstream_s3_content_type(S("index.m3u8")),
                 "application/vnd.apple.mpegurl") == 0,
       "content types of segments and playlists");
}


static void
test_validators(void)
{
    ok(vstream_s3_valid_bucket(S("my-bucket.v1"))
       && !vstream_s3_valid_bucket(S("ab"))
       && !vstream_s3_valid_bucket(S("My-Bucket"))
       && !vstream_s3_valid_bucket(S("-bucket"))
       && !vstream_s3_valid_bucket(S("bucket-"))
       && !vstream_s3_valid_bucket(S("a..b"))
       && !vstream_s3_valid_bucket(S("a/b")),
       "bucket names");

    ok(vstream_s3_valid_region(S("eu-central-1"))
       && !vstream_s3_valid_region("", 0)
       && !vstream_s3_valid_region(S("EU"))
       && !vstream_s3_valid_region(S("a b")),
       "region names");

    ok(vstream_s3_valid_prefix(S("recordings"))
       && vstream_s3_valid_prefix(S("a/b_c-1.2/"))
       && !vstream_s3_valid_prefix(S("/abs"))
       && !vstream_s3_valid_prefix(S("a//b"))
       && !vstream_s3_valid_prefix(S("a/../b"))
       && !vstream_s3_valid_prefix(S("a/./b"))
       && !vstream_s3_valid_prefix(S(".."))
       && !vstream_s3_valid_prefix(S("a b"))
       && !vstream_s3_valid_prefix("", 0),
       "key prefixes");

    ok(vstream_s3_valid_endpoint(S("http://127.0.0.1:9000"))
       && vstream_s3_valid_endpoint(S("https://s3.example.com/"))
       && vstream_s3_valid_endpoint(S("http://[::1]:9000"))
       && vstream_s3_valid_endpoint(S("http://minio")),
       "endpoints: http(s)://HOST[:PORT][/]");

    ok(!vstream_s3_valid_endpoint(S("ftp://host"))
       && !vstream_s3_valid_endpoint(S("http://"))
       && !vstream_s3_valid_endpoint(S("http://host/path"))
       && !vstream_s3_valid_endpoint(S("http://host:"))
       && !vstream_s3_valid_endpoint(S("http://host:123456"))
       && !vstream_s3_valid_endpoint(S("http://u@host"))
       && !vstream_s3_valid_endpoint(S("http://host?x"))
       && !vstream_s3_valid_endpoint(S("http://[::1"))
       && !vstream_s3_valid_endpoint(S("127.0.0.1:9000")),
       "endpoints: other schemes, paths, users, bad ports refused");
}


static void
test_credentials(void)
{
    const char          *err;
    vstream_s3_creds_t   c;

    static const char  ini[] =
        "# shared credentials\n"
        "[other]\n"
        "aws_access_key_id = WRONG\n"
        "aws_secret_access_key = WRONG\n"
        "\n"
        "[default]\r\n"
        "aws_access_key_id=AKIDEXAMPLE\r\n"
        "  aws_secret_access_key =  wJalr/XUtnFEMI+K7MDENG  \r\n"
        "region = us-east-1\n"
        "; a comment\n"
        "aws_session_token = TOKEN1\n"
        "[later]\n"
        "aws_access_key_id = LATER\n";

    static const char  plain[] =
        "aws_access_key_id = A1\naws_secret_access_key = S1";

    err = NULL;
    ok(vstream_s3_parse_credentials(S(ini), &c, &err) == 0
       && strcmp(c.key_id, "AKIDEXAMPLE") == 0
       && strcmp(c.secret, "wJalr/XUtnFEMI+K7MDENG") == 0
       && strcmp(c.token, "TOKEN1") == 0 && c.expiration == 0,
       "credentials: the default profile of an INI file, blanks trimmed");

    ok(vstream_s3_parse_credentials(S(plain), &c, &err) == 0
       && strcmp(c.key_id, "A1") == 0 && strcmp(c.secret, "S1") == 0
       && c.token[0] == '\0',
       "credentials: key = value lines without a section");

    err = NULL;
    ok(vstream_s3_parse_credentials(S("[other]\naws_access_key_id = A\n"
                                      "aws_secret_access_key = S\n"),
                                    &c, &err) == -1 && err != NULL,
       "credentials: none in the default profile is an error");

    ok(vstream_s3_parse_credentials(S("aws_access_key_id = A\n"), &c, &err)
       == -1, "credentials: no secret is an error");

    ok(vstream_s3_parse_credentials(S("[default\naws_access_key_id = A\n"),
                                    &c, &err) == -1,
       "credentials: a broken section line is an error");

    ok(vstream_s3_parse_credentials(S("aws_access_key_id A\n"), &c, &err)
       == -1, "credentials: a line without '=' is an error");

    ok(vstream_s3_parse_credentials(S("aws_access_key_id = A:B\n"
                                      "aws_secret_access_key = S\n"),
                                    &c, &err) == -1,
       "credentials: a key id with ':' is an error (curl's user:password)");

    ok(vstream_s3_parse_credentials(S("aws_access_key_id =\n"
                                      "aws_secret_access_key = S\n"),
                                    &c, &err) == -1,
       "credentials: an empty value is an error");
}


static void
test_imds(void)
{
    const char          *err;
    vstream_s3_creds_t   c;

    static const char  doc[] =
        "{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-01T11:00:00Z\","
        "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA1\","
        "\"SecretAccessKey\":\"sec\",\"Token\":\"tok\","
        "\"Expiration\":\"2026-12-01T17:21:03Z\"}";

    ok(vstream_s3_parse_imds(S(doc), &c, &err) == 0
       && strcmp(c.key_id, "ASIA1") == 0 && strcmp(c.secret, "sec") == 0
       && strcmp(c.token, "tok") == 0 && c.expiration == 1796145663,
       "imds: the role's credentials and their expiration");

    ok(vstream_s3_parse_imds(S("{\"Code\":\"Failure\"}"), &c, &err) == -1,
       "imds: Code not Success is an error");

    ok(vstream_s3_parse_imds(S("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
                               "\"S\",\"Token\":\"T\"}"), &c, &err) == -1,
       "imds: no Expiration is an error");

    ok(vstream_s3_parse_imds(S("not json"), &c, &err) == -1
       && c.key_id[0] == '\0',
       "imds: not JSON is an error");

    ok(vstream_s3_parse_time(S("1970-01-01T00:00:00Z")) == 0
       && vstream_s3_parse_time(S("2000-03-01T00:00:00.123Z")) == 951868800
       && vstream_s3_parse_time(S("2026-12-01T17:21:03")) == -1
       && vstream_s3_parse_time(S("2026-13-01T17:21:03Z")) == -1
       && vstream_s3_parse_time(S("2026-12-01 17:21:03Z")) == -1,
       "times: RFC 3339 UTC only");

    ok(vstream_s3_role_name(S("vstream-frontend\n")) == 16
       && vstream_s3_role_name(S("a b")) == 0
       && vstream_s3_role_name("", 0) == 0,
       "role names: the first line of the listing");
}


static void
test_misc(void)
{
    static const char  list[] = "cam-1.ts\ncam-2.ts\ncam-10.ts\n";

    ok(vstream_s3_backoff(0) == 0 && vstream_s3_backoff(1) == 1000
       && vstream_s3_backoff(2) == 2000 && vstream_s3_backoff(6) == 32000
       && vstream_s3_backoff(7) == 60000 && vstream_s3_backoff(1000) == 60000,
       "backoff: 1 s doubling, at most 60 s");

    ok(vstream_s3_listed(S(list), S("cam-2.ts"))
       && vstream_s3_listed(S(list), S("cam-10.ts"))
       && !vstream_s3_listed(S(list), S("cam-1"))
       && !vstream_s3_listed(S(list), S("cam-3.ts"))
       && !vstream_s3_listed("", 0, S("cam-1.ts")),
       "the uploaded list: whole lines only");
}


int
main(void)
{
    test_keys();
    test_validators();
    test_credentials();
    test_imds();
    test_misc();

    return t_done();
}
