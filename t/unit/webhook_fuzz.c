
/*
 * vstream: libFuzzer target for the webhook body (deploy/fuzz.sh).  It
 * builds the body with the same Jansson calls, in the same order, as
 * ngx_vstream_webhook_body() in src/ngx_vstream_webhook.c, from hostile
 * app, name and address bytes (the first two input bytes split the rest),
 * and checks that the dumped body always parses back as a JSON object,
 * with the app and the name as strings exactly when they are valid UTF-8
 * (else null), the address likewise (json_stringn() gives NULL for it and
 * json_object_set_new() then leaves the key out), and the other fields
 * as they were set.
 */


#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text_ref.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fz_field(json_t *doc, const char *key, const uint8_t *p,
    size_t len, int null_if_bad);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


static void
fz_field(json_t *doc, const char *key, const uint8_t *p, size_t len,
    int null_if_bad)
{
    json_t  *v;

    v = json_object_get(doc, key);

    if (ref_utf8_valid(p, len)) {
        fz_check(json_is_string(v) && json_string_length(v) == len
                 && memcmp(json_string_value(v), p, len) == 0);

    } else if (null_if_bad) {
        fz_check(json_is_null(v));

    } else {
        fz_check(v == NULL);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             denied;
    char           *body;
    json_t         *obj, *s, *doc;
    size_t          alen, nlen, rlen;
    json_error_t    err;
    const uint8_t  *app, *name, *addr;

    if (size < 2) {
        return 0;
    }

    denied = data[0] & 1;
    alen = (data[0] >> 1) % 32;
    nlen = data[1];
    data += 2;
    size -= 2;

    alen = alen < size ? alen : size;
    nlen = nlen < size - alen ? nlen : size - alen;
    rlen = size - alen - nlen;

    app = data;
    name = data + alen;
    addr = name + nlen;

    obj = json_object();
    fz_check(obj != NULL);

    /* as ngx_vstream_webhook_event() does */
    json_object_set_new(obj, "event",
                        json_string(denied ? "publish_denied" : "publish"));
    s = json_stringn((char *) app, alen);
    json_object_set_new(obj, "app", s ? s : json_null());

    s = json_stringn((char *) name, nlen);
    json_object_set_new(obj, "stream", s ? s : json_null());

    json_object_set_new(obj, "addr", json_stringn((char *) addr, rlen));
    json_object_set_new(obj, "at", json_string("2026-01-01T00:00:00Z"));
    json_object_set_new(obj, "worker_pid", json_integer(4242));

    if (denied) {
        json_object_set_new(obj, "reason", json_stringn("bad_name", 8));
        json_object_set_new(obj, "count", json_integer(7));
    }

    body = json_dumps(obj, JSON_COMPACT|JSON_SORT_KEYS);
    json_decref(obj);
    fz_check(body != NULL);

    /* the body is valid UTF-8 JSON that reads back to what was set */
    fz_check(ref_utf8_valid((const unsigned char *) body, strlen(body)));

    /* \\u0000 is valid JSON; Jansson wants to be told it may decode it */
    doc = json_loads(body, JSON_ALLOW_NUL, &err);
    fz_check(doc != NULL && json_is_object(doc));

    fz_field(doc, "app", app, alen, 1);
    fz_field(doc, "stream", name, nlen, 1);
    fz_field(doc, "addr", addr, rlen, 0);
    fz_check(json_integer_value(json_object_get(doc, "worker_pid")) == 4242);
    fz_check(strcmp(json_string_value(json_object_get(doc, "event")),
                    denied ? "publish_denied" : "publish") == 0);
    fz_check(denied == (json_object_get(doc, "reason") != NULL));
    fz_check(!denied
             || json_integer_value(json_object_get(doc, "count")) == 7);

    json_decref(doc);
    free(body);

    return 0;
}
