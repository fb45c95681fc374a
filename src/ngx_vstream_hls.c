/*
 * vstream: HLS packaging stats read from the real playlists that
 * nginx-rtmp's HLS writer keeps under vstream_hls_path: NAME.m3u8, or
 * NAME/index.m3u8 with hls_nested.  A playlist is parsed again only when
 * it changed (inode, mtime or size); each worker keeps the parsed result
 * and the sizes of the last segments listed, which give the bitrate.
 *
 * Nothing outside the directory is read or reported on: only names that
 * are safe path components are looked up, one component at a time below
 * the directory's descriptor and never through a symbolic link, and only
 * a regular file (a directory for NAME/) is opened or sized.  Whatever is
 * refused is counted and logged once per version of it and worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "vstream_m3u8.h"


#define NGX_VSTREAM_HLS_MAX_PLAYLIST  (1024 * 1024)
#define NGX_VSTREAM_HLS_CACHE_IDLE    60

/*
 * The bitrate is the size of the last 8 segments over their duration:
 * 8 stat() calls on each change of a playlist, however long it is (a
 * 1 MiB playlist of short lines lists 500000).  8 covers nginx-rtmp's
 * default window, hls_playlist_length 30s of 5s fragments.
 */
#define NGX_VSTREAM_HLS_SIZED         8

#define NGX_VSTREAM_HLS_NEW           0
#define NGX_VSTREAM_HLS_OK            1
#define NGX_VSTREAM_HLS_BAD           2   /* would not read or parse */
#define NGX_VSTREAM_HLS_REFUSED       3   /* a link, or not a regular file */


typedef struct {
    ngx_str_node_t             sn;        /* key: PATH/NAME */
    ngx_queue_t                queue;     /* least recently used first */
    time_t                     used;

    /* the version of the file last looked at */
    dev_t                      dev;
    ino_t                      ino;
    time_t                     mtime;
    ngx_msec_t                 mtime_ms;
    off_t                      size;
    ngx_uint_t                 nested;
    ngx_uint_t                 state;

    vstream_m3u8_t             pl;
    uint64_t                   bytes;     /* of the last segments sized */
    uint64_t                   sized_ms;  /* their duration */
    ngx_uint_t                 refused;   /* of them, refused */
} ngx_vstream_hls_entry_t;


typedef struct {
    const u_char              *uri;
    size_t                     len;
    uint32_t                   duration_ms;
} ngx_vstream_hls_seg_t;


/* the last NGX_VSTREAM_HLS_SIZED segments listed, a ring */
typedef struct {
    ngx_vstream_hls_seg_t      last[NGX_VSTREAM_HLS_SIZED];
    ngx_uint_t                 n;
} ngx_vstream_hls_walk_t;


static ngx_vstream_hls_path_t *ngx_vstream_hls_path(ngx_cycle_t *cycle,
    ngx_vstream_stream_t *st);
static ngx_vstream_hls_entry_t *ngx_vstream_hls_entry(ngx_str_t *key,
    ngx_log_t *log);
static ngx_int_t ngx_vstream_hls_look(ngx_vstream_hls_entry_t *e,
    ngx_fd_t dir, u_char *name, mode_t type, ngx_uint_t nested, u_char *path,
    ngx_file_info_t *fi, ngx_log_t *log);
static ngx_fd_t ngx_vstream_hls_open_dir(ngx_fd_t dir, u_char *name);
static ngx_uint_t ngx_vstream_hls_changed(ngx_vstream_hls_entry_t *e,
    ngx_file_info_t *fi, ngx_uint_t nested);
static void ngx_vstream_hls_version(ngx_vstream_hls_entry_t *e,
    ngx_file_info_t *fi, ngx_uint_t nested, ngx_uint_t state);
static ngx_int_t ngx_vstream_hls_fail(ngx_vstream_hls_entry_t *e,
    ngx_file_info_t *fi, ngx_uint_t nested, ngx_uint_t state, ngx_err_t err,
    u_char *path, char *why, ngx_log_t *log);
static void ngx_vstream_hls_read(ngx_vstream_hls_entry_t *e, ngx_fd_t dir,
    u_char *leaf, ngx_file_info_t *looked, ngx_uint_t nested, u_char *path,
    ngx_log_t *log);
