
/*
 * vstream: unit tests of the HLS playlist parser (src/vstream_m3u8.c),
 * printing TAP.  Every input is copied into a buffer of exactly its size,
 * so a read past the end is an AddressSanitizer error (t/10-m3u8.t builds
 * this with ASan and UBSan).
 *
 *     m3u8_test [SAMPLES_DIR]      (default t/unit/samples)
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vstream_m3u8.h"
#include "vstream_text.h"
#include "tap.h"


#define T_URIS      8
#define T_URI_LEN   64
#define T_MB        (1024 * 1024)
#define T_SLOW_S    2.0     /* loose: a 1 MB parse takes milliseconds */

#define T_LIT(s)    s, sizeof(s) - 1


typedef struct {
    const unsigned char  *start;
    const unsigned char  *end;
    unsigned              calls;
    unsigned              stop_at;
    unsigned              outside;      /* URIs not inside the input */
    uint64_t              sum_ms;
    uint32_t              ms[T_URIS];
    char                  uri[T_URIS][T_URI_LEN];
} t_rec_t;


static int t_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms);
static int t_parse(const void *in, size_t len, vstream_m3u8_t *pl,
    t_rec_t *rec);
static int t_is(uint64_t got, uint64_t want, const char *what);
static unsigned char *t_read(const char *dir, const char *name, size_t *len);
static void t_samples(const char *dir);
static void t_crlf(const char *dir);
static void t_tags(void);
static void t_durations(void);
static void t_huge(void);
static void t_hostile(void);
static void t_not_playlists(void);
static void t_callback(void);
static void t_big(void);
static void t_safe_name(void);


static unsigned  t_stop_at;     /* the callback stops on this call; 0: never */


int
main(int argc, char **argv)
{
    const char  *dir;

    dir = (argc > 1) ? argv[1] : "t/unit/samples";

    t_samples(dir);
    t_crlf(dir);
    t_tags();
    t_durations();
    t_huge();
    t_hostile();
    t_not_playlists();
    t_callback();
    t_big();
    t_safe_name();

    return t_done();
}


/* real playlists written by nginx-rtmp's HLS writer (hls_fragment 1s) */

static void
t_samples(const char *dir)
{
    size_t           len;
    unsigned         i;
    unsigned char   *buf;
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    buf = t_read(dir, "rtmp-flat.m3u8", &len);
    t_ok(t_parse(buf, len, &pl, &rec) == 0, "flat nginx-rtmp playlist parses");
    t_ok(pl.target_duration == 1 && pl.media_sequence == 3,
         "flat: target duration 1, media sequence 3");
    t_ok(pl.segments == 4 && rec.calls == 4, "flat: 4 segments, 4 callbacks");
    t_ok(pl.window_ms == 4000 && pl.last_segment_ms == 1000,
         "flat: window 4000 ms, last segment 1000 ms");
    t_ok(strcmp(rec.uri[0], "cam1-3.ts") == 0
         && strcmp(rec.uri[3], "cam1-6.ts") == 0 && rec.ms[2] == 1000,
         "flat: URIs NAME-N.ts in playlist order, 1000 ms each");
    t_ok(!pl.endlist, "flat: no endlist");
    free(buf);

    buf = t_read(dir, "rtmp-nested-index.m3u8", &len);
    t_ok(t_parse(buf, len, &pl, &rec) == 0 && pl.segments == 4
         && pl.media_sequence == 3 && pl.window_ms == 4000,
         "nested index.m3u8: 4 segments from sequence 3, window 4000 ms");

    for (i = 0; i < 4; i++) {
        if (!vstream_name_is_safe((unsigned char *) rec.uri[i],
                                    strlen(rec.uri[i])))
        {
            break;
        }
    }

    t_ok(strcmp(rec.uri[0], "3.ts") == 0 && strcmp(rec.uri[3], "6.ts") == 0
         && i == 4, "nested: plain N.ts URIs, each a safe name");
    free(buf);

    buf = t_read(dir, "rtmp-gop37.m3u8", &len);
    t_ok(t_parse(buf, len, &pl, &rec) == 0 && pl.segments == 4
         && rec.ms[0] == 1234 && rec.ms[1] == 1233,
         "odd GOP: EXTINF 1.234 and 1.233 read as 1234 and 1233 ms");
    t_ok(pl.window_ms == 4934 && pl.last_segment_ms == 1234
         && rec.sum_ms == pl.window_ms,
         "odd GOP: window 4934 ms is the sum of the callbacks' durations");
    free(buf);

    /* crafted: CRLF, titles, other tags, an unsafe URI, a huge EXTINF */

    buf = t_read(dir, "edge-crlf.m3u8", &len);
    t_ok(t_parse(buf, len, &pl, &rec) == 0 && pl.target_duration == 6
         && pl.media_sequence == UINT64_MAX && pl.endlist,
         "edge-crlf: target duration, media sequence 2^64-1, endlist");
    t_ok(pl.segments == 4 && rec.ms[0] == 5005 && rec.ms[1] == 1966
         && rec.ms[2] == 0 && pl.last_segment_ms == UINT32_MAX
         && t_is(pl.window_ms, 5005 + 1966 + (uint64_t) UINT32_MAX, "window"),
         "edge-crlf: 4 segments, 5005 + 1966 + 0 + (2^32-1) ms");
    t_ok(strcmp(rec.uri[2], "../escape.ts") == 0
         && !vstream_name_is_safe((unsigned char *) rec.uri[2], 12)
         && vstream_name_is_safe((unsigned char *) rec.uri[3], 7),
         "edge-crlf: ../escape.ts is listed but not a safe name");
    free(buf);
}


