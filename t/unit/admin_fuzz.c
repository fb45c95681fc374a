
/*
 * vstream: libFuzzer target for the admin API's router of
 * src/vstream_text.c (deploy/fuzz.sh).  The first byte picks the method,
 * the rest is the path below the location.  The answer must be one of
 * the documented ones and agree with the rules read independently:
 * "status" and "metrics" take GET and HEAD; "streams/APP/NAME" (APP of 1
 * to 255 bytes, NAME a safe name) takes those and DELETE; a known path
 * with another method is 405 with its Allow; anything else is 404.
 * "recordings" and "recordings/APP/NAME" take GET and HEAD,
 * "recordings/APP/NAME/ID" DELETE; below "recordings/" an APP or NAME that
 * is not a safe name, or an ID not of YYYYMMDDTHHMMSSZ[-N], is 400.  App,
 * name and ID point into the input (an exact copy: ASan sees a byte past).
 */


#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


/* a recording's ID, read from its pattern */

static int
fz_id(const unsigned char *id, size_t len)
{
    size_t             i;
    static const char  pat[] = "DDDDDDDDTDDDDDDZ-DD";

    if (len != 16 && len != 18 && len != 19) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (pat[i] == 'D' ? (id[i] < '0' || id[i] > '9') : id[i] != pat[i]) {
            return 0;
        }
    }

    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     get, known, stream, rec, bad;
    size_t                  len, i, slash, slashes, skip, parts, start;
    size_t                  part[3], plen[3];
    unsigned char          *path;
    const unsigned char    *p;
    vstream_method_e        m;
    vstream_admin_route_t   rt;

    if (size == 0) {
        return 0;
    }

    m = (vstream_method_e) (data[0] % 5);
    path = malloc(size - 1 ? size - 1 : 1);
    fz_check(path != NULL);
    memcpy(path, data + 1, size - 1);
    len = size - 1;

    vstream_admin_route(path, len, m, &rt);

    /* the reference */
    p = path;

    while (p < path + len && *p == '/') {
        p++;
    }

    len -= p - path;
    get = (m == VSTREAM_METHOD_GET || m == VSTREAM_METHOD_HEAD);

    known = (len == 6 && memcmp(p, "status", 6) == 0)
            || (len == 7 && memcmp(p, "metrics", 7) == 0)
            || (len == 4 && memcmp(p, "bans", 4) == 0);
    stream = 0;
    slash = 0;
    skip = (len > 5 && memcmp(p, "bans/", 5) == 0) ? 5 : 8;

    if (len > skip && memcmp(p, skip == 5 ? "bans/" : "streams/", skip) == 0)
    {
        for (i = skip, slashes = 0; i < len; i++) {
            if (p[i] == '/') {
                slashes++;
                slash = i;
            }
        }

        stream = (slashes == 1 && slash > skip && slash < len - 1
                  && slash - skip <= 255
                  && vstream_name_is_safe(p + slash + 1, len - slash - 1));
    }

    /* recordings[/APP/NAME[/ID]]: the parts after "recordings/" */
    rec = (len >= 10 && memcmp(p, "recordings", 10) == 0
           && (len == 10 || p[10] == '/'));
    parts = 0;
    bad = 0;

    for (i = 11, start = 11; rec && i <= len; i++) {
        if (i == len || p[i] == '/') {
            if (parts < 3) {
                part[parts] = start;
                plen[parts] = i - start;
            }

            parts++;
            start = i + 1;
        }
    }

    if (rec && (parts == 2 || parts == 3)) {
        bad = !vstream_name_is_safe(p + part[0], plen[0])
              || !vstream_name_is_safe(p + part[1], plen[1])
              || (parts == 3 && !fz_id(p + part[2], plen[2]));
    }

    fz_check(rt.status == 200 || rt.status == 400 || rt.status == 404
             || rt.status == 405);
    fz_check((rt.status == 200) == (rt.route != VSTREAM_ROUTE_NONE));
    fz_check((rt.status == 200) == (rt.message == NULL));
    fz_check((rt.status == 405) == (rt.allow != NULL));

    if (rec && (parts == 1 || parts > 3)) {
        fz_check(rt.status == 404);

    } else if (rec && bad) {
        fz_check(rt.status == 400 && rt.route == VSTREAM_ROUTE_NONE);

    } else if (rec && parts == 3) {
        fz_check(m == VSTREAM_METHOD_DELETE
                 ? rt.route == VSTREAM_ROUTE_RECORDING_DELETE
                 : rt.status == 405 && strcmp(rt.allow, "DELETE") == 0);

    } else if (rec) {
        fz_check(get ? rt.route == VSTREAM_ROUTE_RECORDINGS
                     : rt.status == 405
                       && strcmp(rt.allow, "GET, HEAD") == 0);

    } else if (known) {
        fz_check(get ? rt.route == (len == 6 ? VSTREAM_ROUTE_STATUS
                                    : len == 7 ? VSTREAM_ROUTE_METRICS
                                    : VSTREAM_ROUTE_BANS)
                     : rt.status == 405
                       && strcmp(rt.allow, "GET, HEAD") == 0);

    } else if (stream && skip == 5) {
        if (m == VSTREAM_METHOD_PUT) {
            fz_check(rt.route == VSTREAM_ROUTE_BAN);

        } else if (m == VSTREAM_METHOD_DELETE) {
            fz_check(rt.route == VSTREAM_ROUTE_UNBAN);

        } else {
            fz_check(rt.status == 405 && strcmp(rt.allow, "PUT, DELETE") == 0);
        }

    } else if (stream) {
        if (get) {
            fz_check(rt.route == VSTREAM_ROUTE_STREAM);

        } else if (m == VSTREAM_METHOD_DELETE) {
            fz_check(rt.route == VSTREAM_ROUTE_DROP);

        } else {
            fz_check(rt.status == 405
                     && strcmp(rt.allow, "GET, HEAD, DELETE") == 0);
        }

    } else {
        fz_check(rt.status == 404);
    }

    if (rt.route == VSTREAM_ROUTE_STREAM || rt.route == VSTREAM_ROUTE_DROP
        || rt.route == VSTREAM_ROUTE_BAN || rt.route == VSTREAM_ROUTE_UNBAN)
    {
        fz_check(rt.app == p + skip && rt.app_len == slash - skip);
        fz_check(rt.name == p + slash + 1 && rt.name_len == len - slash - 1);
        fz_check(rt.name + rt.name_len == path + size - 1);

    } else if (rt.route == VSTREAM_ROUTE_RECORDINGS && parts == 2) {
        fz_check(rt.app == p + part[0] && rt.app_len == plen[0]);
        fz_check(rt.name == p + part[1] && rt.name_len == plen[1]);
        fz_check(rt.id_len == 0);
        fz_check(rt.name + rt.name_len == path + size - 1);

    } else if (rt.route == VSTREAM_ROUTE_RECORDING_DELETE) {
        fz_check(rt.app == p + part[0] && rt.app_len == plen[0]);
        fz_check(rt.name == p + part[1] && rt.name_len == plen[1]);
        fz_check(rt.id == p + part[2] && rt.id_len == plen[2]);
        fz_check(rt.id + rt.id_len == path + size - 1);

    } else if (rt.route != VSTREAM_ROUTE_NONE) {
        fz_check(rt.app_len == 0 && rt.name_len == 0 && rt.id_len == 0);
    }

    free(path);

    return 0;
}
