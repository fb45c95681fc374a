
/*
 * vstream: recordings.  While a stream is live, every segment its live
 * playlist (vstream_hls_path) lists is hard-linked into
 * vstream_record_path/APP/NAME/ID/, and index.m3u8 and info there are
 * replaced (written aside, renamed) as segments are added; at publish_done
 * the index gets #EXT-X-ENDLIST.  The work is done on the RTMP part's tick,
 * a few files a tick, never per packet.
 *
 * Each publish is a recording of its own (a reconnect is a new ID): a
 * recording is complete as soon as its publisher leaves, and a reconnect
 * may come to another worker.  nginx-rtmp's own discontinuities are not
 * seen in the parsed playlist; segments lost to the recorder (gone, or a
 * link that failed) are marked with #EXT-X-DISCONTINUITY.
 *
 * One worker (ngx_worker 0) also maintains the recordings every few
 * seconds: it finishes those left unfinished by a worker that died, and
 * removes the oldest ones past vstream_record_max_age or
 * vstream_record_max_size.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_rtmp.h"
#include "ngx_vstream.h"
#include "ngx_vstream_record.h"
#include "vstream_m3u8.h"


#define NGX_VSTREAM_RECORD_PATH_MAX     1024
#define NGX_VSTREAM_RECORD_PLAYLIST_MAX (1024 * 1024)

/* what a finished index may hold to be finished by another worker */
#define NGX_VSTREAM_RECORD_INDEX_MAX    (16 * 1024 * 1024)

/*
 * index and info of a live recording are written at most this often (s):
 * each file made costs about what nginx-rtmp's own playlist write does
 */
#define NGX_VSTREAM_RECORD_SAVE_EVERY   6

/* segments linked per stream per tick; files per tick */
#define NGX_VSTREAM_RECORD_STREAM_FILES 4

/* the maintenance: every 10 ticks; unfinished, not live, untouched 10 s */
#define NGX_VSTREAM_RECORD_MAINTAIN     10
#define NGX_VSTREAM_RECORD_ORPHAN_AGE   10
#define NGX_VSTREAM_RECORD_REMOVE_MAX   4

/* PATH/APP/NAME/ID/FILE */
#define NGX_VSTREAM_RECORD_DIR_LEN                                           \
    (NGX_VSTREAM_RECORD_PATH_MAX + 2 * (NGX_VSTREAM_NAME_MAX + 1)            \
     + NGX_VSTREAM_RECORD_ID_MAX + 1)
#define NGX_VSTREAM_RECORD_FILE_LEN                                          \
    (NGX_VSTREAM_RECORD_DIR_LEN + NGX_VSTREAM_NAME_MAX + sizeof(".tmp"))


struct ngx_vstream_rec_s {
    ngx_vstream_record_conf_t  *conf;
    ngx_log_t                  *log;
    ngx_str_t                   name;
    u_char                      id[NGX_VSTREAM_RECORD_ID_MAX + 1];
    u_char                      dir[NGX_VSTREAM_RECORD_DIR_LEN];
    size_t                      dir_len;
    time_t                      started_at;
    uint64_t                    started_ms;
    time_t                      saved_at;  /* index and info written */

    /* the live playlist: where, and the version last read */
    ngx_fd_t                    segdir;
    ngx_fd_t                    recdir;
    u_char                      leaf[NGX_VSTREAM_NAME_MAX + sizeof(".m3u8")];
    dev_t                       dev;
    ino_t                       ino;
    time_t                      mtime;
    long                        mtime_ns;
    off_t                       size;

    uint64_t                    next_seq;  /* the first one not seen */
    uint64_t                    segments;
    uint64_t                    bytes;
    uint64_t                    duration_ms;
    uint32_t                    target;

    u_char                     *body;      /* the index's entries */
    size_t                      len;
    size_t                      cap;

    unsigned                    ready:1;   /* its directory is made */
    unsigned                    pending:1; /* the playlist has more */
    unsigned                    dirty:1;   /* index and info to write */
    unsigned                    gap:1;     /* a segment was lost */
    unsigned                    unsaved:1; /* the last save failed */
    unsigned                    logged:1;
    unsigned                    complete:1;
};


typedef struct {
    ngx_fd_t                    dir;
    uint64_t                    bytes;
} ngx_vstream_record_sum_t;


typedef struct {
    ngx_vstream_rec_t          *rec;
    vstream_m3u8_t             *pl;
    uint64_t                    index;
    ngx_uint_t                  old;       /* the playlist predates it */
    ngx_uint_t                 *budget;
    ngx_uint_t                  linked;
} ngx_vstream_record_walk_t;


static ngx_int_t ngx_vstream_record_writable(ngx_conf_t *cf,
    ngx_file_info_t *fi);
static ngx_int_t ngx_vstream_record_mkdirs(ngx_vstream_rec_t *rec);
static void ngx_vstream_record_read(ngx_vstream_rec_t *rec,
    ngx_uint_t *budget);
static ngx_int_t ngx_vstream_record_find(ngx_vstream_rec_t *rec);
static void ngx_vstream_record_refused(ngx_vstream_rec_t *rec,
    ngx_file_info_t *fi);
static ngx_uint_t ngx_vstream_record_changed(ngx_vstream_rec_t *rec,
    ngx_file_info_t *fi);