static void
t_crlf(const char *dir)
{
    size_t           len, i, n;
    unsigned char   *buf, *crlf;
    vstream_m3u8_t   pl, want;
    t_rec_t          rec;

    buf = t_read(dir, "rtmp-gop37.m3u8", &len);
    (void) t_parse(buf, len, &want, &rec);

    crlf = malloc(2 * len);
    if (crlf == NULL) {
        abort();
    }

    for (i = 0, n = 0; i < len; i++) {
        if (buf[i] == '\n') {
            crlf[n++] = '\r';
        }

        crlf[n++] = buf[i];
    }

    t_ok(t_parse(crlf, n, &pl, &rec) == 0
         && memcmp(&pl, &want, sizeof(vstream_m3u8_t)) == 0,
         "CRLF line ends: the same result as LF");
    t_ok(strcmp(rec.uri[0], "cam3-4.ts") == 0, "CRLF: no CR in the URIs");

    /* mixed, and the last line without its newline */
    t_ok(t_parse(T_LIT("#EXTM3U\r\n#EXT-X-TARGETDURATION:6\n#EXTINF:5.5,\r\n"
                       "a.ts\r\n#EXTINF:4,\nb.ts"), &pl, &rec) == 0
         && pl.target_duration == 6 && pl.segments == 2
         && pl.window_ms == 9500 && strcmp(rec.uri[1], "b.ts") == 0,
         "mixed LF and CRLF, last URI without a newline");

    t_ok(t_parse(T_LIT("#EXTM3U\r\r\n#EXT-X-ENDLIST\r\r\n"), &pl, &rec) == -1,
         "CR CR LF: the first line is not #EXTM3U");

    free(crlf);
    free(buf);
}


static void
t_tags(void)
{
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    t_ok(t_parse(T_LIT("#EXTM3U"), &pl, &rec) == 0 && pl.segments == 0
         && pl.target_duration == 0 && pl.media_sequence == 0,
         "#EXTM3U alone: a playlist with nothing in it");

    t_ok(t_parse(T_LIT("#EXTM3U\nseg.ts\n"), &pl, &rec) == 0
         && pl.segments == 1 && pl.window_ms == 0 && rec.ms[0] == 0
         && pl.target_duration == 0 && pl.media_sequence == 0,
         "missing tags: URI without EXTINF counts with 0 ms, fields 0");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXTINF:2,\na.ts\n#EXTINF:3"), &pl, &rec) == 0
         && pl.segments == 1 && pl.window_ms == 2000,
         "truncated final EXTINF without URI: not a segment");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-TARGETDUR"), &pl, &rec) == 0
         && pl.target_duration == 0, "truncated tag name: ignored");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:12"), &pl, &rec) == 0
         && pl.media_sequence == 12, "tag value at the very end of input");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-ENDLIST\n#EXT-X-DISCONTINUITY\n"),
                 &pl, &rec) == 0 && pl.endlist,
         "ENDLIST seen, DISCONTINUITY ignored");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n"
                       "#EXT-X-ENDLIST:x\n"), &pl, &rec) == 0
         && !pl.endlist, "ENDLIST:x is no ENDLIST");

    t_ok(t_parse(T_LIT("#EXTM3U\n#extinf:5,\na.ts\n#EXT-X-endlist\n"
                       "#ext-x-targetduration:4\n"), &pl, &rec) == 0
         && rec.ms[0] == 0 && !pl.endlist && pl.target_duration == 0,
         "tags are case-sensitive");

    t_ok(t_parse(T_LIT("#EXTM3U\n# a comment\n\n   \n#EXT-X-UNKNOWN:1\n"
                       "#EXTINF:7,\n# between\n\n#EXT-X-BYTERANGE:10@0\n"
                       "a.ts\n"), &pl, &rec) == 0
         && pl.segments == 1 && rec.ms[0] == 7000,
         "comments, blank lines, unknown tags between EXTINF and URI");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXTINF:1,\n#EXTINF:2,\na.ts\nb.ts\n"),
                 &pl, &rec) == 0
         && rec.ms[0] == 2000 && rec.ms[1] == 0 && pl.last_segment_ms == 0,
         "two EXTINF: the last applies, to one URI only");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-TARGETDURATION:4\n"
                       "#EXT-X-TARGETDURATION:6\n#EXT-X-TARGETDURATION:x\n"
                       "#EXT-X-TARGETDURATION: 8\n#EXT-X-TARGETDURATION:9s\n"
                       "#EXT-X-TARGETDURATION:\n"), &pl, &rec) == 0
         && pl.target_duration == 6,
         "repeated tags: the last valid value wins, bad values ignored");
}


