
/*
 * vstream: libFuzzer target for the admin API's router of
 * src/vstream_text.c (deploy/fuzz.sh).  The first byte picks the method,
 * the rest is the path below the location.  The answer must be one of
 * the documented ones and agree with the rules read independently:
 * "status" and "metrics" take GET and HEAD; "streams/APP/NAME" (APP of 1
 * to 255 bytes, NAME a safe name) takes those and DELETE; a known path
 * with another method is 405 with its Allow; anything else is 404.  App
 * and name point into the input (an exact copy: ASan sees a byte past).
 */


#include <stdlib.h>
#include <string.h>

#include "vstream_text.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     get, known, stream;
    size_t                  len, i, slash, slashes, skip;
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

    fz_check(rt.status == 200 || rt.status == 404 || rt.status == 405);
    fz_check((rt.status == 200) == (rt.route != VSTREAM_ROUTE_NONE));
    fz_check((rt.status == 200) == (rt.message == NULL));
    fz_check((rt.status == 405) == (rt.allow != NULL));

    if (known) {
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

    } else if (rt.route != VSTREAM_ROUTE_NONE) {
        fz_check(rt.app_len == 0 && rt.name_len == 0);
    }

    free(path);

    return 0;
}