static int ngx_vstream_hls_segment(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static void ngx_vstream_hls_size(ngx_vstream_hls_entry_t *e, ngx_fd_t dir,
    ngx_vstream_hls_walk_t *walk, u_char *name, u_char *path,
    ngx_log_t *log);
static void ngx_vstream_hls_expire(time_t now);


static ngx_rbtree_t        ngx_vstream_hls_tree;
static ngx_rbtree_node_t   ngx_vstream_hls_sentinel;
static ngx_queue_t         ngx_vstream_hls_lru;
static ngx_uint_t          ngx_vstream_hls_ready;


ngx_int_t
ngx_vstream_hls_stats(ngx_cycle_t *cycle, ngx_pool_t *pool,
    ngx_vstream_stream_t *st, ngx_vstream_hls_stats_t *hls)
{
    u_char                   *p, *rel, *leaf;
    uint64_t                  now_ms, mtime_ms;
    ngx_fd_t                  dfd, nfd;
    ngx_int_t                 rc;
    ngx_str_t                 key, name;
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

    if (!vstream_name_is_safe(name.data, name.len)) {
        return NGX_DECLINED;
    }

    /*
     * one buffer for PATH/NAME (the key), PATH/NAME.m3u8 and
     * PATH/NAME/index.m3u8 (logged), and what follows PATH/ (reported)
     */

    key.len = hp->path.len + 1 + name.len;
    key.data = ngx_pnalloc(pool, key.len + sizeof("/index.m3u8"));
    if (key.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(key.data, "%V/%V", &hp->path, &name);
    rel = key.data + hp->path.len + 1;

    e = ngx_vstream_hls_entry(&key, cycle->log);
    if (e == NULL) {
        return NGX_DECLINED;
    }

    /* the configured directory itself may be a link: it is trusted */

    key.data[hp->path.len] = '\0';
    dfd = ngx_open_file(key.data, NGX_FILE_SEARCH, NGX_FILE_OPEN, 0);
    key.data[hp->path.len] = '/';

    if (dfd == NGX_INVALID_FILE) {
        return NGX_DECLINED;
    }

    nested = 0;
    nfd = dfd;
    leaf = rel;

    ngx_memcpy(p, ".m3u8", sizeof(".m3u8"));

    rc = ngx_vstream_hls_look(e, dfd, rel, S_IFREG, 0, key.data, &fi,
                              cycle->log);

    if (rc == NGX_DECLINED) {
        nested = 1;
        *p = '\0';

        rc = ngx_vstream_hls_look(e, dfd, rel, S_IFDIR, 1, key.data, &fi,
                                  cycle->log);

        if (rc == NGX_OK) {
            nfd = ngx_vstream_hls_open_dir(dfd, rel);
            rc = (nfd == NGX_INVALID_FILE) ? NGX_DECLINED : NGX_OK;
        }

        if (rc == NGX_OK) {
            ngx_memcpy(p, "/index.m3u8", sizeof("/index.m3u8"));
            leaf = p + 1;

            rc = ngx_vstream_hls_look(e, nfd, leaf, S_IFREG, 1, key.data,
                                      &fi, cycle->log);
        }
    }

    if (rc == NGX_OK
        && (e->state == NGX_VSTREAM_HLS_NEW
            || ngx_vstream_hls_changed(e, &fi, nested)))
    {
        ngx_vstream_hls_read(e, nfd, leaf, &fi, nested, key.data,
                             cycle->log);
    }

    if (nfd != dfd && nfd != NGX_INVALID_FILE) {
        (void) ngx_close_file(nfd);
    }

    (void) ngx_close_file(dfd);

    if (rc != NGX_OK || e->state != NGX_VSTREAM_HLS_OK) {
        return NGX_DECLINED;
    }

    hls->playlist.len = ngx_strlen(rel);
    hls->playlist.data = rel;

    hls->target_duration = e->pl.target_duration;
    hls->media_sequence = e->pl.media_sequence;
    hls->segments = e->pl.segments;
    hls->window_ms = e->pl.window_ms;
    hls->last_segment_ms = e->pl.last_segment_ms;
    hls->bitrate_bps = e->sized_ms ? e->bytes * 8 * 1000 / e->sized_ms : 0;

    now_ms = ngx_vstream_unix_ms();
    mtime_ms = (uint64_t) e->mtime * 1000 + e->mtime_ms;
    hls->age_ms = now_ms > mtime_ms ? now_ms - mtime_ms : 0;

    hls->healthy = e->pl.target_duration
                   && hls->age_ms <= NGX_VSTREAM_HLS_STALE_TARGETS * 1000
                                    * (uint64_t) e->pl.target_duration;
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
ngx_vstream_hls_entry(ngx_str_t *key, ngx_log_t *log)
{
    uint32_t                  hash;
    ngx_vstream_hls_entry_t  *e;

    hash = ngx_crc32_long(key->data, key->len);

    e = (ngx_vstream_hls_entry_t *)
            ngx_str_rbtree_lookup(&ngx_vstream_hls_tree, key, hash);

    if (e == NULL) {
        e = ngx_alloc(sizeof(ngx_vstream_hls_entry_t) + key->len, log);
        if (e == NULL) {
            return NULL;
        }

        ngx_memzero(e, sizeof(ngx_vstream_hls_entry_t));

        e->sn.node.key = hash;
        e->sn.str.data = (u_char *) e + sizeof(ngx_vstream_hls_entry_t);
        e->sn.str.len = key->len;
        ngx_memcpy(e->sn.str.data, key->data, key->len);

        ngx_rbtree_insert(&ngx_vstream_hls_tree, &e->sn.node);

    } else {
        ngx_queue_remove(&e->queue);
    }

    ngx_queue_insert_tail(&ngx_vstream_hls_lru, &e->queue);
    e->used = ngx_time();

    return e;
}


/*
 * name in dir, not followed if a link: NGX_OK when it is of the type
 * wanted, NGX_DECLINED when it does not exist, else refused: NGX_ABORT
 */

static ngx_int_t
ngx_vstream_hls_look(ngx_vstream_hls_entry_t *e, ngx_fd_t dir, u_char *name,
    mode_t type, ngx_uint_t nested, u_char *path, ngx_file_info_t *fi,
    ngx_log_t *log)
{
    ngx_err_t  err;

    if (ngx_file_at_info(dir, name, fi, AT_SYMLINK_NOFOLLOW) == -1) {
        err = ngx_errno;

        if (err == NGX_ENOENT || err == NGX_ENOTDIR) {
            return NGX_DECLINED;
        }

        ngx_memzero(fi, sizeof(ngx_file_info_t));

        return ngx_vstream_hls_fail(e, fi, nested, NGX_VSTREAM_HLS_BAD, err,
                                    path, "cannot be looked up", log);
    }

    if ((fi->st_mode & S_IFMT) == type) {
        return NGX_OK;
    }

    return ngx_vstream_hls_fail(e, fi, nested, NGX_VSTREAM_HLS_REFUSED, 0,
                                path,
                                S_ISLNK(fi->st_mode) ? "a symbolic link"
                                : (type == S_IFDIR) ? "not a directory"
                                : "not a regular file", log);
}


/* NAME/, not through a link: one made a link since it was looked up fails */

static ngx_fd_t
ngx_vstream_hls_open_dir(ngx_fd_t dir, u_char *name)
{
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    fd = ngx_openat_file(dir, name, NGX_FILE_SEARCH|NGX_FILE_NOFOLLOW,
                         NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        return NGX_INVALID_FILE;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_dir(&fi)) {
        (void) ngx_close_file(fd);
        return NGX_INVALID_FILE;
    }

    return fd;
}


static ngx_uint_t
ngx_vstream_hls_changed(ngx_vstream_hls_entry_t *e, ngx_file_info_t *fi,
    ngx_uint_t nested)
{
    return e->dev != fi->st_dev
           || e->ino != fi->st_ino
           || e->mtime != ngx_file_mtime(fi)
           || e->mtime_ms != (ngx_msec_t) (fi->st_mtim.tv_nsec / 1000000)
           || e->size != ngx_file_size(fi)
           || e->nested != nested;
}


static void
ngx_vstream_hls_version(ngx_vstream_hls_entry_t *e, ngx_file_info_t *fi,
    ngx_uint_t nested, ngx_uint_t state)
{
    e->dev = fi->st_dev;
    e->ino = fi->st_ino;
    e->mtime = ngx_file_mtime(fi);
    e->mtime_ms = fi->st_mtim.tv_nsec / 1000000;
    e->size = ngx_file_size(fi);
    e->nested = nested;
    e->state = state;
}


/* logged and counted once per version of what failed: NGX_ABORT */

static ngx_int_t
ngx_vstream_hls_fail(ngx_vstream_hls_entry_t *e, ngx_file_info_t *fi,
    ngx_uint_t nested, ngx_uint_t state, ngx_err_t err, u_char *path,
    char *why, ngx_log_t *log)
{
    ngx_uint_t          level;
    ngx_vstream_shm_t  *shm;

    if (e->state == state && !ngx_vstream_hls_changed(e, fi, nested)) {
        return NGX_ABORT;
    }

    ngx_vstream_hls_version(e, fi, nested, state);

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);

    if (state == NGX_VSTREAM_HLS_REFUSED) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "vstream: refused \"%s\": %s", path, why);

        ngx_vstream_shm_count(shm, &shm->sh->t.hls_refused, 1);

    } else {
        level = err ? NGX_LOG_ERR : NGX_LOG_WARN;
        ngx_log_error(level, log, err, "vstream: \"%s\" %s", path, why);

        ngx_vstream_shm_count(shm, &shm->sh->t.hls_errors, 1);
    }

    return NGX_ABORT;
}