static void
t_durations(void)
{
    size_t           i, n;
    char             line[64];
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    static const struct {
        const char  *value;
        uint32_t     ms;            /* UINT32_MAX - 1: invalid, ignored */
    } tests[] = {
        { "2", 2000 },
        { "2,", 2000 },
        { "2.000,", 2000 },
        { "1.9666,", 1966 },
        { "1.9999999999999999999999,", 1999 },
        { "0.0009,", 0 },
        { "0,", 0 },
        { ".5,", 500 },
        { "5.,", 5000 },
        { "007.25,", 7250 },
        { "4.004,Some title, with a comma", 4004 },
        { "3,title \xc3\xa9\x01", 3000 },
        { ",", UINT32_MAX - 1 },
        { "", UINT32_MAX - 1 },
        { ".,", UINT32_MAX - 1 },
        { "-1,", UINT32_MAX - 1 },
        { "1e3,", UINT32_MAX - 1 },
        { "1.2.3,", UINT32_MAX - 1 },
        { " 2,", UINT32_MAX - 1 },
        { "2 ,", UINT32_MAX - 1 },
        { "0x10,", UINT32_MAX - 1 },
        { "\xd9\xa3,", UINT32_MAX - 1 },    /* ARABIC-INDIC DIGIT THREE */
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        n = (size_t) snprintf(line, sizeof(line),
                              "#EXTM3U\n#EXTINF:9,\n#EXTINF:%s\nx.ts\n",
                              tests[i].value);

        if (t_parse(line, n, &pl, &rec) != 0) {
            rec.ms[0] = 0;
        }

        if (tests[i].ms == UINT32_MAX - 1) {
            t_ok(rec.ms[0] == 9000, "EXTINF:%s is ignored", tests[i].value);

        } else {
            t_ok(t_is(rec.ms[0], tests[i].ms, tests[i].value),
                 "EXTINF:%s is %u ms", tests[i].value, tests[i].ms);
        }
    }
}


static void
t_huge(void)
{
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    t_ok(t_parse(T_LIT("#EXTM3U\n"
                       "#EXT-X-TARGETDURATION:99999999999999999999\n"),
                 &pl, &rec) == 0
         && t_is(pl.target_duration, UINT32_MAX, "target duration"),
         "target duration 99999999999999999999 saturates at 2^32-1");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-TARGETDURATION:4294967296\n"),
                 &pl, &rec) == 0 && pl.target_duration == UINT32_MAX,
         "target duration 2^32 saturates");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-TARGETDURATION:4294967295\n"),
                 &pl, &rec) == 0 && pl.target_duration == UINT32_MAX,
         "target duration 2^32-1 is exact");

    t_ok(t_parse(T_LIT("#EXTM3U\n"
                       "#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n"),
                 &pl, &rec) == 0 && pl.media_sequence == UINT64_MAX,
         "media sequence 2^64-1 is exact");

    t_ok(t_parse(T_LIT("#EXTM3U\n"
                       "#EXT-X-MEDIA-SEQUENCE:18446744073709551616\n"),
                 &pl, &rec) == 0 && pl.media_sequence == UINT64_MAX,
         "media sequence 2^64 saturates");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:"
                       "0000000000000000000000000000000000000000042\n"),
                 &pl, &rec) == 0 && pl.media_sequence == 42,
         "leading zeros do not saturate");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXTINF:99999999999999999999.999,\na.ts\n"
                       "#EXTINF:4294967.295,\nb.ts\n"
                       "#EXTINF:4294967.296,\nc.ts\n"), &pl, &rec) == 0
         && rec.ms[0] == UINT32_MAX && rec.ms[1] == UINT32_MAX
         && rec.ms[2] == UINT32_MAX,
         "huge EXTINF saturates at 2^32-1 ms");

    t_ok(t_is(pl.window_ms, 3 * (uint64_t) UINT32_MAX, "window"),
         "window of three saturated segments: 3 x (2^32-1) ms, no wrap");
}