static int ngx_vstream_record_segment(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static ngx_int_t ngx_vstream_record_append(ngx_vstream_rec_t *rec,
    u_char *name, size_t len, uint32_t duration_ms);
static ngx_int_t ngx_vstream_record_save(ngx_vstream_rec_t *rec);
static ngx_int_t ngx_vstream_record_replace(ngx_fd_t dir, char *file,
    u_char *data, size_t len, ngx_err_t *err);
static u_char *ngx_vstream_record_info_text(u_char *p, time_t started_at,
    uint64_t segments, uint64_t bytes, uint64_t duration_ms,
    ngx_uint_t complete);
static void ngx_vstream_record_failed(ngx_vstream_rec_t *rec, ngx_err_t err,
    const char *what, u_char *file);
static ngx_int_t ngx_vstream_record_read_info(u_char *dir, size_t dir_len,
    ngx_vstream_recording_t *r);
static int ngx_vstream_record_sum(void *data, const unsigned char *uri,
    size_t len, uint32_t duration_ms);
static ngx_int_t ngx_vstream_record_finish_orphan(ngx_vstream_record_conf_t *rc,
    ngx_vstream_recording_t *r, ngx_log_t *log);
static ngx_int_t ngx_vstream_record_rmdir(ngx_vstream_record_conf_t *rc,
    ngx_str_t *name, u_char *id, size_t id_len, ngx_log_t *log);
static void ngx_vstream_record_maintain_app(ngx_vstream_record_conf_t *rc,
    ngx_pool_t *pool, ngx_log_t *log);
static int ngx_libc_cdecl ngx_vstream_record_cmp(const void *one,
    const void *two);


static ngx_uint_t  ngx_vstream_record_ticks;


void
ngx_vstream_record_create_conf(ngx_vstream_record_conf_t *rc)
{
    rc->max_age = NGX_CONF_UNSET;
    rc->max_size = NGX_CONF_UNSET;
}


char *
ngx_vstream_record_path_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_vstream_record_conf_t *rc = (ngx_vstream_record_conf_t *)
                                    ((u_char *) conf + cmd->offset);

    ngx_str_t                  path;
    ngx_rtmp_core_app_conf_t  *cacf;

    if (rc->path.data) {
        return "is duplicate";
    }

    if (ngx_vstream_conf_path(cf, &path) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (path.len > NGX_VSTREAM_RECORD_PATH_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is longer than %d bytes", &path,
                           NGX_VSTREAM_RECORD_PATH_MAX);
        return NGX_CONF_ERROR;
    }

    cacf = ngx_rtmp_conf_get_module_app_conf(cf, ngx_rtmp_core_module);

    if (!vstream_name_is_safe(cacf->name.data, cacf->name.len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "application \"%V\" is not a safe directory name",
                           &cacf->name);
        return NGX_CONF_ERROR;
    }

    rc->path = path;
    rc->app = cacf->name;

    return NGX_CONF_OK;
}


/*
 * At nginx -t: the path must be a directory the workers can write, on the
 * file system of the HLS directory (a hard link cannot cross them).
 */

char *
ngx_vstream_record_merge_conf(ngx_conf_t *cf,
    ngx_vstream_record_conf_t *conf, ngx_vstream_record_conf_t *prev)
{
    u_char                     *p, *slash;
    ngx_uint_t                  i;
    ngx_file_info_t             fi, hfi;
    ngx_vstream_hls_path_t     *hp;
    ngx_vstream_main_conf_t    *vmcf;
    ngx_vstream_record_conf_t **rcp;

    ngx_conf_merge_sec_value(conf->max_age, prev->max_age, 0);
    ngx_conf_merge_off_value(conf->max_size, prev->max_size, 0);

    if (conf->s3 == NULL) {
        conf->s3 = prev->s3;
    }

    if (conf->path.len == 0) {
        return NGX_CONF_OK;
    }

    vmcf = ngx_vstream_main_conf(cf->cycle);
    hp = vmcf->hls_paths.elts;

    for (i = 0; i < vmcf->hls_paths.nelts; i++) {
        if (hp[i].app.len == conf->app.len
            && ngx_strncmp(hp[i].app.data, conf->app.data, conf->app.len) == 0)
        {
            conf->hls_path = hp[i].path;
            break;
        }
    }

    if (conf->hls_path.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vstream_record_path\" in application \"%V\" "
                           "needs \"vstream_hls_path\" there: recordings "
                           "are made of the HLS segments", &conf->app);
        return NGX_CONF_ERROR;
    }

    if (ngx_file_info(conf->path.data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"vstream_record_path\" \"%V\" is missing",
                           &conf->path);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vstream_record_path\" \"%V\" is not a directory",
                           &conf->path);
        return NGX_CONF_ERROR;
    }

    if (access((char *) conf->path.data, W_OK|X_OK) != 0
        || ngx_vstream_record_writable(cf, &fi) != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"vstream_record_path\" \"%V\" is not writable "
                           "by the worker processes", &conf->path);
        return NGX_CONF_ERROR;
    }

    /* nginx-rtmp makes the HLS directory at the first publish: its parent */

    p = ngx_pnalloc(cf->pool, conf->hls_path.len + 1);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(p, conf->hls_path.data, conf->hls_path.len);
    p[conf->hls_path.len] = '\0';

    while (ngx_file_info(p, &hfi) == NGX_FILE_ERROR) {
        slash = (u_char *) strrchr((char *) p, '/');

        if (slash == NULL || slash == p) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "\"vstream_record_path\": \"vstream_hls_path\" "
                               "\"%V\" cannot be looked up", &conf->hls_path);
            return NGX_CONF_ERROR;
        }

        *slash = '\0';
    }

    if (hfi.st_dev != fi.st_dev) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vstream_record_path\" \"%V\" is not on the file "
                           "system of \"vstream_hls_path\" \"%V\": segments "
                           "are kept as hard links, which a copy would have "
                           "to replace", &conf->path, &conf->hls_path);
        return NGX_CONF_ERROR;
    }

    rcp = ngx_array_push(&vmcf->record_confs);
    if (rcp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rcp = conf;

    return NGX_CONF_OK;
}


/* the master runs as root at nginx -t: the workers' user is what counts */

