
/*
 * vstream: HLS packaging stats read from the real playlists that
 * nginx-rtmp's HLS writer keeps under vstream_hls_path: NAME.m3u8, or
 * NAME/index.m3u8 with hls_nested.  A playlist is parsed again only when
 * its mtime or size changed; each worker keeps the parsed result, and the
 * segment sizes (stat() of the listed files) that give the bitrate.  Only
 * names that are safe path components are ever joined to the directory.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "vstream_m3u8.h"


#define NGX_VSTREAM_HLS_MAX_PLAYLIST  (1024 * 1024)
#define NGX_VSTREAM_HLS_CACHE_IDLE    60


typedef struct {
    ngx_str_node_t             sn;        /* key: the playlist's path */
    ngx_queue_t                queue;     /* least recently used first */
    time_t                     used;
    time_t                     mtime;
    ngx_msec_t                 mtime_ms;
    off_t                      size;
    vstream_m3u8_t             pl;
    uint64_t                   bytes;     /* of the listed segments */
    ngx_uint_t                 nested;
    ngx_uint_t                 bad;       /* this version would not parse */
} ngx_vstream_hls_entry_t;


typedef struct {
    ngx_str_t                 *dir;
    u_char                    *buf;       /* dir + "/" + uri */
    size_t                     cap;
    uint64_t                   bytes;
    ngx_log_t                 *log;
} ngx_vstream_hls_walk_t;


static ngx_vstream_hls_path_t *ngx_vstream_hls_path(ngx_cycle_t *cycle,
    ngx_vstream_stream_t *st);
static ngx_vstream_hls_entry_t *ngx_vstream_hls_entry(ngx_str_t *path,
    ngx_file_info_t *fi, ngx_str_t *dir, ngx_uint_t nested, ngx_log_t *log);
static ngx_int_t ngx_vstream_hls_read(ngx_vstream_hls_entry_t *e,
    ngx_str_t *path, ngx_str_t *dir, ngx_log_t *log);