static void
t_hostile(void)
{
    int              rc;
    size_t           i;
    uint32_t         x;
    unsigned char    junk[4096];
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    t_ok(t_parse(T_LIT("#EXTM3U\n\x01\x02junk\nseg.ts\n\tb.ts\nc.ts\x7f\n"
                       "  \n\x1b[31m\n"), &pl, &rec) == 0
         && pl.segments == 1 && strcmp(rec.uri[0], "seg.ts") == 0,
         "lines with control characters or only spaces are not URIs");

    t_ok(t_parse(T_LIT("#EXTM3U\n\xff\xfe\xc3\xa9.ts\n"), &pl, &rec) == 0
         && pl.segments == 1, "bytes >= 0x80 may be in a URI");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXTINF:2\0.5,\nse\0g.ts\nok.ts\n"),
                 &pl, &rec) == 0
         && pl.segments == 1 && strcmp(rec.uri[0], "ok.ts") == 0
         && rec.ms[0] == 0,
         "NUL inside: EXTINF value invalid, URI with NUL ignored");

    t_ok(t_parse(T_LIT("#EXTM3U\n#EXTINF:3,ti\0tle\nx.ts\n"), &pl, &rec) == 0
         && rec.ms[0] == 3000, "NUL inside a title is harmless");

    t_ok(t_parse(T_LIT("#EXTM3U\0\n#EXTINF:3,\nx.ts\n"), &pl, &rec) == -1,
         "NUL after #EXTM3U: not a playlist");

    /* a fixed pseudo-random block after a valid start */

    x = 2463534242u;
    memcpy(junk, "#EXTM3U\n", 8);

    for (i = 8; i < sizeof(junk); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        /* short lines, mostly printable, some binary */
        junk[i] = (unsigned char) (x % 7 == 0 ? '\n'
                                   : x % 5 == 0 ? x >> 24
                                   : 0x20 + (x >> 8) % 95);
    }

    rc = t_parse(junk, sizeof(junk), &pl, &rec);

    t_ok(rc == 0 && pl.segments > 0
         && pl.segments == rec.calls && pl.window_ms == rec.sum_ms
         && rec.outside == 0,
         "4 KB of binary junk: parses, %u URI-like lines agree with callbacks",
         pl.segments);
}


static void
t_not_playlists(void)
{
    size_t           i;
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    static const struct {
        const char  *data;
        size_t       len;
        const char  *what;
    } tests[] = {
        { "", 0, "empty input" },
        { "<html>\n#EXTM3U\n", 15, "HTML" },
        { "#EXTM3U8\n", 9, "#EXTM3U8" },
        { "#EXTM3", 6, "truncated #EXTM3" },
        { " #EXTM3U\n", 9, "leading space" },
        { "#EXTM3U \n", 9, "trailing space" },
        { "#extm3u\n", 8, "lower case #extm3u" },
        { "\n#EXTM3U\n", 9, "blank first line" },
        { "\xef\xbb\xbf#EXTM3U\n", 11, "UTF-8 BOM (RFC 8216 4.1)" },
        { "\0#EXTM3U\n", 9, "NUL first" },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        memset(&pl, 0xff, sizeof(vstream_m3u8_t));
        t_ok(t_parse(tests[i].data, tests[i].len, &pl, &rec) == -1
             && pl.segments == 0 && pl.target_duration == 0 && rec.calls == 0,
             "not a playlist: %s (-1, result cleared)", tests[i].what);
    }

    memset(&pl, 0xff, sizeof(vstream_m3u8_t));
    t_ok(t_parse(T_LIT("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
                       "#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=800000\n"
                       "cam1_low/index.m3u8\n"
                       "#EXT-X-STREAM-INF:PROGRAM-ID=1,BANDWIDTH=2000000\n"
                       "cam1_hi/index.m3u8\n"), &pl, &rec) == -1
         && rec.calls == 0 && pl.target_duration == 0,
         "master playlist (hls_variant): -1, no callback, result cleared");

    memset(&pl, 0xff, sizeof(vstream_m3u8_t));
    t_ok(vstream_m3u8_parse(NULL, 0, &pl, NULL, NULL) == -1
         && pl.segments == 0, "NULL buffer: -1");
}


