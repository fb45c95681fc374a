
/*
 * vstream: unit tests of the text rules (src/vstream_text.c), printing
 * TAP: the UTF-8 decoder on Markus Kuhn's decoder stress cases (boundaries,
 * overlongs, surrogates, cut sequences, impossible bytes), the escapers
 * (exact output, bounds, valid output whatever the input), the name rule,
 * the publish arguments, the admin routes and the HLS paths.  Every input
 * is copied into a buffer of exactly its size and every output buffer is
 * exactly as big as allowed, so a read or write past the end is an
 * AddressSanitizer error (t/11-text.t builds this with ASan and UBSan).
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"
#include "text_ref.h"
#include "tap.h"


#define T_LIT(s)    (const unsigned char *) s, sizeof(s) - 1


static unsigned char *t_copy(const unsigned char *s, size_t len);
static void t_boundaries(void);
static void t_invalid(void);
static void t_decode_lengths(void);
static void t_json(void);
static void t_prom(void);
static void t_bounds(void);
static void t_names(void);
static void t_args(void);
static void t_routes(void);
static void t_record_ids(void);
static void t_hls_path(void);
static void t_hls_uri(void);
static void t_keys(void);
static int t_keys_read(const char *text, const char *want, size_t line,
    const char *err);




int
main(void)
{
    t_boundaries();
    t_invalid();
    t_decode_lengths();
    t_json();
    t_prom();
    t_bounds();
    t_names();
    t_args();
    t_routes();
    t_record_ids();
    t_hls_path();
    t_hls_uri();
    t_keys();

    return t_done();
}



static unsigned char *
t_copy(const unsigned char *s, size_t len)
{
    unsigned char  *p;

    p = malloc(len ? len : 1);
    if (p == NULL) {
        abort();
    }

    memcpy(p, s, len);

    return p;
}


/* Kuhn 2.1 - 2.3: first, last and other boundary code points, all valid */

