/*
 * An FLV file in memory; see flv.h.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flv.h"


#define FLV_TAG_AUDIO           8
#define FLV_TAG_VIDEO           9
#define FLV_TAG_SCRIPT          18
#define FLV_VIDEO_AVC           7
#define FLV_AUDIO_AAC           10

/* nginx-rtmp and ffmpeg send metadata as "@setDataFrame", "onMetaData", {} */
#define FLV_SET_DATA_FRAME      "\x02\x00\x0d@setDataFrame"


static int flv_read_file(flv_file_t *f, const char *path, char *err,
    size_t errlen);
static int flv_is_header(const unsigned char *data, uint8_t type,
    uint32_t size);


int
flv_load(flv_file_t *f, const char *path, char *err, size_t errlen)
{
    size_t          pos, next, ntags, size, prefix;
    uint8_t         type;
    uint32_t        ts, first_ts, last_video, prev_video, frame;
    flv_tag_t      *tag;
    unsigned char  *p, *meta;

    memset(f, 0, sizeof(flv_file_t));

    if (flv_read_file(f, path, err, errlen) != 0) {
        return -1;
    }

    p = f->buf;

    if (f->len < 13 || memcmp(p, "FLV", 3) != 0) {
        snprintf(err, errlen, "%s: not an FLV file", path);
        goto failed;
    }

    pos = (size_t) p[5] << 24 | p[6] << 16 | p[7] << 8 | p[8];
    pos += 4;

    /* first pass: count, to size the arrays */

    ntags = 0;

    for (size = pos; size + 11 <= f->len; ntags++) {
        size += 11 + ((size_t) p[size + 1] << 16 | p[size + 2] << 8
                      | p[size + 3]) + 4;
    }

    f->headers = calloc(ntags + 1, sizeof(flv_tag_t));
    f->media = calloc(ntags + 1, sizeof(flv_tag_t));

    if (f->headers == NULL || f->media == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    first_ts = UINT32_MAX;
    last_video = prev_video = 0;
    prefix = sizeof(FLV_SET_DATA_FRAME) - 1;

    while (pos + 11 <= f->len) {
        type = p[pos] & 0x1f;
        size = (size_t) p[pos + 1] << 16 | p[pos + 2] << 8 | p[pos + 3];
        ts = (uint32_t) p[pos + 4] << 16 | p[pos + 5] << 8 | p[pos + 6]
             | (uint32_t) p[pos + 7] << 24;

        if (pos + 11 + size > f->len) {
            break;                      /* a truncated last tag */
        }

        next = pos + 11 + size + 4;

        if (type != FLV_TAG_AUDIO && type != FLV_TAG_VIDEO
            && type != FLV_TAG_SCRIPT)
        {
            pos = next;
            continue;
        }

        if (flv_is_header(p + pos + 11, type, size)) {
            tag = &f->headers[f->nheaders++];
            tag->data = p + pos + 11;

            if (type == FLV_TAG_SCRIPT) {
                meta = malloc(prefix + size);
                if (meta == NULL) {
                    snprintf(err, errlen, "out of memory");
                    goto failed;
                }

                memcpy(meta, FLV_SET_DATA_FRAME, prefix);
                memcpy(meta + prefix, p + pos + 11, size);
                tag->data = meta;
                size += prefix;

            } else if (type == FLV_TAG_VIDEO) {
                f->has_avc_header = 1;

            } else {
                f->has_aac_header = 1;
            }

            tag->type = type;
            tag->timestamp = 0;
            tag->size = (uint32_t) size;

            pos = next;
            continue;
        }

        tag = &f->media[f->nmedia++];
        tag->type = type;
        tag->timestamp = ts;
        tag->data = p + pos + 11;
        tag->size = (uint32_t) size;

        if (ts < first_ts) {
            first_ts = ts;
        }

        if (type == FLV_TAG_VIDEO) {
            prev_video = last_video;
            last_video = ts;
            f->video_tags++;

        } else {
            f->audio_tags++;
        }

        f->media_bytes += size;
        pos = next;
    }

    if (f->nmedia == 0) {
        snprintf(err, errlen, "%s: no audio or video tags", path);
        goto failed;
    }

    for (pos = 0; pos < f->nmedia; pos++) {
        f->media[pos].timestamp -= first_ts;

        if (f->media[pos].timestamp > f->duration) {
            f->duration = f->media[pos].timestamp;
        }
    }

    frame = (last_video > prev_video) ? last_video - prev_video : 40;
    f->duration += frame;

    return 0;

failed:

    flv_free(f);
    return -1;
}


void
flv_free(flv_file_t *f)
{
    size_t  i;

    for (i = 0; f->headers && i < f->nheaders; i++) {
        if (f->headers[i].type == FLV_TAG_SCRIPT) {
            free((void *) f->headers[i].data);
        }
    }

    free(f->headers);
    free(f->media);
    free(f->buf);

    memset(f, 0, sizeof(flv_file_t));
}


static int
flv_read_file(flv_file_t *f, const char *path, char *err, size_t errlen)
{
    FILE  *fp;
    long   len;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    if (fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0
        || fseek(fp, 0, SEEK_SET) != 0)
    {
        snprintf(err, errlen, "%s: cannot size it", path);
        fclose(fp);
        return -1;
    }

    f->buf = malloc(len ? len : 1);
    if (f->buf == NULL) {
        snprintf(err, errlen, "out of memory");
        fclose(fp);
        return -1;
    }

    if (fread(f->buf, 1, len, fp) != (size_t) len) {
        snprintf(err, errlen, "%s: short read", path);
        fclose(fp);
        free(f->buf);
        f->buf = NULL;
        return -1;
    }

    fclose(fp);
    f->len = len;

    return 0;
}


static int
flv_is_header(const unsigned char *data, uint8_t type, uint32_t size)
{
    switch (type) {

    case FLV_TAG_SCRIPT:
        return 1;

    case FLV_TAG_VIDEO:
        return size >= 2 && (data[0] & 0x0f) == FLV_VIDEO_AVC && data[1] == 0;

    default:
        return size >= 2 && (data[0] >> 4) == FLV_AUDIO_AAC && data[1] == 0;
    }
}