static void
t_callback(void)
{
    static const char  s[] = "#EXTM3U\n#EXTINF:1,\n1.ts\n#EXTINF:2,\n2.ts\n"
                             "#EXTINF:3,\n3.ts\n#EXT-X-ENDLIST\n";
    vstream_m3u8_t      pl;
    t_rec_t             rec;

    t_ok(t_parse(s, sizeof(s) - 1, &pl, &rec) == 0 && rec.calls == 3
         && strcmp(rec.uri[0], "1.ts") == 0 && rec.ms[0] == 1000
         && strcmp(rec.uri[2], "3.ts") == 0 && rec.ms[2] == 3000
         && pl.endlist, "callback: every segment, in order, with its duration");

    t_stop_at = 2;

    t_ok(t_parse(s, sizeof(s) - 1, &pl, &rec) == 0 && rec.calls == 2
         && pl.segments == 2 && pl.window_ms == 3000
         && pl.last_segment_ms == 2000 && !pl.endlist,
         "callback stop on the 2nd: 2 segments, nothing after is read");

    t_stop_at = 1;

    t_ok(t_parse(s, sizeof(s) - 1, &pl, &rec) == 0 && rec.calls == 1
         && pl.segments == 1, "callback stop on the 1st");

    t_stop_at = 0;

    t_ok(vstream_m3u8_parse((const unsigned char *) s, sizeof(s) - 1, &pl,
                            NULL, NULL) == 0
         && pl.segments == 3 && pl.window_ms == 6000 && pl.endlist,
         "no callback: counts all the same");
}


/* 1 MB inputs: linear time, exact sums */

