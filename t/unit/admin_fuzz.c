
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
    size_t                  len, i, slash, slashes;
    unsigned char          *path;
    const unsigned char    *p;
    vstream_method_e        m;
    vstream_admin_route_t   rt;

    if (size == 0) {
        return 0;
    }

    m = (vstream_method_e) (data[0] % 4);
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
            || (len == 7 && memcmp(p, "metrics", 7) == 0);
    stream = 0;
    slash = 0;

    if (len > 8 && memcmp(p, "streams/", 8) == 0) {
        for (i = 8, slashes = 0; i < len; i++) {
            if (p[i] == '/') {
                slashes++;
                slash = i;
            }
        }

        stream = (slashes == 1 && slash > 8 && slash < len - 1
                  && slash - 8 <= 255
                  && vstream_name_is_safe(p + slash + 1, len - slash - 1));
    }

    fz_check(rt.status == 200 || rt.status == 404 || rt.status == 405);
    fz_check((rt.status == 200) == (rt.route != VSTREAM_ROUTE_NONE));
    fz_check((rt.status == 200) == (rt.message == NULL));
    fz_check((rt.status == 405) == (rt.allow != NULL));

    if (known) {
        fz_check(get ? rt.route == (len == 6 ? VSTREAM_ROUTE_STATUS
                                             : VSTREAM_ROUTE_METRICS)
                     : rt.status == 405
                       && strcmp(rt.allow, "GET, HEAD") == 0);

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

    if (rt.route == VSTREAM_ROUTE_STREAM || rt.route == VSTREAM_ROUTE_DROP) {
        fz_check(rt.app == p + 8 && rt.app_len == slash - 8);
        fz_check(rt.name == p + slash + 1 && rt.name_len == len - slash - 1);
        fz_check(rt.name + rt.name_len == path + size - 1);

    } else if (rt.route != VSTREAM_ROUTE_NONE) {
        fz_check(rt.app_len == 0 && rt.name_len == 0);
    }

    free(path);

    return 0;
}
