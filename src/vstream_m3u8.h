
/*
 * vstream: an HLS media playlist parser (RFC 8216) for packaging stats.
 * Pure C99 with no nginx dependency, no allocation, no locale: it is unit
 * tested and fuzzed on its own (t/unit/).
 */


#ifndef _VSTREAM_M3U8_H_INCLUDED_
#define _VSTREAM_M3U8_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


typedef struct {
    uint32_t  target_duration;   /* #EXT-X-TARGETDURATION (s); 0 = missing */
    uint64_t  media_sequence;    /* #EXT-X-MEDIA-SEQUENCE; 0 = missing */
    uint32_t  segments;          /* URI lines counted */
    uint64_t  window_ms;         /* sum of #EXTINF durations, ms */
    uint32_t  last_segment_ms;   /* #EXTINF of the last segment, ms */
    unsigned  endlist:1;         /* #EXT-X-ENDLIST seen: a finished one */
} vstream_m3u8_t;


/*
 * Called once per segment URI, in playlist order, with the duration of the
 * #EXTINF before it (0 if none); uri is NOT NUL-terminated and may hold any
 * byte but control characters.  Return non-zero to stop parsing: the
 * playlist then counts the segments up to and including this one.
 */
typedef int (*vstream_m3u8_segment_pt)(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);


/*
 * Parses buf[0 .. len - 1] (need not be NUL-terminated; never read past
 * buf + len) into *pl, which is always cleared first.  segment may be NULL.
 *
 * Returns 0 on a media playlist, -1 when the first line is not exactly
 * "#EXTM3U" or on a master playlist (#EXT-X-STREAM-INF; the callback may
 * then have seen URIs listed before that tag, none in a real one).
 * A UTF-8 byte order mark is not skipped: RFC 8216 4.1 forbids it and
 * tells clients to fail, so a playlist starting with one is -1.
 *
 * Lines end with "\n" or "\r\n"; the last may lack one.  Tags are matched
 * case-sensitively; numbers too big for a field saturate; decimals after
 * the third fractional digit are dropped.  Other tags, comments, blank
 * lines and lines with control characters are ignored.
 */
int vstream_m3u8_parse(const unsigned char *buf, size_t len, vstream_m3u8_t *pl,
    vstream_m3u8_segment_pt segment, void *data);


#endif /* _VSTREAM_M3U8_H_INCLUDED_ */