static void
t_big(void)
{
    size_t           n, i;
    clock_t          t0;
    double           s, worst;
    unsigned char   *buf;
    vstream_m3u8_t   pl;
    t_rec_t          rec;

    buf = malloc(T_MB);
    if (buf == NULL) {
        abort();
    }

    memcpy(buf, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n", 32);

    for (n = 32, i = 0; n + 32 <= T_MB; i++) {
        n += (size_t) sprintf((char *) buf + n, "#EXTINF:1.999,\n%07zu.ts\n",
                              i);
    }

    t0 = clock();
    t_ok(t_parse(buf, n, &pl, &rec) == 0 && pl.segments == i
         && rec.calls == i && t_is(pl.window_ms, 1999 * (uint64_t) i, "win"),
         "1 MB playlist: %zu segments, window %zu x 1999 ms", i, i);
    s = (double) (clock() - t0) / CLOCKS_PER_SEC;
    t_ok(s < T_SLOW_S, "1 MB playlist parsed in %.3f s (bound %.0f s)",
         s, T_SLOW_S);

    /* worst shapes: one huge line, all newlines, huge numbers, CRs */

    worst = 0;

    memset(buf + 8, 'a', T_MB - 8);
    t0 = clock();
    t_ok(t_parse(buf, T_MB, &pl, &rec) == 0 && pl.segments == 1
         && !vstream_name_is_safe(buf + 8, T_MB - 8),
         "1 MB single URI line: one segment, not a safe name");
    s = (double) (clock() - t0) / CLOCKS_PER_SEC;
    worst = s > worst ? s : worst;

    memset(buf + 8, '\n', T_MB - 8);
    t0 = clock();
    t_ok(t_parse(buf, T_MB, &pl, &rec) == 0 && pl.segments == 0,
         "1 MB of newlines: no segments");
    s = (double) (clock() - t0) / CLOCKS_PER_SEC;
    worst = s > worst ? s : worst;

    memcpy(buf + 8, "#EXTINF:", 8);
    memset(buf + 16, '9', T_MB - 16);
    t0 = clock();
    t_ok(t_parse(buf, T_MB, &pl, &rec) == 0 && pl.segments == 0,
         "1 MB EXTINF number: saturates, no segment");
    s = (double) (clock() - t0) / CLOCKS_PER_SEC;
    worst = s > worst ? s : worst;

    memset(buf + 8, '\r', T_MB - 8);
    t0 = clock();
    t_ok(t_parse(buf, T_MB, &pl, &rec) == 0 && pl.segments == 0,
         "1 MB of CRs: one junk line");
    s = (double) (clock() - t0) / CLOCKS_PER_SEC;
    worst = s > worst ? s : worst;

    t_ok(worst < T_SLOW_S, "worst 1 MB shape parsed in %.3f s", worst);

    free(buf);
}


static void
t_safe_name(void)
{
    size_t          i;
    unsigned char   name[257];

    static const struct {
        const char  *name;
        size_t       len;
        int          safe;
    } tests[] = {
        { "ok.ts", 5, 1 },
        { "cam1-17.ts", 10, 1 },
        { ".hidden", 7, 1 },
        { "a.b.c", 5, 1 },
        { "\xc3\xa9t\xc3\xa9", 5, 1 },
        { "", 0, 0 },
        { ".", 1, 0 },
        { "..", 2, 0 },
        { "...", 3, 0 },
        { "a..b", 4, 0 },
        { "a/b", 3, 0 },
        { "/", 1, 0 },
        { "a\\b", 3, 0 },
        { "a\x01", 2, 0 },
        { "a\x1f", 2, 0 },
        { "a\x7f", 2, 0 },
        { "a\nb", 3, 0 },
        { "a\0b", 3, 0 },
    };

    for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        t_ok(vstream_name_is_safe((const unsigned char *) tests[i].name,
                                    tests[i].len) == tests[i].safe,
             "safe_name(\"%.*s\", %zu) is %d",
             tests[i].safe ? (int) tests[i].len : 0, tests[i].name,
             tests[i].len, tests[i].safe);
    }

    memset(name, 'x', sizeof(name));
    t_ok(vstream_name_is_safe(name, 255), "safe_name: 255 bytes is safe");
    t_ok(!vstream_name_is_safe(name, 256), "safe_name: 256 bytes is not");
    t_ok(!vstream_name_is_safe(NULL, 3), "safe_name: NULL is not");
}


/* helpers */

static int
t_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    t_rec_t *rec = data;

    size_t  n;

    if (uri < rec->start || len > (size_t) (rec->end - uri)) {
        rec->outside++;
    }

    if (rec->calls < T_URIS) {
        n = len < T_URI_LEN - 1 ? len : T_URI_LEN - 1;
        memcpy(rec->uri[rec->calls], uri, n);
        rec->uri[rec->calls][n] = '\0';
        rec->ms[rec->calls] = duration_ms;
    }

    rec->sum_ms += duration_ms;
    rec->calls++;

    return rec->calls == rec->stop_at;
}


/* parse a copy of exactly len bytes */

static int
t_parse(const void *in, size_t len, vstream_m3u8_t *pl, t_rec_t *rec)
{
    int             rc;
    unsigned char  *buf;

    memset(rec, 0, sizeof(t_rec_t));
    rec->stop_at = t_stop_at;

    buf = malloc(len ? len : 1);
    if (buf == NULL) {
        abort();
    }

    if (len) {
        memcpy(buf, in, len);
    }

    rec->start = buf;
    rec->end = buf + len;

    rc = vstream_m3u8_parse(buf, len, pl, t_segment, rec);

    if (rec->outside) {
        printf("# %u URIs outside the input\n", rec->outside);
        rc = -2;
    }

    free(buf);

    return rc;
}



static int
t_is(uint64_t got, uint64_t want, const char *what)
{
    if (got != want) {
        printf("# %s: got %llu, want %llu\n", what, (unsigned long long) got,
               (unsigned long long) want);
    }

    return got == want;
}


static unsigned char *
t_read(const char *dir, const char *name, size_t *len)
{
    FILE           *f;
    char            path[1024];
    size_t          n;
    unsigned char  *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    buf = malloc(65536);
    if (buf == NULL) {
        abort();
    }

    n = 0;
    f = fopen(path, "rb");

    if (f == NULL) {
        printf("# cannot open %s\n", path);

    } else {
        n = fread(buf, 1, 65536, f);
        fclose(f);
    }

    *len = n;

    return buf;
}