static void
t_boundaries(void)
{
    size_t          i, n;
    uint32_t        cp;
    unsigned char  *p;

    static const struct {
        const char  *bytes;
        size_t       len;
        uint32_t     cp;
    } tests[] = {
        { "\x00", 1, 0x0 },
        { "\x7f", 1, 0x7f },
        { "\xc2\x80", 2, 0x80 },
        { "\xdf\xbf", 2, 0x7ff },
        { "\xe0\xa0\x80", 3, 0x800 },
        { "\xed\x9f\xbf", 3, 0xd7ff },
        { "\xee\x80\x80", 3, 0xe000 },
        { "\xef\xbf\xbd", 3, 0xfffd },
        { "\xef\xbf\xbf", 3, 0xffff },
        { "\xf0\x90\x80\x80", 4, 0x10000 },
        { "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        p = t_copy((const unsigned char *) tests[i].bytes, tests[i].len);
        n = vstream_utf8_decode(p, tests[i].len, &cp);

        t_ok(n == tests[i].len && cp == tests[i].cp
             && vstream_utf8_valid(p, tests[i].len),
             "U+%04X decodes from %zu bytes (got U+%04X from %zu)",
             tests[i].cp, tests[i].len, cp, n);

        free(p);
    }
}


/* Kuhn 3 - 5: what a strict decoder must refuse */

static void
t_invalid(void)
{
    size_t          i;
    unsigned char  *p;

    static const struct {
        const char  *what;
        const char  *bytes;
        size_t       len;
    } tests[] = {
        { "U+110000 (F4 90 80 80)", "\xf4\x90\x80\x80", 4 },
        { "U+1FFFFF (F7 BF BF BF)", "\xf7\xbf\xbf\xbf", 4 },
        { "5-byte form", "\xf8\x88\x80\x80\x80", 5 },
        { "6-byte form", "\xfc\x84\x80\x80\x80\x80", 6 },
        { "first continuation byte", "\x80", 1 },
        { "last continuation byte", "\xbf", 1 },
        { "two continuation bytes", "\x80\xbf", 2 },
        { "lone C0 lead", "\xc0 ", 2 },
        { "lone E0 lead", "\xe0 ", 2 },
        { "lone F0 lead", "\xf0 ", 2 },
        { "2-byte cut short", "\xc2", 1 },
        { "3-byte cut short", "\xe2\x82", 2 },
        { "4-byte cut short", "\xf0\x9f\x8e", 3 },
        { "3-byte cut by ASCII", "\xe2\x82x", 3 },
        { "FE", "\xfe", 1 },
        { "FF", "\xff", 1 },
        { "overlong / (C0 AF)", "\xc0\xaf", 2 },
        { "overlong / (E0 80 AF)", "\xe0\x80\xaf", 3 },
        { "overlong / (F0 80 80 AF)", "\xf0\x80\x80\xaf", 4 },
        { "overlong U+007F (C1 BF)", "\xc1\xbf", 2 },
        { "overlong U+07FF (E0 9F BF)", "\xe0\x9f\xbf", 3 },
        { "overlong U+FFFF (F0 8F BF BF)", "\xf0\x8f\xbf\xbf", 4 },
        { "overlong NUL (C0 80)", "\xc0\x80", 2 },
        { "surrogate U+D800", "\xed\xa0\x80", 3 },
        { "surrogate U+DB7F", "\xed\xad\xbf", 3 },
        { "surrogate U+DC00", "\xed\xb0\x80", 3 },
        { "surrogate U+DFFF", "\xed\xbf\xbf", 3 },
        { "surrogate pair D800 DC00", "\xed\xa0\x80\xed\xb0\x80", 6 },
        { "valid then bad", "ok\xc3\xa9\x80", 5 },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        p = t_copy((const unsigned char *) tests[i].bytes, tests[i].len);

        t_ok(!vstream_utf8_valid(p, tests[i].len)
             && !ref_utf8_valid(p, tests[i].len),
             "refused: %s", tests[i].what);

        free(p);
    }
}


/* an invalid sequence takes its maximal subpart, so one U+FFFD for it */

static void
t_decode_lengths(void)
{
    size_t          i, n;
    uint32_t        cp;
    unsigned char  *p;

    static const struct {
        const char  *bytes;
        size_t       len;
        size_t       used;
    } tests[] = {
        { "\xe2\x82x", 3, 2 },
        { "\xf0\x9f\x8e", 3, 3 },
        { "\xf0\x9f", 2, 2 },
        { "\xed\xa0\x80", 3, 1 },         /* ED takes 80..9F only */
        { "\xf4\x90\x80\x80", 4, 1 },     /* F4 takes 80..8F only */
        { "\xe0\x80\xaf", 3, 1 },         /* E0 takes A0..BF only */
        { "\xc0\xaf", 2, 1 },
        { "\x80", 1, 1 },
        { "\xf5\x80", 2, 1 },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        p = t_copy((const unsigned char *) tests[i].bytes, tests[i].len);
        n = vstream_utf8_decode(p, tests[i].len, &cp);

        t_ok(cp == VSTREAM_UTF8_INVALID && n == tests[i].used,
             "invalid sequence %zu takes %zu bytes (took %zu)", i,
             tests[i].used, n);

        free(p);
    }

    t_ok(vstream_utf8_valid(T_LIT("")), "the empty string is valid");
}


static int
t_escapes(int json, const char *in, size_t len, const char *want,
    size_t wlen)
{
    int             ok;
    size_t          n;
    unsigned char  *src, *dst, *end, *back;

    src = t_copy((const unsigned char *) in, len);
    n = json ? vstream_json_escaped_len(src, len)
             : vstream_prom_escaped_len(src, len);

    dst = malloc(n ? n : 1);
    if (dst == NULL) {
        abort();
    }

    end = json ? vstream_json_escape(dst, dst + n, src, len)
               : vstream_prom_escape(dst, dst + n, src, len);

    ok = (n == wlen && end == dst + n && memcmp(dst, want, wlen) == 0
          && n <= len * VSTREAM_TEXT_ESCAPE_MAX);

    /* and the reference reads it back as a string's or a label's inside */
    back = malloc(n ? n : 1);
    if (back == NULL) {
        abort();
    }

    if ((json ? ref_json_unescape(dst, n, back)
              : ref_prom_unescape(dst, n, back)) < 0)
    {
        ok = 0;
    }

    free(back);

    if (!ok) {
        printf("# got %zu bytes: \"%.*s\"\n", (size_t) (end - dst),
               (int) (end - dst), dst);
    }

    free(src);
    free(dst);

    return ok;
}


#define t_escape(json, in, want, what)                                       \
    t_ok(t_escapes(json, in, sizeof(in) - 1, want, sizeof(want) - 1), what)


static void
t_json(void)
{
    t_escape(1, "cam1", "cam1", "json: plain ASCII as it is");
    t_escape(1, "a\"b\\c", "a\\\"b\\\\c", "json: quote and backslash");
    t_escape(1, "a\nb", "a\\nb", "json: newline as \\n");
    t_escape(1, "\x01\x1f\x7f\t", "\\u0001\\u001f\\u007f\\u0009",
             "json: control bytes as \\u00XX");
    t_escape(1, "a\0b", "a\\u0000b", "json: NUL as \\u0000");
    t_escape(1, "caf\xc3\xa9 \xf0\x9f\x8e\xa5", "caf\xc3\xa9 \xf0\x9f\x8e\xa5",
             "json: valid multibyte UTF-8 as it is");
    t_escape(1, "\xc0\xaf", "\\ufffd\\ufffd", "json: overlong C0 AF");
    t_escape(1, "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd", "json: surrogate");
    t_escape(1, "x\xe2\x82", "x\\ufffd", "json: cut short at the end");
    t_escape(1, "\xe2\x82\"", "\\ufffd\\\"",
             "json: a cut sequence does not swallow the quote after it");
    t_escape(1, "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd",
             "json: above U+10FFFF");
    t_escape(1, "\xff", "\\ufffd", "json: FF");
    t_escape(1, "", "", "json: empty");
}


static void
t_prom(void)
{
    t_escape(0, "cam1", "cam1", "prom: plain ASCII as it is");
    t_escape(0, "a\"b\\c", "a\\\"b\\\\c", "prom: quote and backslash");
    t_escape(0, "a\nb", "a\\nb", "prom: newline as \\n");
    t_escape(0, "\x01\t\x7f\r", "????", "prom: other control bytes as ?");
    t_escape(0, "caf\xc3\xa9", "caf\xc3\xa9", "prom: valid UTF-8 as it is");
    t_escape(0, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "prom: overlong");
    t_escape(0, "\xed\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
             "prom: surrogate");
    t_escape(0, "a\xe2\x82", "a\xef\xbf\xbd", "prom: cut short");
}


/* short buffers: whole units only, never past the end, always valid */

static void
t_bounds(void)
{
    int             ok;
    size_t          size, n, len;
    unsigned char  *src, *dst, *end;

    static const unsigned char  in[] =
        "a\"\x01\xc3\xa9\xf0\x9f\x8e\xa5\xed\xa0\x80\n\\\xe2\x82";

    len = sizeof(in) - 1;
    src = t_copy(in, len);
    n = vstream_json_escaped_len(src, len);
    ok = 1;

    for (size = 0; size <= n; size++) {
        dst = malloc(size ? size : 1);
        if (dst == NULL) {
            abort();
        }

        end = vstream_json_escape(dst, dst + size, src, len);

        if (end > dst + size || !ref_utf8_valid(dst, end - dst)
            || (size == n && end != dst + n))
        {
            ok = 0;
        }

        free(dst);

        dst = malloc(size ? size : 1);
        if (dst == NULL) {
            abort();
        }

        end = vstream_prom_escape(dst, dst + size, src, len);

        if (end > dst + size || !ref_utf8_valid(dst, end - dst)) {
            ok = 0;
        }

        free(dst);
    }

    free(src);

    t_ok(ok, "escapers in buffers of 0 to %zu bytes: in bounds, valid", n);
}


static void
t_names(void)
{
    size_t          i;
    unsigned char  *p, name[257];

    static const struct {
        const char  *name;
        size_t       len;
        int          safe;
    } tests[] = {
        { "cam1", 4, 1 },
        { ".hidden", 7, 1 },
        { "a.b.c", 5, 1 },
        { "caf\xc3\xa9", 5, 1 },
        { "\xf0\x9f\x8e\xa5", 4, 1 },
        { "", 0, 0 },
        { ".", 1, 0 },
        { "..", 2, 0 },
        { "a..b", 4, 0 },
        { "a/b", 3, 0 },
        { "a\\b", 3, 0 },
        { "a\x01", 2, 0 },
        { "a\x7f", 2, 0 },
        { "a\0b", 3, 0 },
        { "a\xc0\xaf", 3, 0 },
        { "a\xed\xa0\x80", 4, 0 },
        { "a\xf4\x90\x80\x80", 5, 0 },
        { "a\xe2\x82", 3, 0 },
        { "a\x80", 2, 0 },
        { "a\xff", 2, 0 },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        p = t_copy((const unsigned char *) tests[i].name, tests[i].len);

        t_ok(vstream_name_is_safe(p, tests[i].len) == tests[i].safe,
             "name %zu is %ssafe", i, tests[i].safe ? "" : "not ");

        free(p);
    }

    memset(name, 'a', sizeof(name));
    t_ok(vstream_name_is_safe(name, 255), "name: 255 bytes is safe");
    t_ok(!vstream_name_is_safe(name, 256), "name: 256 bytes is not");
    t_ok(!vstream_name_is_safe(NULL, 3), "name: NULL is not");
}


static void
t_args(void)
{
    size_t                v;
    const unsigned char  *p;

    static const unsigned char  args[] = "exp=123&sig=abc&exp=999&kid=&x";

    t_ok(vstream_args_get(args, sizeof(args) - 1, "exp", 3, &p, &v)
         && v == 3 && memcmp(p, "123", 3) == 0, "args: the first exp wins");
    t_ok(vstream_args_get(args, sizeof(args) - 1, "sig", 3, &p, &v)
         && v == 3 && memcmp(p, "abc", 3) == 0, "args: sig");
    t_ok(vstream_args_get(args, sizeof(args) - 1, "kid", 3, &p, &v)
         && v == 0, "args: an empty value is found");
    t_ok(!vstream_args_get(args, sizeof(args) - 1, "x", 1, &p, &v),
         "args: a name without '=' is not");
    t_ok(!vstream_args_get(args, sizeof(args) - 1, "ex", 2, &p, &v),
         "args: a prefix of a name is not");
    t_ok(!vstream_args_get(T_LIT(""), "exp", 3, &p, &v),
         "args: none in an empty string");
    t_ok(!vstream_args_get(NULL, 0, "exp", 3, &p, &v), "args: none in NULL");
}


static int
t_route(const char *path, vstream_method_e m, vstream_route_e route,
    unsigned status, const char *allow)
{
    int                     ok;
    unsigned char          *p;
    vstream_admin_route_t   rt;

    p = t_copy((const unsigned char *) path, strlen(path));
    vstream_admin_route(p, strlen(path), m, &rt);

    ok = (rt.route == route && rt.status == status
          && (allow == NULL ? rt.allow == NULL
                            : rt.allow && strcmp(rt.allow, allow) == 0)
          && (status == 200) == (rt.message == NULL));

    free(p);

    return ok;
}


static void
t_routes(void)
{
    unsigned char          *p;
    vstream_admin_route_t   rt;

    t_ok(t_route("status", VSTREAM_METHOD_GET, VSTREAM_ROUTE_STATUS, 200,
                 NULL), "route: GET status");
    t_ok(t_route("//metrics", VSTREAM_METHOD_HEAD, VSTREAM_ROUTE_METRICS, 200,
                 NULL), "route: HEAD //metrics");
    t_ok(t_route("status", VSTREAM_METHOD_OTHER, VSTREAM_ROUTE_NONE, 405,
                 "GET, HEAD"), "route: POST status is 405");
    t_ok(t_route("metrics", VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_NONE, 405,
                 "GET, HEAD"), "route: DELETE metrics is 405");
    t_ok(t_route("streams/live/cam1", VSTREAM_METHOD_GET, VSTREAM_ROUTE_STREAM,
                 200, NULL), "route: GET a stream");
    t_ok(t_route("streams/live/cam1", VSTREAM_METHOD_DELETE,
                 VSTREAM_ROUTE_DROP, 200, NULL), "route: DELETE a stream");
    t_ok(t_route("streams/live/cam1", VSTREAM_METHOD_OTHER,
                 VSTREAM_ROUTE_NONE, 405, "GET, HEAD, DELETE"),
         "route: POST a stream is 405");
    t_ok(t_route("nowhere", VSTREAM_METHOD_OTHER, VSTREAM_ROUTE_NONE, 404,
                 NULL), "route: unknown is 404 whatever the method");
    t_ok(t_route("status/", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 404,
                 NULL), "route: status/ is 404");
    t_ok(t_route("streams/live", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 404,
                 NULL), "route: a stream without a name");
    t_ok(t_route("streams//cam1", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 404,
                 NULL), "route: a stream without an app");
    t_ok(t_route("streams/live/", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 404,
                 NULL), "route: an empty name");
    t_ok(t_route("streams/live/a/b", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 404, NULL), "route: a name with a slash");
    t_ok(t_route("streams/live/a\xed\xa0\x80", VSTREAM_METHOD_DELETE,
                 VSTREAM_ROUTE_NONE, 404, NULL),
         "route: a name that could never publish is 404");
    t_ok(t_route("", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 404, NULL),
         "route: the prefix alone is 404");
    t_ok(t_route("bans", VSTREAM_METHOD_GET, VSTREAM_ROUTE_BANS, 200, NULL),
         "route: GET bans");
    t_ok(t_route("bans", VSTREAM_METHOD_PUT, VSTREAM_ROUTE_NONE, 405,
                 "GET, HEAD"), "route: PUT bans is 405");
    t_ok(t_route("bans/live/cam1", VSTREAM_METHOD_PUT, VSTREAM_ROUTE_BAN,
                 200, NULL), "route: PUT a ban");
    t_ok(t_route("bans/live/cam1", VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_UNBAN,
                 200, NULL), "route: DELETE a ban");
    t_ok(t_route("bans/live/cam1", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 405, "PUT, DELETE"), "route: GET a ban is 405");
    t_ok(t_route("bans/live/..", VSTREAM_METHOD_PUT, VSTREAM_ROUTE_NONE,
                 404, NULL), "route: a ban of a name that could never publish");
    t_ok(t_route("streams/live/cam1", VSTREAM_METHOD_PUT, VSTREAM_ROUTE_NONE,
                 405, "GET, HEAD, DELETE"), "route: PUT a stream is 405");

    p = t_copy(T_LIT("/streams/live/cam1"));
    vstream_admin_route(p, 18, VSTREAM_METHOD_GET, &rt);
    t_ok(rt.app == p + 9 && rt.app_len == 4 && rt.name == p + 14
         && rt.name_len == 4, "route: app and name point into the path");
    free(p);

    t_ok(t_route("recordings", VSTREAM_METHOD_GET, VSTREAM_ROUTE_RECORDINGS,
                 200, NULL), "route: GET recordings");
    t_ok(t_route("recordings/live/cam1", VSTREAM_METHOD_HEAD,
                 VSTREAM_ROUTE_RECORDINGS, 200, NULL),
         "route: HEAD a stream's recordings");
    t_ok(t_route("recordings", VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_NONE, 405,
                 "GET, HEAD"), "route: DELETE recordings is 405");
    t_ok(t_route("recordings/live/cam1/20261201T120000Z",
                 VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_RECORDING_DELETE, 200,
                 NULL), "route: DELETE a recording");
    t_ok(t_route("recordings/live/cam1/20261201T120000Z-12",
                 VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_RECORDING_DELETE, 200,
                 NULL), "route: DELETE a recording with a suffix");
    t_ok(t_route("recordings/live/cam1/20261201T120000Z",
                 VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE, 405, "DELETE"),
         "route: GET a recording is 405 (the files are served elsewhere)");
    t_ok(t_route("recordings/live", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 404, NULL), "route: recordings of an app alone is 404");
    t_ok(t_route("recordings/", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 404, NULL), "route: recordings/ is 404");
    t_ok(t_route("recordings/a/b/20261201T120000Z/x", VSTREAM_METHOD_DELETE,
                 VSTREAM_ROUTE_NONE, 404, NULL),
         "route: below a recording is 404");
    t_ok(t_route("recordingsX", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 404, NULL), "route: recordingsX is 404");
    t_ok(t_route("recordings/live/..", VSTREAM_METHOD_GET, VSTREAM_ROUTE_NONE,
                 400, NULL), "route: a hostile recordings name is 400");
    t_ok(t_route("recordings/../cam1", VSTREAM_METHOD_OTHER,
                 VSTREAM_ROUTE_NONE, 400, NULL),
         "route: a hostile app is 400 whatever the method");
    t_ok(t_route("recordings/live/cam1/..", VSTREAM_METHOD_DELETE,
                 VSTREAM_ROUTE_NONE, 400, NULL),
         "route: an ID that is not one is 400");
    t_ok(t_route("recordings/live/cam1/20261201T120000Z-123",
                 VSTREAM_METHOD_DELETE, VSTREAM_ROUTE_NONE, 400, NULL),
         "route: an ID with a 3-digit suffix is 400");

    p = t_copy(T_LIT("recordings/live/cam1/20261201T120000Z-2"));
    vstream_admin_route(p, 39, VSTREAM_METHOD_DELETE, &rt);
    t_ok(rt.app == p + 11 && rt.app_len == 4 && rt.name == p + 16
         && rt.name_len == 4 && rt.id == p + 21 && rt.id_len == 18,
         "route: app, name and ID point into the path");
    free(p);
}


static void
t_record_ids(void)
{
    size_t  i;

    static const struct {
        const char  *id;
        int          valid;
    } cases[] = {
        { "20261201T120000Z", 1 },
        { "20261201T120000Z-2", 1 },
        { "20261201T120000Z-99", 1 },
        { "20261201T120000Z-", 0 },
        { "20261201T120000Z-100", 0 },
        { "20261201T120000Z-a", 0 },
        { "20261201T120000", 0 },
        { "20261201t120000Z", 0 },
        { "2026120xT120000Z", 0 },
        { "20261201T120000Zx", 0 },
        { "", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_ok(vstream_record_id_is_valid((const unsigned char *) cases[i].id,
                                        strlen(cases[i].id))
             == cases[i].valid,
             "record id: \"%s\" %s", cases[i].id,
             cases[i].valid ? "is one" : "is not one");
    }

    t_ok(!vstream_record_id_is_valid(NULL, 16), "record id: NULL is not one");
}


static void
t_hls_uri(void)
{
    int                   kind;
    size_t                n;
    const unsigned char  *name;

    static const struct {
        const char  *uri;
        const char  *name;
        int          kind;
    } cases[] = {
        { "/hls/cam1.m3u8", "cam1", VSTREAM_HLS_PLAYLIST },
        { "/hls/cam1/index.m3u8", "cam1", VSTREAM_HLS_PLAYLIST },
        { "/hls/cam1-17.ts", "cam1", VSTREAM_HLS_SEGMENT },
        { "/hls/cam-1-17.ts", "cam-1", VSTREAM_HLS_SEGMENT },
        { "/hls/cam1/17.ts", "cam1", VSTREAM_HLS_SEGMENT },
        { "/index.m3u8", "index", VSTREAM_HLS_PLAYLIST },
        { "/hls/.m3u8", NULL, 0 },
        { "/hls/cam1.ts", NULL, 0 },
        { "/hls/-17.ts", NULL, 0 },
        { "/17.ts", NULL, 0 },
        { "/hls/cam1.mp4", NULL, 0 },
        { "", NULL, 0 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int  ok;

        ok = vstream_hls_uri_name((const unsigned char *) cases[i].uri,
                                  strlen(cases[i].uri), &name, &n, &kind);

        if (cases[i].name == NULL) {
            t_ok(!ok, "hls uri: %s is no stream's", cases[i].uri);
            continue;
        }

        t_ok(ok && n == strlen(cases[i].name)
             && memcmp(name, cases[i].name, n) == 0 && kind == cases[i].kind,
             "hls uri: %s is %s of %s", cases[i].uri,
             cases[i].kind ? "a segment" : "the playlist", cases[i].name);
    }
}


static void
t_hls_path(void)
{
    size_t         n;
    unsigned char  buf[64];

    n = vstream_hls_playlist_path(buf, sizeof(buf), T_LIT("/hls"),
                                  T_LIT("cam1"), 0);
    t_ok(n == 14 && strcmp((char *) buf, "/hls/cam1.m3u8") == 0,
         "hls path: flat");

    n = vstream_hls_playlist_path(buf, sizeof(buf), T_LIT("/hls"),
                                  T_LIT("cam1"), 1);
    t_ok(n == 20 && strcmp((char *) buf, "/hls/cam1/index.m3u8") == 0,
         "hls path: nested");

    t_ok(vstream_hls_playlist_path(buf, sizeof(buf), T_LIT("/hls"),
                                   T_LIT(".."), 1) == 0,
         "hls path: .. is refused");
    t_ok(vstream_hls_playlist_path(buf, sizeof(buf), T_LIT("/hls"),
                                   T_LIT("a/../../etc"), 0) == 0,
         "hls path: a name with a slash is refused");
    t_ok(vstream_hls_playlist_path(buf, 14, T_LIT("/hls"), T_LIT("cam1"), 0)
         == 0, "hls path: no room for the NUL is 0");
    t_ok(vstream_hls_playlist_path(buf, 15, T_LIT("/hls"), T_LIT("cam1"), 0)
         == 14, "hls path: just enough room");
}


/*
 * The key file as "KID=SECRET;..." ("=SECRET" for the bare secret), or on
 * a bad line its number and the start of the error
 */

static int
t_keys_read(const char *text, const char *want, size_t line, const char *err)
{
    int             rc;
    char            got[512];
    size_t          n;
    const char     *why;
    vstream_key_t   k;
    vstream_keys_t  it;

    vstream_keys_init(&it, (const unsigned char *) text, strlen(text));
    n = 0;
    got[0] = '\0';

    while ((rc = vstream_keys_next(&it, &k, &why)) == 1) {
        n += snprintf(got + n, sizeof(got) - n, "%.*s=%.*s;",
                      (int) k.kid_len, (const char *) k.kid,
                      (int) k.secret_len, (const char *) k.secret);
    }

    if (rc == -1) {
        return err != NULL && k.line == line
               && strncmp(why, err, strlen(err)) == 0;
    }

    return err == NULL && strcmp(got, want) == 0;
}


static void
t_keys(void)
{
    t_ok(t_keys_read("k1 one\nk2 two\n", "k1=one;k2=two;", 0, NULL),
         "keys: two KID SECRET lines");
    t_ok(t_keys_read("\r\n  k1\tone two  \r\n\n\tk2   x\r\n", "k1=one two;k2=x;", 0,
                     NULL), "keys: blank lines, CRLF, tabs, spaces inside a secret");
    t_ok(t_keys_read("bare-secret\n", "=bare-secret;", 0, NULL),
         "keys: one line without white space is the bare secret");
    t_ok(t_keys_read("  odd!word and more\n", "=  odd!word and more;", 0, NULL),
         "keys: one line whose first word is no kid: bare, as it was");
    t_ok(t_keys_read("k1 only\n", "k1=only;", 0, NULL),
         "keys: one KID SECRET line");
    t_ok(t_keys_read("Ab3456789 s\n", "=Ab3456789 s;", 0, NULL),
         "keys: one line whose first word is too long for a kid: bare");
    t_ok(t_keys_read("k1 a\nk2\n", NULL, 2, "expected"),
         "keys: a kid without its secret");
    t_ok(t_keys_read("k1 a\n\nsecret\n", NULL, 3, "expected"),
         "keys: a bare secret among keys, line 3");
    t_ok(t_keys_read("k1 a\nk-2 b\n", NULL, 2, "invalid key id"),
         "keys: a kid with a '-'");
    t_ok(t_keys_read("k123456789 a\nk2 b\n", NULL, 1, "invalid key id"),
         "keys: a kid of 10 characters");
    t_ok(t_keys_read("k1 a\nk2 b\nk1 c\n", NULL, 3, "duplicate key id"),
         "keys: a kid twice");
    t_ok(t_keys_read("", "", 0, NULL), "keys: nothing, no key");
    t_ok(vstream_kid_is_valid(T_LIT("Zz09")) && !vstream_kid_is_valid(T_LIT(""))
         && !vstream_kid_is_valid(T_LIT("123456789"))
         && vstream_kid_is_valid(T_LIT("12345678"))
         && !vstream_kid_is_valid(T_LIT("k_1")), "keys: kid rules");
}
