
/*
 * vstream: libFuzzer target for the HLS playlist parser (deploy/fuzz.sh).
 * Beyond the sanitizers it checks what the nginx module relies on: the
 * callback sees exactly the counted segments, each URI inside the input and
 * free of control characters, durations adding up to the window, and
 * vstream_name_is_safe() agreeing with an independent reading of its rule.
 */


#include <stdlib.h>
#include <string.h>
#include "vstream_m3u8.h"
#include "vstream_text.h"
#include "text_ref.h"


typedef struct {
    const uint8_t  *start;
    const uint8_t  *end;
    uint32_t        calls;
    uint32_t        stop_at;        /* 0: never */
    uint32_t        last_ms;
    uint64_t        sum_ms;
} fz_state_t;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static int fz_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms);
static void fz_safe_name(const unsigned char *name, size_t len);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             rc;
    vstream_m3u8_t  pl, all;
    fz_state_t      st;

    memset(&st, 0, sizeof(fz_state_t));
    st.start = data;
    st.end = data + size;
    st.stop_at = (uint32_t) (size % 8);

    rc = vstream_m3u8_parse(data, size, &pl, fz_segment, &st);

    fz_check(rc == 0 || rc == -1);

    if (rc == -1) {
        /* a master playlist tag may come after URIs; the first line not */
        fz_check(st.calls == 0 || memcmp(data, "#EXTM3U", 7) == 0);
        fz_check(pl.segments == 0 && pl.window_ms == 0
                 && pl.target_duration == 0 && pl.media_sequence == 0
                 && pl.last_segment_ms == 0 && !pl.endlist);

    } else {
        fz_check(size >= 7 && memcmp(data, "#EXTM3U", 7) == 0);
        fz_check(pl.segments == st.calls);
        fz_check(pl.window_ms == st.sum_ms);

        if (pl.segments > 0) {
            fz_check(pl.last_segment_ms == st.last_ms);
            fz_check(pl.last_segment_ms <= pl.window_ms);

        } else {
            fz_check(pl.window_ms == 0 && pl.last_segment_ms == 0);
        }

        if (st.stop_at == 0 || pl.segments < st.stop_at) {
            fz_check(vstream_m3u8_parse(data, size, &all, NULL, NULL) == 0);
            fz_check(all.segments == pl.segments
                     && all.window_ms == pl.window_ms
                     && all.target_duration == pl.target_duration
                     && all.media_sequence == pl.media_sequence
                     && all.endlist == pl.endlist);
        }
    }

    fz_safe_name(data, size);

    return 0;
}


static int
fz_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    fz_state_t *st = data;

    size_t  i;

    fz_check(uri >= st->start && len > 0 && len <= (size_t) (st->end - uri));
    fz_check(uri[0] != '#');

    for (i = 0; i < len; i++) {
        fz_check(uri[i] >= 0x20 && uri[i] != 0x7f);
    }

    fz_safe_name(uri, len);

    st->calls++;
    st->sum_ms += duration_ms;
    st->last_ms = duration_ms;

    return st->calls == st->stop_at;
}


/* the rule again, written the slow way */

static void
fz_safe_name(const unsigned char *name, size_t len)
{
    int     safe;
    size_t  i;

    safe = (len > 0 && len <= 255 && !(len == 1 && name[0] == '.'));

    for (i = 0; safe && i < len; i++) {
        if (name[i] < 0x20 || name[i] == 0x7f || name[i] == '/'
            || name[i] == '\\')
        {
            safe = 0;
        }

        if (i > 0 && name[i - 1] == '.' && name[i] == '.') {
            safe = 0;
        }
    }

    /* and strict UTF-8, by the reference decoder (t/unit/text_ref.h) */
    safe = safe && ref_utf8_valid(name, len);

    fz_check(vstream_name_is_safe(name, len) == safe);
}
