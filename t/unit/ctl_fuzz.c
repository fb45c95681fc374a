
/*
 * vstream: libFuzzer target for vstreamctl's reading of /vstream/status
 * (vstreamctl_status_show() in vstreamctl/vstreamctl_status.c;
 * deploy/fuzz.sh).  Any bytes as the server's answer, shown as a table or
 * passed through (--json) as the first byte says.  Beyond the sanitizers:
 * it returns OK exactly for a JSON object whose "streams" is absent, null
 * or an array; --json prints the body unchanged; and the table is valid
 * UTF-8 holding no control character (C0, DEL, C1) but newlines: what a
 * server puts in names never reaches the terminal as escapes.  Messages
 * go to stderr, which deploy/fuzz.sh closes (-close_fd_mask=2).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstreamctl.h"
#include "text_ref.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                rc, raw, want;
    char              *out;
    FILE              *mem, *saved;
    size_t             len, i;
    json_t            *doc, *streams;
    vstreamctl_buf_t   body;

    if (size == 0) {
        return 0;
    }

    raw = data[0] & 1;
    data++;
    size--;

    body.data = malloc(size ? size : 1);
    fz_check(body.data != NULL);
    memcpy(body.data, data, size);
    body.len = size;

    doc = json_loadb(body.data, size, 0, NULL);
    streams = doc ? json_object_get(doc, "streams") : NULL;
    want = doc && json_is_object(doc)
           && (streams == NULL || json_is_null(streams)
               || json_is_array(streams));
    json_decref(doc);

    out = NULL;
    len = 0;
    mem = open_memstream(&out, &len);
    fz_check(mem != NULL);

    saved = stdout;
    stdout = mem;
    rc = vstreamctl_status_show("http://127.0.0.1/vstream/status", &body,
                                raw);
    stdout = saved;
    fclose(mem);

    fz_check(rc == (want ? VSTREAMCTL_OK : VSTREAMCTL_FAIL));

    if (rc == VSTREAMCTL_OK && raw) {
        fz_check(len >= size && memcmp(out, data, size) == 0);
        fz_check(len == size || (len == size + 1 && out[size] == '\n'));

    } else if (rc == VSTREAMCTL_OK) {
        fz_check(ref_utf8_valid((unsigned char *) out, len));

        for (i = 0; i < len; i++) {
            fz_check(out[i] == '\n'
                     || ((unsigned char) out[i] >= 0x20
                         && (unsigned char) out[i] != 0x7f));
            fz_check(!((unsigned char) out[i] == 0xc2 && i + 1 < len
                       && (unsigned char) out[i + 1] >= 0x80
                       && (unsigned char) out[i + 1] <= 0x9f));
        }

    } else {
        fz_check(len == 0);
    }

    free(out);
    free(body.data);

    return 0;
}