static void
ngx_vstream_hls_read(ngx_vstream_hls_entry_t *e, ngx_fd_t dir, u_char *leaf,
    ngx_file_info_t *looked, ngx_uint_t nested, u_char *path, ngx_log_t *log)
{
    u_char                  *buf;
    size_t                   size;
    ssize_t                  n;
    ngx_fd_t                 fd;
    ngx_err_t                err;
    ngx_file_info_t          fi;
    ngx_vstream_hls_walk_t   walk;

    /*
     * gone, or replaced by a link or something else since it was looked
     * up: the next request looks again; O_NONBLOCK, should it be a FIFO
     */

    fd = ngx_openat_file(dir, leaf,
                         NGX_FILE_RDONLY|NGX_FILE_NONBLOCK|NGX_FILE_NOFOLLOW,
                         NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        if (err != NGX_ENOENT && err != NGX_ELOOP) {
            (void) ngx_vstream_hls_fail(e, looked, nested,
                                        NGX_VSTREAM_HLS_BAD, err, path,
                                        "cannot be opened", log);
        }

        return;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)) {
        (void) ngx_close_file(fd);
        return;
    }

    size = ngx_min(ngx_file_size(&fi), NGX_VSTREAM_HLS_MAX_PLAYLIST);

    buf = ngx_alloc(size + NGX_VSTREAM_NAME_MAX + 1, log);
    if (buf == NULL) {
        (void) ngx_close_file(fd);
        return;
    }

    n = ngx_read_fd(fd, buf, size);
    err = ngx_errno;

    (void) ngx_close_file(fd);

    if (n < 0) {
        (void) ngx_vstream_hls_fail(e, &fi, nested, NGX_VSTREAM_HLS_BAD, err,
                                    path, "cannot be read", log);
        goto done;
    }

    walk.n = 0;

    if (vstream_m3u8_parse(buf, (size_t) n, &e->pl, ngx_vstream_hls_segment,
                           &walk)
        != 0)
    {
        (void) ngx_vstream_hls_fail(e, &fi, nested, NGX_VSTREAM_HLS_BAD, 0,
                                    path, "is not an HLS media playlist",
                                    log);
        goto done;
    }

    ngx_vstream_hls_version(e, &fi, nested, NGX_VSTREAM_HLS_OK);
    ngx_vstream_hls_size(e, dir, &walk, buf + size, path, log);

