/*
 * An FLV file in memory, split into the tags a publisher sends once at the
 * start (metadata, AVC and AAC sequence headers) and the media tags it
 * replays in a loop.
 */

#ifndef _FLV_H_INCLUDED_
#define _FLV_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


typedef struct {
    uint8_t             type;           /* 8 audio, 9 video, 18 script */
    uint32_t            timestamp;      /* ms, relative to the first tag */
    const unsigned char *data;
    uint32_t            size;
} flv_tag_t;


typedef struct {
    unsigned char      *buf;
    size_t              len;

    flv_tag_t          *headers;        /* sent once, at timestamp 0 */
    size_t              nheaders;
    flv_tag_t          *media;          /* replayed */
    size_t              nmedia;

    uint32_t            duration;       /* ms: the loop period */
    size_t              video_tags;     /* per loop */
    size_t              audio_tags;
    size_t              media_bytes;    /* tag payload bytes per loop */
    unsigned            has_avc_header:1;
    unsigned            has_aac_header:1;
} flv_file_t;


int flv_load(flv_file_t *f, const char *path, char *err, size_t errlen);
void flv_free(flv_file_t *f);


#endif /* _FLV_H_INCLUDED_ */