static int ngx_vstream_hls_segment(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static void ngx_vstream_hls_expire(time_t now);


static ngx_rbtree_t        ngx_vstream_hls_tree;
static ngx_rbtree_node_t   ngx_vstream_hls_sentinel;
static ngx_queue_t         ngx_vstream_hls_lru;
static ngx_uint_t          ngx_vstream_hls_ready;


ngx_int_t
ngx_vstream_hls_stats(ngx_cycle_t *cycle, ngx_pool_t *pool,
    ngx_vstream_stream_t *st, ngx_vstream_hls_stats_t *hls)
{
    u_char                   *p;
    size_t                    len;
    uint64_t                  now_ms, mtime_ms;
    ngx_str_t                 path, dir, name;
    ngx_uint_t                nested;
    ngx_file_info_t           fi;
    ngx_vstream_hls_path_t   *hp;
    ngx_vstream_hls_entry_t  *e;

    ngx_memzero(hls, sizeof(ngx_vstream_hls_stats_t));

    if (!ngx_vstream_hls_ready) {
        ngx_rbtree_init(&ngx_vstream_hls_tree, &ngx_vstream_hls_sentinel,
                        ngx_str_rbtree_insert_value);
        ngx_queue_init(&ngx_vstream_hls_lru);
        ngx_vstream_hls_ready = 1;
    }

    ngx_vstream_hls_expire(ngx_time());

    hp = ngx_vstream_hls_path(cycle, st);
    if (hp == NULL) {
        return NGX_DECLINED;
    }

    name.data = ngx_vstream_stream_name(st);
    name.len = st->name_len;

    if (!vstream_m3u8_safe_name(name.data, name.len)) {
        return NGX_DECLINED;
    }

    /* PATH/NAME.m3u8, else PATH/NAME/index.m3u8 */

    len = hp->path.len + 1 + name.len + sizeof("/index.m3u8");

    path.data = ngx_pnalloc(pool, len);
    if (path.data == NULL) {
        return NGX_ERROR;
    }

    nested = 0;

    p = ngx_sprintf(path.data, "%V/%V.m3u8%Z", &hp->path, &name);

    if (ngx_file_info(path.data, &fi) == NGX_FILE_ERROR) {
        nested = 1;
        p = ngx_sprintf(path.data, "%V/%V/index.m3u8%Z", &hp->path, &name);

        if (ngx_file_info(path.data, &fi) == NGX_FILE_ERROR) {
            return NGX_DECLINED;
        }
    }

    path.len = p - 1 - path.data;

    if (!ngx_is_file(&fi)) {
        return NGX_DECLINED;
    }

    dir.data = path.data;
    dir.len = nested ? hp->path.len + 1 + name.len : hp->path.len;

    e = ngx_vstream_hls_entry(&path, &fi, &dir, nested, cycle->log);
    if (e == NULL) {
        return NGX_DECLINED;
    }

    hls->playlist.len = path.len - hp->path.len - 1;
    hls->playlist.data = path.data + hp->path.len + 1;

    hls->target_duration = e->pl.target_duration;
    hls->media_sequence = e->pl.media_sequence;
    hls->segments = e->pl.segments;
    hls->window_ms = e->pl.window_ms;
    hls->last_segment_ms = e->pl.last_segment_ms;
    hls->bitrate_bps = e->pl.window_ms
                       ? e->bytes * 8 * 1000 / e->pl.window_ms : 0;

    now_ms = ngx_vstream_unix_ms();
    mtime_ms = (uint64_t) e->mtime * 1000 + e->mtime_ms;
    hls->age_ms = now_ms > mtime_ms ? now_ms - mtime_ms : 0;

    hls->healthy = e->pl.target_duration
                   && hls->age_ms <= 2000 * (uint64_t) e->pl.target_duration;
    hls->present = 1;

    return NGX_OK;
}


static ngx_vstream_hls_path_t *
ngx_vstream_hls_path(ngx_cycle_t *cycle, ngx_vstream_stream_t *st)
{
    ngx_uint_t                i;
    ngx_vstream_hls_path_t   *hp;
    ngx_vstream_main_conf_t  *vmcf;

    vmcf = ngx_vstream_main_conf(cycle);
    hp = vmcf->hls_paths.elts;

    for (i = 0; i < vmcf->hls_paths.nelts; i++) {
        if (hp[i].app.len == st->app_len
            && ngx_memcmp(hp[i].app.data, ngx_vstream_stream_app(st),
                          st->app_len) == 0)
        {
            return &hp[i];
        }
    }

    return NULL;
}


static ngx_vstream_hls_entry_t *
ngx_vstream_hls_entry(ngx_str_t *path, ngx_file_info_t *fi, ngx_str_t *dir,
    ngx_uint_t nested, ngx_log_t *log)
{
    uint32_t                  hash;
    ngx_msec_t                mtime_ms;
    ngx_vstream_shm_t        *shm;
    ngx_vstream_hls_entry_t  *e;

    hash = ngx_crc32_long(path->data, path->len);
    mtime_ms = fi->st_mtim.tv_nsec / 1000000;

    e = (ngx_vstream_hls_entry_t *)
            ngx_str_rbtree_lookup(&ngx_vstream_hls_tree, path, hash);

    if (e == NULL) {
        e = ngx_alloc(sizeof(ngx_vstream_hls_entry_t) + path->len, log);
        if (e == NULL) {
            return NULL;
        }

        ngx_memzero(e, sizeof(ngx_vstream_hls_entry_t));

        e->sn.node.key = hash;
        e->sn.str.data = (u_char *) e + sizeof(ngx_vstream_hls_entry_t);
        e->sn.str.len = path->len;
        ngx_memcpy(e->sn.str.data, path->data, path->len);
        e->mtime = -1;

        ngx_rbtree_insert(&ngx_vstream_hls_tree, &e->sn.node);

    } else {
        ngx_queue_remove(&e->queue);
    }

    ngx_queue_insert_tail(&ngx_vstream_hls_lru, &e->queue);
    e->used = ngx_time();

    if (e->mtime != ngx_file_mtime(fi) || e->mtime_ms != mtime_ms
        || e->size != ngx_file_size(fi) || e->nested != nested)
    {
        e->mtime = ngx_file_mtime(fi);
        e->mtime_ms = mtime_ms;
        e->size = ngx_file_size(fi);
        e->nested = nested;
        e->bad = 0;

        if (ngx_vstream_hls_read(e, path, dir, log) != NGX_OK) {
            /* counted once per version of the file */
            e->bad = 1;

            shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
            if (shm) {
                ngx_vstream_shm_count(shm, &shm->sh->t.hls_errors, 1);
            }
        }
    }

    return e->bad ? NULL : e;
}


static ngx_int_t
ngx_vstream_hls_read(ngx_vstream_hls_entry_t *e, ngx_str_t *path,
    ngx_str_t *dir, ngx_log_t *log)
{
    u_char                  *buf;
    size_t                   size;
    ssize_t                  n;
    ngx_fd_t                 fd;
    ngx_int_t                rc;
    ngx_vstream_hls_walk_t   walk;

    size = ngx_min(e->size, NGX_VSTREAM_HLS_MAX_PLAYLIST);

    buf = ngx_alloc(size + dir->len + 2 + NGX_VSTREAM_NAME_MAX + 1, log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        /* replaced between stat() and open(): try on the next request */
        goto done;
    }

    n = ngx_read_fd(fd, buf, size);
    ngx_close_file(fd);

    if (n < 0) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "vstream: cannot read playlist \"%V\"", path);
        goto done;
    }

    walk.dir = dir;
    walk.buf = buf + size;
    walk.cap = dir->len + 2 + NGX_VSTREAM_NAME_MAX + 1;
    walk.bytes = 0;
    walk.log = log;

    if (vstream_m3u8_parse(buf, (size_t) n, &e->pl, ngx_vstream_hls_segment,
                           &walk)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "vstream: \"%V\" is not an HLS media playlist", path);
        goto done;
    }

    e->bytes = walk.bytes;
    rc = NGX_OK;

done:

    ngx_free(buf);

    return rc;
}


/* a listed segment: its size, when its name is a plain file name */

static int
ngx_vstream_hls_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_hls_walk_t *walk = data;

    u_char           *p;
    ngx_file_info_t   fi;

    if (!vstream_m3u8_safe_name(uri, len) || len > NGX_VSTREAM_NAME_MAX) {
        return 0;
    }

    p = ngx_cpymem(walk->buf, walk->dir->data, walk->dir->len);
    *p++ = '/';
    p = ngx_cpymem(p, uri, len);
    *p = '\0';

    if (ngx_file_info(walk->buf, &fi) != NGX_FILE_ERROR && ngx_is_file(&fi)) {
        walk->bytes += ngx_file_size(&fi);
    }

    return 0;
}


/* bounded: at most a few entries per call, the least recently used */

static void
ngx_vstream_hls_expire(time_t now)
{
    ngx_uint_t                n;
    ngx_queue_t              *q;
    ngx_vstream_hls_entry_t  *e;

    for (n = 0; n < 8 && !ngx_queue_empty(&ngx_vstream_hls_lru); n++) {
        q = ngx_queue_head(&ngx_vstream_hls_lru);
        e = ngx_queue_data(q, ngx_vstream_hls_entry_t, queue);

        if (now - e->used < NGX_VSTREAM_HLS_CACHE_IDLE) {
            return;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&ngx_vstream_hls_tree, &e->sn.node);
        ngx_free(e);
    }
}