done:

    ngx_free(buf);
}


static int
ngx_vstream_hls_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_hls_walk_t *walk = data;

    ngx_vstream_hls_seg_t  *seg;

    seg = &walk->last[walk->n++ % NGX_VSTREAM_HLS_SIZED];

    seg->uri = uri;
    seg->len = len;
    seg->duration_ms = duration_ms;

    return 0;
}


/*
 * the sizes of the last segments: each must be a plain file name (no
 * path, URL or "..") of a regular file in the playlist's directory
 */

static void
ngx_vstream_hls_size(ngx_vstream_hls_entry_t *e, ngx_fd_t dir,
    ngx_vstream_hls_walk_t *walk, u_char *name, u_char *path, ngx_log_t *log)
{
    ngx_uint_t              i, refused;
    ngx_file_info_t         fi;
    ngx_vstream_shm_t      *shm;
    ngx_vstream_hls_seg_t  *seg;

    e->bytes = 0;
    e->sized_ms = 0;
    refused = 0;

    i = walk->n > NGX_VSTREAM_HLS_SIZED ? walk->n - NGX_VSTREAM_HLS_SIZED : 0;

    for ( /* void */ ; i < walk->n; i++) {
        seg = &walk->last[i % NGX_VSTREAM_HLS_SIZED];
        e->sized_ms += seg->duration_ms;

        if (!vstream_name_is_safe(seg->uri, seg->len)
            || seg->len > NGX_VSTREAM_NAME_MAX)
        {
            refused++;
            continue;
        }

        ngx_memcpy(name, seg->uri, seg->len);
        name[seg->len] = '\0';

        if (ngx_file_at_info(dir, name, &fi, AT_SYMLINK_NOFOLLOW) == -1) {
            /* gone already: nginx-rtmp deletes old segments */
            continue;
        }

        if (!ngx_is_file(&fi)) {
            refused++;
            continue;
        }

        e->bytes += ngx_file_size(&fi);
    }

    if (refused && refused != e->refused) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "vstream: \"%s\" lists %ui refused segments (links, "
                      "not regular files or not plain file names): "
                      "not sized", path, refused);
    }

    e->refused = refused;

    if (refused) {
        shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
        ngx_vstream_shm_count(shm, &shm->sh->t.hls_refused, refused);
    }
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