static ngx_int_t
ngx_vstream_record_writable(ngx_conf_t *cf, ngx_file_info_t *fi)
{
    ngx_uid_t         uid;
    ngx_gid_t         gid;
    mode_t            mode;
    struct passwd    *pwd;
    ngx_core_conf_t  *ccf;

    if (geteuid() != 0) {
        return NGX_OK;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    if (ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT) {
        uid = ccf->user;
        gid = ccf->group;

    } else {
        pwd = getpwnam(NGX_USER);
        if (pwd == NULL) {
            return NGX_OK;
        }

        uid = pwd->pw_uid;
        gid = pwd->pw_gid;
    }

    if (uid == 0) {
        return NGX_OK;
    }

    mode = fi->st_mode;

    if (fi->st_uid == uid) {
        mode >>= 6;

    } else if (fi->st_gid == gid) {
        mode >>= 3;
    }

    if ((mode & 3) != 3) {
        ngx_set_errno(NGX_EACCES);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the lookup by application, for the HTTP part */

ngx_vstream_record_conf_t *
ngx_vstream_record_conf(ngx_cycle_t *cycle, ngx_str_t *app)
{
    ngx_uint_t                   i;
    ngx_vstream_main_conf_t     *vmcf;
    ngx_vstream_record_conf_t  **rcp;

    vmcf = ngx_vstream_main_conf(cycle);
    rcp = vmcf->record_confs.elts;

    for (i = 0; i < vmcf->record_confs.nelts; i++) {
        if (rcp[i]->app.len == app->len
            && ngx_strncmp(rcp[i]->app.data, app->data, app->len) == 0)
        {
            return rcp[i];
        }
    }

    return NULL;
}


ngx_vstream_rec_t *
ngx_vstream_record_start(ngx_vstream_record_conf_t *rc, ngx_str_t *name,
    time_t started_at, ngx_log_t *log)
{
    ngx_tm_t            tm;
    ngx_vstream_rec_t  *rec;

    if (rc->path.len == 0) {
        return NULL;
    }

    rec = ngx_calloc(sizeof(ngx_vstream_rec_t) + name->len, log);
    if (rec == NULL) {
        return NULL;
    }

    rec->conf = rc;
    rec->log = log;
    rec->segdir = NGX_INVALID_FILE;
    rec->recdir = NGX_INVALID_FILE;
    rec->name.data = (u_char *) rec + sizeof(ngx_vstream_rec_t);
    rec->name.len = name->len;
    ngx_memcpy(rec->name.data, name->data, name->len);

    rec->started_at = started_at;
    rec->started_ms = ngx_vstream_unix_ms();

    ngx_gmtime(started_at, &tm);
    (void) ngx_sprintf(rec->id, "%4d%02d%02dT%02d%02d%02dZ%Z",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    (void) ngx_vstream_record_mkdirs(rec);

    return rec;
}


/*
 * PATH/APP/NAME/ID, the first ID free: a second recording of a name in
 * the same second gets "-2", then "-3"...
 */

static ngx_int_t
ngx_vstream_record_mkdirs(ngx_vstream_rec_t *rec)
{
    u_char                     *p, *base;
    ngx_err_t                   err;
    ngx_uint_t                  n, parents;
    ngx_vstream_record_conf_t  *rc;

    rc = rec->conf;

    if (!vstream_name_is_safe(rec->name.data, rec->name.len)) {
        ngx_vstream_record_failed(rec, 0, "is not a safe directory name",
                                  rec->name.data);
        return NGX_ERROR;
    }

    /* APP/ and APP/NAME/ are made only when an ID cannot be for want of them */

    base = ngx_sprintf(rec->dir, "%V/%V/%V", &rc->path, &rc->app, &rec->name);
    parents = 0;

    for (n = 1; n < 100; n++) {
        p = (n == 1) ? ngx_sprintf(base, "/%s%Z", rec->id)
                     : ngx_sprintf(base, "/%s-%ui%Z", rec->id, n);

        if (ngx_create_dir(rec->dir, 0755) != NGX_FILE_ERROR) {
            rec->dir_len = p - 1 - rec->dir;
            ngx_memcpy(rec->id, base + 1, p - base - 1);

            rec->recdir = ngx_open_file(rec->dir, NGX_FILE_SEARCH,
                                        NGX_FILE_OPEN, 0);
            if (rec->recdir == NGX_INVALID_FILE) {
                goto failed;
            }

            rec->ready = 1;
            rec->dirty = 1;

            return ngx_vstream_record_save(rec);
        }

        if (ngx_errno == NGX_ENOENT && !parents) {
            parents = 1;
            n--;

            p = ngx_sprintf(rec->dir, "%V/%V%Z", &rc->path, &rc->app);

            if (ngx_create_dir(rec->dir, 0755) == NGX_FILE_ERROR
                && ngx_errno != NGX_EEXIST)
            {
                goto failed;
            }

            (void) ngx_sprintf(p - 1, "/%V%Z", &rec->name);

            if (ngx_create_dir(rec->dir, 0755) == NGX_FILE_ERROR
                && ngx_errno != NGX_EEXIST)
            {
                goto failed;
            }

            continue;
        }

        if (ngx_errno != NGX_EEXIST) {
            goto failed;
        }
    }

    ngx_set_errno(NGX_EEXIST);

failed:

    err = ngx_errno;
    ngx_vstream_record_failed(rec, err, "cannot be created", rec->dir);

    return NGX_ERROR;
}


void
ngx_vstream_record_tick(ngx_vstream_rec_t *rec, ngx_uint_t *budget)
{
    if (*budget == 0) {
        return;
    }

    if (!rec->ready) {
        /* retried every so often, should the directory come back */
        if (ngx_vstream_record_ticks % NGX_VSTREAM_RECORD_MAINTAIN == 0) {
            (*budget)--;
            (void) ngx_vstream_record_mkdirs(rec);
        }

        return;
    }

    ngx_vstream_record_read(rec, budget);

    /* a save that failed (a full disk) is retried now and then */

    if (rec->dirty && *budget
        && ngx_time() - rec->saved_at >= NGX_VSTREAM_RECORD_SAVE_EVERY
        && (!rec->unsaved
            || ngx_vstream_record_ticks % NGX_VSTREAM_RECORD_MAINTAIN == 0))
    {
        (*budget)--;
        (void) ngx_vstream_record_save(rec);
    }
}


void
ngx_vstream_record_finish(ngx_vstream_rec_t *rec)
{
    ngx_uint_t  budget;

    if (rec->ready) {
        /* what nginx-rtmp listed when it closed the last segment */
        budget = 64;
        rec->pending = 1;
        ngx_vstream_record_read(rec, &budget);

        rec->complete = 1;
        rec->dirty = 1;

        if (ngx_vstream_record_save(rec) == NGX_OK) {
            ngx_log_error(NGX_LOG_INFO, rec->log, 0,
                          "vstream: recording \"%s\" finished: %uL segments, "
                          "%uL bytes, %uL ms", rec->dir, rec->segments,
                          rec->bytes, rec->duration_ms);
        }
    }

    if (rec->body) {
        ngx_free(rec->body);
    }

    if (rec->segdir != NGX_INVALID_FILE) {
        (void) ngx_close_file(rec->segdir);
    }

    if (rec->recdir != NGX_INVALID_FILE) {
        (void) ngx_close_file(rec->recdir);
    }

    ngx_free(rec);
}


/*
 * The live playlist, read again when it changed: its segments not seen yet
 * are linked, a few at a time.  The directories of the segments and of the
 * recording stay open while it lasts: a tick whose playlist did not change
 * costs one fstatat().  Any failure here is retried at the next tick; the
 * live stream never notices.
 */

static void
ngx_vstream_record_read(ngx_vstream_rec_t *rec, ngx_uint_t *budget)
{
    u_char                     *buf;
    size_t                      size;
    ssize_t                     n;
    ngx_fd_t                    fd;
    vstream_m3u8_t              pl;
    ngx_file_info_t             fi;
    ngx_vstream_record_walk_t   walk;

    if (rec->segdir == NGX_INVALID_FILE
        && ngx_vstream_record_find(rec) != NGX_OK)
    {
        return;
    }

    if (ngx_file_at_info(rec->segdir, rec->leaf, &fi, AT_SYMLINK_NOFOLLOW)
        == -1)
    {
        /* gone, or its directory made again: looked for at the next tick */
        (void) ngx_close_file(rec->segdir);
        rec->segdir = NGX_INVALID_FILE;
        return;
    }

    if (!rec->pending && !ngx_vstream_record_changed(rec, &fi)) {
        return;
    }

    /*
     * nginx-rtmp writes a regular file: a link (or anything else) there is
     * never followed, and counted once per version of it
     */

    if (!ngx_is_file(&fi)) {
        ngx_vstream_record_refused(rec, &fi);
        return;
    }

    fd = ngx_openat_file(rec->segdir, rec->leaf,
                         NGX_FILE_RDONLY|NGX_FILE_NONBLOCK|NGX_FILE_NOFOLLOW,
                         NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        return;
    }

    buf = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_vstream_record_refused(rec, &fi);
        goto done;
    }

    size = ngx_min(ngx_file_size(&fi), NGX_VSTREAM_RECORD_PLAYLIST_MAX);

    buf = ngx_alloc(size + 1, rec->log);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_fd(fd, buf, size);

    if (n < 0) {
        ngx_vstream_record_failed(rec, ngx_errno, "live playlist unreadable",
                                  rec->name.data);
        goto done;
    }

    walk.rec = rec;
    walk.pl = &pl;
    walk.index = 0;
    walk.old = ((uint64_t) fi.st_mtim.tv_sec * 1000
                + fi.st_mtim.tv_nsec / 1000000 < rec->started_ms);
    walk.budget = budget;
    walk.linked = 0;

    rec->pending = 0;

    if (vstream_m3u8_parse(buf, n, &pl, ngx_vstream_record_segment, &walk)
        != 0)
    {
        /* nginx-rtmp replaces it whole: a half-written one is not ours */
        ngx_vstream_record_failed(rec, 0, "live playlist not parsed",
                                  rec->name.data);
        goto done;
    }

    if (pl.target_duration > rec->target) {
        rec->target = pl.target_duration;
    }

    rec->dev = fi.st_dev;
    rec->ino = fi.st_ino;
    rec->mtime = fi.st_mtim.tv_sec;
    rec->mtime_ns = fi.st_mtim.tv_nsec;
    rec->size = ngx_file_size(&fi);

done:

    if (buf) {
        ngx_free(buf);
    }

    (void) ngx_close_file(fd);
}


/*
 * NAME.m3u8, or NAME/index.m3u8 (hls_nested), in the HLS directory; the
 * directory holding it (and the segments) is kept open.  Never through a
 * link below the configured directory.
 */

static ngx_int_t
ngx_vstream_record_find(ngx_vstream_rec_t *rec)
{
    ngx_fd_t         hls, dir;
    ngx_file_info_t  fi;

    hls = ngx_open_file(rec->conf->hls_path.data, NGX_FILE_SEARCH,
                        NGX_FILE_OPEN, 0);

    if (hls == NGX_INVALID_FILE) {
        /* no HLS directory before nginx-rtmp makes it */
        return NGX_DECLINED;
    }

    (void) ngx_sprintf(rec->leaf, "%V.m3u8%Z", &rec->name);

    if (ngx_file_at_info(hls, rec->leaf, &fi, AT_SYMLINK_NOFOLLOW) == 0) {
        rec->segdir = hls;
        return NGX_OK;
    }

    (void) ngx_sprintf(rec->leaf, "%V%Z", &rec->name);

    dir = ngx_openat_file(hls, rec->leaf, NGX_FILE_SEARCH|NGX_FILE_NOFOLLOW,
                          NGX_FILE_OPEN, 0);

    (void) ngx_close_file(hls);

    if (dir == NGX_INVALID_FILE) {
        return NGX_DECLINED;
    }

    (void) ngx_cpystrn(rec->leaf, (u_char *) "index.m3u8",
                       sizeof("index.m3u8"));

    rec->segdir = dir;

    return NGX_OK;
}


/* the live playlist is not a regular file: not read until it changes */

static void
ngx_vstream_record_refused(ngx_vstream_rec_t *rec, ngx_file_info_t *fi)
{
    rec->pending = 0;
    rec->dev = fi->st_dev;
    rec->ino = fi->st_ino;
    rec->mtime = fi->st_mtim.tv_sec;
    rec->mtime_ns = fi->st_mtim.tv_nsec;
    rec->size = ngx_file_size(fi);

    ngx_vstream_record_failed(rec, 0, "live playlist is a symbolic link or "
                              "not a regular file: not followed",
                              rec->leaf);
}


static ngx_uint_t
ngx_vstream_record_changed(ngx_vstream_rec_t *rec, ngx_file_info_t *fi)
{
    return rec->dev != fi->st_dev || rec->ino != fi->st_ino
           || rec->mtime != fi->st_mtim.tv_sec
           || rec->mtime_ns != fi->st_mtim.tv_nsec
           || rec->size != ngx_file_size(fi);
}


/*
 * One segment of the live playlist.  Those listed before this publish
 * (nginx-rtmp's hls_continuous keeps the previous publisher's) are older
 * than the recording and skipped.  A segment is linked before the index
 * lists it; one that cannot be is lost to the recording, counted.
 */

static int
ngx_vstream_record_segment(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_record_walk_t *walk = data;

    u_char              name[NGX_VSTREAM_NAME_MAX + 1];
    uint64_t            seq, mtime_ms;
    ngx_err_t           err;
    ngx_file_info_t     fi, ri;
    ngx_vstream_rec_t  *rec;

    rec = walk->rec;
    seq = walk->pl->media_sequence + walk->index++;

    if (seq < rec->next_seq) {
        return 0;
    }

    if (*walk->budget == 0 || walk->linked == NGX_VSTREAM_RECORD_STREAM_FILES)
    {
        rec->pending = 1;
        return 1;
    }

    rec->next_seq = seq + 1;

    if (walk->old) {
        return 0;
    }

    if (!vstream_name_is_safe(uri, len) || len > NGX_VSTREAM_NAME_MAX) {
        rec->gap = 1;
        ngx_vstream_record_failed(rec, 0, "lists a segment that is not a "
                                  "plain file name", rec->name.data);
        return 0;
    }

    ngx_memcpy(name, uri, len);
    name[len] = '\0';

    if (ngx_file_at_info(rec->segdir, name, &fi, AT_SYMLINK_NOFOLLOW) == -1
        || !ngx_is_file(&fi))
    {
        rec->gap = 1;
        ngx_vstream_record_failed(rec, ngx_errno, "segment is gone or not a "
                                  "regular file", name);
        return 0;
    }

    mtime_ms = (uint64_t) fi.st_mtim.tv_sec * 1000
               + fi.st_mtim.tv_nsec / 1000000;

    if (mtime_ms < rec->started_ms) {
        return 0;
    }

    walk->linked++;
    (*walk->budget)--;

    if (linkat(rec->segdir, (char *) name, rec->recdir, (char *) name, 0)
        == -1)
    {
        err = ngx_errno;

        /* linked already: a tick that failed to save the index after it */

        if (err != NGX_EEXIST
            || ngx_file_at_info(rec->recdir, name, &ri, AT_SYMLINK_NOFOLLOW)
               == -1
            || ri.st_ino != fi.st_ino)
        {
            rec->gap = 1;
            ngx_vstream_record_failed(rec, err, "segment cannot be linked",
                                      name);
            return 0;
        }
    }

    if (ngx_vstream_record_append(rec, name, len, duration_ms) != NGX_OK) {
        return 1;
    }

    rec->segments++;
    rec->bytes += ngx_file_size(&fi);
    rec->duration_ms += duration_ms;
    rec->target = ngx_max(rec->target, (duration_ms + 999) / 1000);
    rec->dirty = 1;

    return 0;
}


static ngx_int_t
ngx_vstream_record_append(ngx_vstream_rec_t *rec, u_char *name, size_t len,
    uint32_t duration_ms)
{
    u_char  *p;
    size_t   need, cap;

    need = sizeof("#EXT-X-DISCONTINUITY\n#EXTINF:4294967.295,\n\n") + len;

    if (rec->len + need > rec->cap) {
        cap = ngx_max(rec->cap * 2, 4096);

        while (cap < rec->len + need) {
            cap *= 2;
        }

        p = ngx_alloc(cap, rec->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (rec->body) {
            ngx_memcpy(p, rec->body, rec->len);
            ngx_free(rec->body);
        }

        rec->body = p;
        rec->cap = cap;
    }

    p = rec->body + rec->len;

    if (rec->gap && rec->segments) {
        p = ngx_cpymem(p, "#EXT-X-DISCONTINUITY\n",
                       sizeof("#EXT-X-DISCONTINUITY\n") - 1);
    }

    rec->gap = 0;

    p = ngx_sprintf(p, "#EXTINF:%uD.%03uD,\n", duration_ms / 1000,
                    duration_ms % 1000);
    p = ngx_cpymem(p, name, len);
    *p++ = LF;

    rec->len = p - rec->body;

    return NGX_OK;
}


/* index.m3u8, then info: each written aside and renamed */

static ngx_int_t
ngx_vstream_record_save(ngx_vstream_rec_t *rec)
{
    u_char     *buf, *p, info[256];
    size_t      size;
    ngx_err_t   err;
    ngx_int_t   rc;

    size = 256 + rec->len;

    buf = ngx_alloc(size, rec->log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(buf, "#EXTM3U\n#EXT-X-VERSION:3\n"
                    "#EXT-X-PLAYLIST-TYPE:EVENT\n"
                    "#EXT-X-TARGETDURATION:%uD\n"
                    "#EXT-X-MEDIA-SEQUENCE:0\n",
                    rec->target ? rec->target : 1);

    if (rec->len) {
        p = ngx_cpymem(p, rec->body, rec->len);
    }

    if (rec->complete) {
        p = ngx_cpymem(p, "#EXT-X-ENDLIST\n", sizeof("#EXT-X-ENDLIST\n") - 1);
    }

    rc = ngx_vstream_record_replace(rec->recdir, "index.m3u8", buf, p - buf,
                                    &err);

    ngx_free(buf);

    if (rc == NGX_OK) {
        p = ngx_vstream_record_info_text(info, rec->started_at, rec->segments,
                                         rec->bytes, rec->duration_ms,
                                         rec->complete);

        rc = ngx_vstream_record_replace(rec->recdir, "info", info, p - info,
                                        &err);
    }

    if (rc != NGX_OK) {
        rec->unsaved = 1;
        ngx_vstream_record_failed(rec, err, "index or info not written",
                                  rec->dir);
        return NGX_ERROR;
    }

    rec->dirty = 0;
    rec->unsaved = 0;
    rec->saved_at = ngx_time();

    return NGX_OK;
}


static ngx_int_t
ngx_vstream_record_replace(ngx_fd_t dir, char *file, u_char *data, size_t len,
    ngx_err_t *err)
{
    u_char    tmp[sizeof("index.m3u8.tmp")];
    ssize_t   n;
    ngx_fd_t  fd;

    (void) ngx_sprintf(tmp, "%s.tmp%Z", file);

    fd = openat(dir, (char *) tmp, O_WRONLY|O_CREAT|O_TRUNC|O_NOFOLLOW,
                NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        *err = ngx_errno;
        return NGX_ERROR;
    }

    n = ngx_write_fd(fd, data, len);
    *err = ngx_errno;

    if (ngx_close_file(fd) == NGX_FILE_ERROR && n == (ssize_t) len) {
        *err = ngx_errno;
        n = -1;
    }

    if (n != (ssize_t) len) {
        if (n >= 0) {
            *err = NGX_ENOSPC;
        }

        (void) unlinkat(dir, (char *) tmp, 0);
        return NGX_ERROR;
    }

    if (renameat(dir, (char *) tmp, dir, file) == -1) {
        *err = ngx_errno;
        (void) unlinkat(dir, (char *) tmp, 0);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static u_char *
ngx_vstream_record_info_text(u_char *p, time_t started_at, uint64_t segments,
    uint64_t bytes, uint64_t duration_ms, ngx_uint_t complete)
{
    return ngx_sprintf(p, "started_at %T\nsegments %uL\nbytes %uL\n"
                       "duration_ms %uL\ncomplete %ui\n",
                       started_at, segments, bytes, duration_ms, complete);
}


/* counted each time; logged once per recording, the first time */

static void
ngx_vstream_record_failed(ngx_vstream_rec_t *rec, ngx_err_t err,
    const char *what, u_char *file)
{
    ngx_vstream_shm_t  *shm;

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
    ngx_vstream_shm_app_count(shm, &rec->conf->app,
                              offsetof(ngx_vstream_app_t, record_failures), 1);

    if (rec->logged) {
        return;
    }

    rec->logged = 1;

    ngx_log_error(NGX_LOG_ERR, rec->log, err,
                  "vstream: recording of \"%V/%V\": \"%s\" %s (logged once "
                  "per recording; the live stream goes on)",
                  &rec->conf->app, &rec->name, file, what);
}


/*
 * Reading what is on disk.  ngx_vstream_record_list() reads at most max
 * recordings of the application (of one name if given), each its info
 * file; the segments need not be there (the S3 uploader may have removed
 * them).
 */

ngx_int_t
ngx_vstream_record_list(ngx_vstream_record_conf_t *rc, ngx_str_t *name,
    ngx_array_t *out, ngx_uint_t max, ngx_uint_t *truncated, ngx_log_t *log)
{
    u_char                    path[NGX_VSTREAM_RECORD_DIR_LEN], *p, *q;
    size_t                    len;
    ngx_dir_t                 names, ids;
    ngx_str_t                 n;
    ngx_uint_t                one;
    ngx_vstream_recording_t  *r;

    p = ngx_sprintf(path, "%V/%V%Z", &rc->path, &rc->app);

    one = (name != NULL);

    if (ngx_open_dir(&(ngx_str_t) { p - 1 - path, path }, &names)
        == NGX_ERROR)
    {
        return NGX_OK;
    }

    for ( ;; ) {
        if (one) {
            n = *name;
            one = 2;

        } else {
            if (ngx_read_dir(&names) == NGX_ERROR) {
                break;
            }

            n.data = ngx_de_name(&names);
            n.len = ngx_de_namelen(&names);

            if (!vstream_name_is_safe(n.data, n.len)) {
                continue;
            }
        }

        q = ngx_sprintf(p - 1, "/%V%Z", &n);

        if (ngx_open_dir(&(ngx_str_t) { q - 1 - path, path }, &ids)
            == NGX_OK)
        {
            while (ngx_read_dir(&ids) == NGX_OK) {
                len = ngx_de_namelen(&ids);

                if (!vstream_record_id_is_valid(ngx_de_name(&ids), len)) {
                    continue;
                }

                if (out->nelts == max) {
                    *truncated = 1;
                    break;
                }

                r = ngx_array_push(out);
                if (r == NULL) {
                    break;
                }

                ngx_memzero(r, sizeof(ngx_vstream_recording_t));

                r->app = rc->app;
                r->name.data = ngx_pstrdup(out->pool, &n);
                r->name.len = n.len;
                ngx_memcpy(r->id, ngx_de_name(&ids), len);
                r->id_len = len;

                (void) ngx_sprintf(q - 1, "/%*s%Z", len, r->id);

                if (r->name.data == NULL
                    || ngx_vstream_record_read_info(path, ngx_strlen(path), r)
                       != NGX_OK)
                {
                    out->nelts--;
                }
            }

            (void) ngx_close_dir(&ids);
        }

        if (one == 2 || *truncated) {
            break;
        }
    }

    (void) ngx_close_dir(&names);

    return NGX_OK;
}


static ngx_int_t
ngx_vstream_record_read_info(u_char *dir, size_t dir_len,
    ngx_vstream_recording_t *r)
{
    u_char           buf[512], file[NGX_VSTREAM_RECORD_FILE_LEN];
    u_char          *p, *last, *key, *v, *eol;
    size_t           klen;
    ssize_t          n;
    uint64_t         value;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    (void) ngx_sprintf(file, "%*s/info%Z", dir_len, dir);

    fd = ngx_open_file(file, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK
                       |NGX_FILE_NOFOLLOW, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)) {
        (void) ngx_close_file(fd);
        return NGX_ERROR;
    }

    n = ngx_read_fd(fd, buf, sizeof(buf));
    (void) ngx_close_file(fd);

    if (n <= 0) {
        return NGX_ERROR;
    }

    r->mtime = ngx_file_mtime(&fi);

    p = buf;
    last = buf + n;

    while (p < last) {
        eol = ngx_strlchr(p, last, LF);
        if (eol == NULL) {
            eol = last;
        }

        key = p;
        v = ngx_strlchr(p, eol, ' ');
        p = eol + 1;

        if (v == NULL) {
            continue;
        }

        klen = v - key;
        value = 0;

        for (v++; v < eol && *v >= '0' && *v <= '9'; v++) {
            if (value < 1000000000000000000ULL) {
                value = value * 10 + (*v - '0');
            }
        }

#define ngx_vstream_record_key(s)                                            \
    (klen == sizeof(s) - 1 && ngx_strncmp(key, s, klen) == 0)

        if (ngx_vstream_record_key("started_at")) {
            r->started_at = (time_t) value;

        } else if (ngx_vstream_record_key("segments")) {
            r->segments = value;

        } else if (ngx_vstream_record_key("bytes")) {
            r->bytes = value;

        } else if (ngx_vstream_record_key("duration_ms")) {
            r->duration_ms = value;

        } else if (ngx_vstream_record_key("complete")) {
            r->complete = (value != 0);
        }

#undef ngx_vstream_record_key
    }

    return NGX_OK;
}


/*
 * DELETE: NGX_OK when removed, NGX_DECLINED when there is none, NGX_BUSY
 * while it is recorded
 */

ngx_int_t
ngx_vstream_record_remove(ngx_vstream_record_conf_t *rc, ngx_str_t *name,
    ngx_str_t *id, ngx_log_t *log)
{
    u_char                    dir[NGX_VSTREAM_RECORD_DIR_LEN], *p;
    ngx_int_t                 rv;
    ngx_vstream_recording_t   r;

    /* the API refused the others already: this never builds a path */

    if (!vstream_name_is_safe(name->data, name->len)
        || !vstream_record_id_is_valid(id->data, id->len))
    {
        return NGX_DECLINED;
    }

    p = ngx_sprintf(dir, "%V/%V/%V/%V%Z", &rc->path, &rc->app, name, id);

    ngx_memzero(&r, sizeof(ngx_vstream_recording_t));

    if (ngx_vstream_record_read_info(dir, p - 1 - dir, &r) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (!r.complete) {
        return NGX_BUSY;
    }

    rv = ngx_vstream_record_rmdir(rc, name, id->data, id->len, log);

    if (rv != NGX_OK) {
        /* NGX_DECLINED: a link where the recording should be, not one */
        return rv;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "vstream: recording \"%s\" deleted", dir);

    return NGX_OK;
}


/* every file of the recording's directory, the directory, NAME/ if empty */

static ngx_int_t
ngx_vstream_record_rmdir(ngx_vstream_record_conf_t *rc, ngx_str_t *name,
    u_char *id, size_t id_len, ngx_log_t *log)
{
    u_char           dir[NGX_VSTREAM_RECORD_DIR_LEN], *p;
    ngx_fd_t         fd;
    ngx_dir_t        d;
    ngx_file_info_t  fi;

    /* NAME/ and ID/ themselves, never what a link there points to */

    p = ngx_sprintf(dir, "%V/%V/%V%Z", &rc->path, &rc->app, name);

    if (ngx_file_at_info(AT_FDCWD, dir, &fi, AT_SYMLINK_NOFOLLOW) == -1) {
        return (ngx_errno == NGX_ENOENT) ? NGX_OK : NGX_ERROR;
    }

    if (!ngx_is_dir(&fi)) {
        return NGX_DECLINED;
    }

    (void) ngx_sprintf(p - 1, "/%*s%Z", id_len, id);

    fd = ngx_open_file(dir, NGX_FILE_RDONLY|NGX_FILE_NOFOLLOW|O_DIRECTORY,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        return (ngx_errno == NGX_ENOENT) ? NGX_OK
               : (ngx_errno == NGX_ELOOP || ngx_errno == NGX_ENOTDIR)
                 ? NGX_DECLINED : NGX_ERROR;
    }

    ngx_memzero(&d, sizeof(ngx_dir_t));

    d.dir = fdopendir(fd);
    if (d.dir == NULL) {
        (void) ngx_close_file(fd);
        return NGX_ERROR;
    }

    while (ngx_read_dir(&d) == NGX_OK) {
        if (ngx_de_name(&d)[0] == '.') {
            if (ngx_de_namelen(&d) == 1
                || (ngx_de_namelen(&d) == 2 && ngx_de_name(&d)[1] == '.'))
            {
                continue;
            }
        }

        if (unlinkat(fd, (char *) ngx_de_name(&d), 0) == -1
            && ngx_errno != NGX_ENOENT)
        {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "vstream: \"%s/%s\" of a recording cannot be "
                          "removed", dir, ngx_de_name(&d));
        }
    }

    (void) ngx_close_dir(&d);

    if (ngx_delete_dir(dir) == NGX_FILE_ERROR && ngx_errno != NGX_ENOENT) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "vstream: recording \"%s\" cannot be removed", dir);
        return NGX_ERROR;
    }

    /* the name's directory goes with its last recording */
    p = ngx_sprintf(dir, "%V/%V/%V%Z", &rc->path, &rc->app, name);
    (void) ngx_delete_dir(dir);

    return NGX_OK;
}


/*
 * Every NGX_VSTREAM_RECORD_MAINTAIN ticks, in one worker: for each
 * application, its recordings (up to NGX_VSTREAM_RECORD_LIST_MAX), the
 * unfinished ones of no live stream finished, then the oldest complete
 * ones removed while there are too many bytes or they are too old.
 */

void
ngx_vstream_record_maintain(ngx_cycle_t *cycle, ngx_log_t *log)
{
    ngx_uint_t                   i;
    ngx_pool_t                  *pool;
    ngx_vstream_main_conf_t     *vmcf;
    ngx_vstream_record_conf_t  **rcp;

    if (ngx_vstream_record_ticks++ % NGX_VSTREAM_RECORD_MAINTAIN != 0) {
        return;
    }

    if (ngx_worker != 0 && ngx_process != NGX_PROCESS_SINGLE) {
        return;
    }

    vmcf = ngx_vstream_main_conf(cycle);

    if (vmcf->record_confs.nelts == 0) {
        return;
    }

    pool = ngx_create_pool(16384, log);
    if (pool == NULL) {
        return;
    }

    rcp = vmcf->record_confs.elts;

    for (i = 0; i < vmcf->record_confs.nelts; i++) {
        ngx_vstream_record_maintain_app(rcp[i], pool, log);
        ngx_reset_pool(pool);
    }

    ngx_destroy_pool(pool);
}


static void
ngx_vstream_record_maintain_app(ngx_vstream_record_conf_t *rc,
    ngx_pool_t *pool, ngx_log_t *log)
{
    time_t                    now;
    off_t                     total;
    ngx_uint_t                i, truncated, removed, why;
    ngx_array_t               list;
    ngx_vstream_shm_t        *shm;
    ngx_vstream_recording_t  *r;

    if (ngx_array_init(&list, pool, 64, sizeof(ngx_vstream_recording_t))
        != NGX_OK)
    {
        return;
    }

    truncated = 0;

    (void) ngx_vstream_record_list(rc, NULL, &list, NGX_VSTREAM_RECORD_LIST_MAX,
                                   &truncated, log);

    shm = ngx_vstream_shm((ngx_cycle_t *) ngx_cycle);
    now = ngx_time();
    r = list.elts;
    total = 0;

    for (i = 0; i < list.nelts; i++) {
        total += r[i].bytes;

        if (r[i].complete
            || now - r[i].mtime < NGX_VSTREAM_RECORD_ORPHAN_AGE
            || ngx_vstream_shm_started_ms(shm, &r[i].app, &r[i].name) / 1000
               == (uint64_t) r[i].started_at)
        {
            continue;
        }

        if (ngx_vstream_record_finish_orphan(rc, &r[i], log) == NGX_OK) {
            r[i].complete = 1;
        }
    }

    if (rc->max_age == 0 && rc->max_size == 0) {
        return;
    }

    ngx_vstream_record_sort(&list);

    removed = 0;

    for (i = 0; i < list.nelts && removed < NGX_VSTREAM_RECORD_REMOVE_MAX;
         i++)
    {
        if (!r[i].complete) {
            continue;
        }

        if (rc->max_size && total > rc->max_size) {
            why = 0;

        } else if (rc->max_age
                   && now - (time_t) (r[i].started_at
                                      + r[i].duration_ms / 1000)
                      > rc->max_age)
        {
            why = 1;

        } else {
            continue;
        }

        if (ngx_vstream_record_rmdir(rc, &r[i].name, r[i].id, r[i].id_len,
                                     log)
            != NGX_OK)
        {
            continue;
        }

        total -= r[i].bytes;
        removed++;

        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "vstream: recording \"%V/%V/%s\" removed: %s "
                      "(%uL bytes)", &rc->app, &r[i].name, r[i].id,
                      why ? "older than vstream_record_max_age"
                          : "over vstream_record_max_size",
                      r[i].bytes);
    }

    if (removed) {
        ngx_vstream_shm_app_count(shm, &rc->app,
                                  offsetof(ngx_vstream_app_t, record_removed),
                                  removed);
    }
}


void
ngx_vstream_record_sort(ngx_array_t *list)
{
    ngx_qsort(list->elts, list->nelts, sizeof(ngx_vstream_recording_t),
              ngx_vstream_record_cmp);
}


/* oldest first: the IDs sort by time */

static int ngx_libc_cdecl
ngx_vstream_record_cmp(const void *one, const void *two)
{
    const ngx_vstream_recording_t  *a = one, *b = two;

    if (a->started_at != b->started_at) {
        return a->started_at < b->started_at ? -1 : 1;
    }

    return ngx_strcmp(a->id, b->id);
}


/* the sizes of the segments an index lists, those still there */

static int
ngx_vstream_record_sum(void *data, const unsigned char *uri, size_t len,
    uint32_t duration_ms)
{
    ngx_vstream_record_sum_t *sum = data;

    u_char           name[NGX_VSTREAM_NAME_MAX + 1];
    ngx_file_info_t  fi;

    if (!vstream_name_is_safe(uri, len) || len > NGX_VSTREAM_NAME_MAX) {
        return 0;
    }

    ngx_memcpy(name, uri, len);
    name[len] = '\0';

    if (ngx_file_at_info(sum->dir, name, &fi, AT_SYMLINK_NOFOLLOW) == 0
        && ngx_is_file(&fi))
    {
        sum->bytes += ngx_file_size(&fi);
    }

    return 0;
}


/*
 * A recording whose worker died (kill -9, a crash) or lost its last save:
 * the index it left gets #EXT-X-ENDLIST and info "complete 1".  Both are
 * replaced whole, so a player sees the old or the finished one.
 */

static ngx_int_t
ngx_vstream_record_finish_orphan(ngx_vstream_record_conf_t *rc,
    ngx_vstream_recording_t *r, ngx_log_t *log)
{
    u_char           dir[NGX_VSTREAM_RECORD_DIR_LEN];
    u_char          *buf, *p, info[256];
    size_t           size;
    ssize_t          n;
    ngx_fd_t                  fd, dfd;
    ngx_err_t                 err;
    ngx_int_t                 rv;
    vstream_m3u8_t            pl;
    ngx_file_info_t           fi;
    ngx_vstream_record_sum_t  sum;

    (void) ngx_sprintf(dir, "%V/%V/%V/%s%Z", &rc->path, &rc->app, &r->name,
                       r->id);

    dfd = ngx_open_file(dir, NGX_FILE_SEARCH, NGX_FILE_OPEN, 0);

    if (dfd == NGX_INVALID_FILE) {
        return NGX_ERROR;
    }

    fd = ngx_openat_file(dfd, (u_char *) "index.m3u8",
                         NGX_FILE_RDONLY|NGX_FILE_NONBLOCK|NGX_FILE_NOFOLLOW,
                         NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        (void) ngx_close_file(dfd);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_VSTREAM_RECORD_INDEX_MAX)
    {
        (void) ngx_close_file(fd);
        (void) ngx_close_file(dfd);
        return NGX_ERROR;
    }

    size = ngx_file_size(&fi);

    buf = ngx_alloc(size + sizeof("\n#EXT-X-ENDLIST\n"), log);
    if (buf == NULL) {
        (void) ngx_close_file(fd);
        (void) ngx_close_file(dfd);
        return NGX_ERROR;
    }

    n = ngx_read_fd(fd, buf, size);
    (void) ngx_close_file(fd);

    if (n < 0 || (size_t) n != size) {
        ngx_free(buf);
        (void) ngx_close_file(dfd);
        return NGX_ERROR;
    }

    /* info may be a few seconds behind the index: counted again from it */

    sum.dir = dfd;
    sum.bytes = 0;

    if (vstream_m3u8_parse(buf, n, &pl, ngx_vstream_record_sum, &sum) == 0
        && pl.segments >= r->segments)
    {
        r->segments = pl.segments;
        r->duration_ms = pl.window_ms;
        r->bytes = ngx_max(r->bytes, sum.bytes);
    }

    p = buf + n;

    if (n && p[-1] != LF) {
        *p++ = LF;
    }

    if (ngx_strlcasestrn(buf, p, (u_char *) "#EXT-X-ENDLIST", 14 - 1)
        == NULL)
    {
        p = ngx_cpymem(p, "#EXT-X-ENDLIST\n", sizeof("#EXT-X-ENDLIST\n") - 1);
    }

    rv = ngx_vstream_record_replace(dfd, "index.m3u8", buf, p - buf, &err);
    ngx_free(buf);

    if (rv == NGX_OK) {
        p = ngx_vstream_record_info_text(info, r->started_at, r->segments,
                                         r->bytes, r->duration_ms, 1);
        rv = ngx_vstream_record_replace(dfd, "info", info, p - info, &err);
    }

    (void) ngx_close_file(dfd);

    if (rv != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, log, err,
                      "vstream: unfinished recording \"%s\" cannot be "
                      "finished", dir);
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "vstream: recording \"%s\" left unfinished (its worker "
                  "is gone) was finished", dir);

    return NGX_OK;
}
