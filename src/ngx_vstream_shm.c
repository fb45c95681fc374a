
/*
 * vstream: the shared zone.  Stream records in an rbtree keyed by the crc32
 * of the stream name (then name, then application), per-application
 * counters, server totals and the ring of recent denials.  Every function
 * here takes the zone's lock itself and holds it only for lookups and
 * copies; nothing here allocates outside the zone while locked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"


#define NGX_VSTREAM_REAP_PIDS  64


static ngx_int_t ngx_vstream_shm_resized(ngx_shm_zone_t *shm_zone);
static void ngx_vstream_shm_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_int_t ngx_vstream_shm_cmp(ngx_vstream_stream_t *st,
    ngx_str_t *app, ngx_str_t *name);
static ngx_vstream_stream_t *ngx_vstream_shm_lookup_locked(
    ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name);
static ngx_vstream_app_t *ngx_vstream_shm_app_locked(ngx_vstream_shm_t *shm,
    ngx_str_t *app);
static void ngx_vstream_shm_free_locked(ngx_vstream_shm_t *shm,
    ngx_vstream_stream_t *st);
static void ngx_vstream_shm_deny_locked(ngx_vstream_shm_t *shm,
    ngx_uint_t reason, ngx_str_t *addr, ngx_str_t *app, ngx_str_t *name);
static ngx_int_t ngx_vstream_owner_alive(ngx_pid_t pid, uint64_t start);
static ngx_uint_t ngx_vstream_shm_hls_turn(ngx_vstream_stream_t *st,
    time_t now);
static void ngx_vstream_shm_hls_estimate(ngx_vstream_stream_t *st);


/* this worker's start time, kept in the records it owns */
static uint64_t  ngx_vstream_owner_start;


ngx_int_t
ngx_vstream_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_vstream_shm_t  *oshm = data;

    size_t              len;
    ngx_vstream_shm_t  *shm;

    shm = shm_zone->data;

    if (oshm) {
        /* reload with the same size: the old zone's state carries on */
        shm->sh = oshm->sh;
        shm->shpool = oshm->shpool;
        return NGX_OK;
    }

    if (ngx_vstream_shm_resized(shm_zone)) {
        return NGX_ERROR;
    }

    shm->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm->sh = shm->shpool->data;
        return NGX_OK;
    }

    shm->sh = ngx_slab_calloc(shm->shpool, sizeof(ngx_vstream_shctx_t));
    if (shm->sh == NULL) {
        return NGX_ERROR;
    }

    shm->shpool->data = shm->sh;

    ngx_rbtree_init(&shm->sh->rbtree, &shm->sh->sentinel,
                    ngx_vstream_shm_rbtree_insert);
    ngx_queue_init(&shm->sh->streams);
    ngx_queue_init(&shm->sh->apps);
    ngx_queue_init(&shm->sh->viewed);

    shm->sh->t.started_at = ngx_time();

    len = sizeof(" in vstream zone \"\"") + shm_zone->shm.name.len;

    shm->shpool->log_ctx = ngx_slab_alloc(shm->shpool, len);
    if (shm->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shm->shpool->log_ctx, " in vstream zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is reported by the publish hook, with advice */
    shm->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * nginx keeps a zone across a reload only when its size is unchanged; a
 * new size means a new, empty zone.  Workers of the old configuration go on
 * serving their publishers (an RTMP connection outlives a reload) and
 * write to the old zone, so its records cannot be carried over: they would
 * freeze.  As limit_req does for a changed key, the reload is refused.
 */

static ngx_int_t
ngx_vstream_shm_resized(ngx_shm_zone_t *shm_zone)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *oz;

    /* while a new cycle is made, ngx_cycle is still the running one */

    part = &((ngx_cycle_t *) ngx_cycle)->shared_memory.part;
    oz = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            oz = part->elts;
            i = 0;
        }

        if (oz[i].tag != shm_zone->tag
            || oz[i].shm.name.len != shm_zone->shm.name.len
            || ngx_strncmp(oz[i].shm.name.data, shm_zone->shm.name.data,
                           shm_zone->shm.name.len)
               != 0
            || oz[i].shm.size == shm_zone->shm.size)
        {
            continue;
        }

        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "\"vstream_zone\" cannot change from %uz to %uz "
                      "on reload: the live streams are in the old zone; "
                      "keep the old size, or restart nginx to resize",
                      oz[i].shm.size, shm_zone->shm.size);
        return 1;
    }

    return 0;
}


static void
ngx_vstream_shm_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_str_t              app, name;
    ngx_rbtree_node_t    **p;
    ngx_vstream_stream_t  *st, *t;

    st = (ngx_vstream_stream_t *) node;

    app.data = ngx_vstream_stream_app(st);
    app.len = st->app_len;
    name.data = ngx_vstream_stream_name(st);
    name.len = st->name_len;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            t = (ngx_vstream_stream_t *) temp;
            p = (ngx_vstream_shm_cmp(t, &app, &name) > 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/* orders records by name, then application; a NULL app matches any */

static ngx_int_t
ngx_vstream_shm_cmp(ngx_vstream_stream_t *st, ngx_str_t *app, ngx_str_t *name)
{
    ngx_int_t  rc;

    rc = ngx_memn2cmp(ngx_vstream_stream_name(st), name->data,
                      st->name_len, name->len);

    if (rc != 0 || app == NULL) {
        return rc;
    }

    return ngx_memn2cmp(ngx_vstream_stream_app(st), app->data,
                        st->app_len, app->len);
}


static ngx_vstream_stream_t *
ngx_vstream_shm_lookup_locked(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name)
{
    uint32_t               hash;
    ngx_int_t              rc;
    ngx_rbtree_node_t     *node, *sentinel;
    ngx_vstream_stream_t  *st;

    hash = ngx_crc32_short(name->data, name->len);

    node = shm->sh->rbtree.root;
    sentinel = shm->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        st = (ngx_vstream_stream_t *) node;

        rc = ngx_vstream_shm_cmp(st, app, name);

        if (rc == 0) {
            return st;
        }

        node = (rc > 0) ? node->left : node->right;
    }

    return NULL;
}


static ngx_vstream_app_t *
ngx_vstream_shm_app_locked(ngx_vstream_shm_t *shm, ngx_str_t *app)
{
    ngx_queue_t        *q;
    ngx_vstream_app_t  *a;

    for (q = ngx_queue_head(&shm->sh->apps);
         q != ngx_queue_sentinel(&shm->sh->apps);
         q = ngx_queue_next(q))
    {
        a = ngx_queue_data(q, ngx_vstream_app_t, queue);

        if (a->len == app->len && ngx_memcmp(a->name, app->data, a->len) == 0)
        {
            return a;
        }
    }

    a = ngx_slab_calloc_locked(shm->shpool,
                               offsetof(ngx_vstream_app_t, name) + app->len);
    if (a == NULL) {
        return NULL;
    }

    a->len = app->len;
    ngx_memcpy(a->name, app->data, app->len);
    ngx_queue_insert_tail(&shm->sh->apps, &a->queue);
    shm->sh->napps++;

    return a;
}


ngx_vstream_stream_t *
ngx_vstream_shm_add(ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name,
    ngx_str_t *addr, ngx_atomic_uint_t conn, ngx_uint_t *reason)
{
    uint64_t               start;
    ngx_pid_t              pid;
    ngx_uint_t             alive;
    ngx_vstream_app_t     *a;
    ngx_vstream_stream_t  *st;

    alive = 0;
    pid = 0;
    start = 0;

    ngx_shmtx_lock(&shm->shpool->mutex);

    for ( ;; ) {
        st = ngx_vstream_shm_lookup_locked(shm, app, name);

        if (st == NULL) {
            break;
        }

        if (st->pid == ngx_pid && st->pid_start == ngx_vstream_owner_start) {
            if (st->conn != conn) {
                *reason = NGX_VSTREAM_DENY_DUPLICATE;
                goto denied;
            }

        } else if (st->pid != pid || st->pid_start != start) {

            /* the owner is another process: probed with the lock released */

            pid = st->pid;
            start = st->pid_start;

            ngx_shmtx_unlock(&shm->shpool->mutex);
            alive = ngx_vstream_owner_alive(pid, start);
            ngx_shmtx_lock(&shm->shpool->mutex);

            continue;

        } else if (alive) {
            *reason = NGX_VSTREAM_DENY_DUPLICATE;
            goto denied;
        }

        /* left behind by a worker that died */
        ngx_vstream_shm_free_locked(shm, st);
        shm->sh->t.reaped++;
        break;
    }

    st = ngx_slab_calloc_locked(shm->shpool, offsetof(ngx_vstream_stream_t,
                                                      data)
                                             + app->len + name->len);
    if (st == NULL) {
        *reason = NGX_VSTREAM_DENY_ZONE_FULL;
        goto denied;
    }

    a = ngx_vstream_shm_app_locked(shm, app);
    if (a == NULL) {
        ngx_slab_free_locked(shm->shpool, st);
        *reason = NGX_VSTREAM_DENY_ZONE_FULL;
        goto denied;
    }

    st->pid = ngx_pid;
    st->pid_start = ngx_vstream_owner_start;
    st->conn = conn;
    st->started_ms = ngx_vstream_unix_ms();
    st->app_len = app->len;
    st->name_len = name->len;
    ngx_memcpy(ngx_vstream_stream_app(st), app->data, app->len);
    ngx_memcpy(ngx_vstream_stream_name(st), name->data, name->len);
    ngx_cpystrn(st->addr, addr->data, ngx_min(addr->len + 1,
                                              NGX_VSTREAM_ADDR_LEN));

    st->node.key = ngx_crc32_short(name->data, name->len);
    ngx_rbtree_insert(&shm->sh->rbtree, &st->node);
    ngx_queue_insert_tail(&shm->sh->streams, &st->queue);

    shm->sh->nstreams++;
    shm->sh->names_len += app->len + name->len;

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return st;

denied:

    ngx_vstream_shm_deny_locked(shm, *reason, addr, app, name);

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return NULL;
}


/* a record's publish started: counted now, not when it was reserved */

void
ngx_vstream_shm_started(ngx_vstream_shm_t *shm, ngx_str_t *app)
{
    ngx_vstream_app_t  *a;

    ngx_shmtx_lock(&shm->shpool->mutex);

    a = ngx_vstream_shm_app_locked(shm, app);

    if (a) {
        a->accepted++;
    }

    shm->sh->t.publish_accepted++;

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


static void
ngx_vstream_shm_free_locked(ngx_vstream_shm_t *shm, ngx_vstream_stream_t *st)
{
    ngx_rbtree_delete(&shm->sh->rbtree, &st->node);
    ngx_queue_remove(&st->queue);

    shm->sh->nstreams--;
    shm->sh->names_len -= st->app_len + st->name_len;

    if (st->hll) {
        ngx_queue_remove(&st->viewed);
        ngx_slab_free_locked(shm->shpool, st->hll);
    }

    ngx_slab_free_locked(shm->shpool, st);
}


void
ngx_vstream_shm_remove(ngx_vstream_shm_t *shm, ngx_vstream_stream_t *st,
    ngx_vstream_counters_t *last)
{
    ngx_shmtx_lock(&shm->shpool->mutex);

    if (last) {
        shm->sh->t.bytes_in += last->bytes_in - st->c.bytes_in;
    }

    ngx_vstream_shm_free_locked(shm, st);

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


void
ngx_vstream_shm_deny(ngx_vstream_shm_t *shm, ngx_uint_t reason,
    ngx_str_t *addr, ngx_str_t *app, ngx_str_t *name)
{
    ngx_shmtx_lock(&shm->shpool->mutex);

    ngx_vstream_shm_deny_locked(shm, reason, addr, app, name);

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


static void
ngx_vstream_shm_deny_locked(ngx_vstream_shm_t *shm, ngx_uint_t reason,
    ngx_str_t *addr, ngx_str_t *app, ngx_str_t *name)
{
    ngx_vstream_app_t     *a;
    ngx_vstream_totals_t  *t;
    ngx_vstream_denial_t  *d;

    t = &shm->sh->t;

    t->publish_denied++;

    a = ngx_vstream_shm_app_locked(shm, app);

    if (a) {
        a->denied[reason]++;

    } else {
        t->denied_unaccounted++;
    }

    d = &t->denied[t->denied_next];
    t->denied_next = (t->denied_next + 1) % NGX_VSTREAM_DENIED_MAX;

    if (t->denied_count < NGX_VSTREAM_DENIED_MAX) {
        t->denied_count++;
    }

    d->at = ngx_time();
    d->reason = reason;
    ngx_cpystrn(d->addr, addr->data, ngx_min(addr->len + 1,
                                             NGX_VSTREAM_ADDR_LEN));
    d->app_len = ngx_min(app->len, NGX_VSTREAM_DENIED_APP_LEN);
    ngx_memcpy(d->app, app->data, d->app_len);
    d->name_len = ngx_min(name->len, NGX_VSTREAM_DENIED_NAME_LEN);
    ngx_memcpy(d->name, name->data, d->name_len);
}


ngx_int_t
ngx_vstream_shm_drop(ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name)
{
    ngx_vstream_stream_t  *st;

    ngx_shmtx_lock(&shm->shpool->mutex);

    st = ngx_vstream_shm_lookup_locked(shm, app, name);

    if (st) {
        st->drop = 1;
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return st ? NGX_OK : NGX_DECLINED;
}


/*
 * A worker is known by its pid and its start time: once a worker is gone,
 * its pid may be given to any other process, and kill(pid, 0) alone would
 * keep the dead worker's records (their names refused as duplicates) for
 * as long as that process lives.  The start time is the kernel's, in clock
 * ticks since boot (field 22 of /proc/PID/stat); where there is no /proc
 * (0), the pid alone decides.
 */

void
ngx_vstream_shm_set_owner(uint64_t start)
{
    ngx_vstream_owner_start = start;
}


uint64_t
ngx_vstream_pid_start(ngx_pid_t pid)
{
    u_char     *p, *last;
    ssize_t     n;
    uint64_t    start;
    ngx_fd_t    fd;
    ngx_uint_t  field;
    u_char      path[sizeof("/proc//stat") + NGX_INT64_LEN];
    u_char      buf[1024];

    ngx_sprintf(path, "/proc/%P/stat%Z", pid);

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        return 0;
    }

    n = ngx_read_fd(fd, buf, sizeof(buf));
    ngx_close_file(fd);

    if (n <= 0) {
        return 0;
    }

    /* "PID (COMM) STATE ...": COMM may hold spaces and ")" */

    last = buf + n;

    for (p = last - 1; p > buf && *p != ')'; p--) { /* void */ }

    if (p == buf) {
        return 0;
    }

    field = 2;
    start = 0;

    for (p++; p < last; p++) {
        if (*p == ' ') {
            field++;
            continue;
        }

        if (field == 22) {
            if (*p < '0' || *p > '9') {
                break;
            }

            start = start * 10 + (*p - '0');
        }
    }

    return start;
}


static ngx_int_t
ngx_vstream_owner_alive(ngx_pid_t pid, uint64_t start)
{
    uint64_t  now;

    if (kill(pid, 0) == -1 && ngx_errno == NGX_ESRCH) {
        return 0;
    }

    if (start == 0) {
        return 1;
    }

    now = ngx_vstream_pid_start(pid);

    /* unreadable (another pid namespace, a race): not proof of death */
    return now == 0 || now == start;
}


/*
 * A slot of the zone that one worker at a time holds (the S3 uploader's
 * task): taken (take 1) when it is free, this worker's, or its holder is
 * dead, recognised as records' owners are, probed with the lock released;
 * NGX_BUSY while a live worker holds it.  take 0 frees it if it is ours.
 */

ngx_int_t
ngx_vstream_shm_hold(ngx_vstream_shm_t *shm, ngx_vstream_holder_t *h,
    ngx_uint_t take)
{
    ngx_int_t             rc;
    ngx_vstream_holder_t  seen;

    ngx_shmtx_lock(&shm->shpool->mutex);

    seen = *h;

    if (!take || seen.pid == 0 || seen.pid == ngx_pid) {
        if (take) {
            h->pid = ngx_pid;
            h->start = ngx_vstream_owner_start;

        } else if (seen.pid == ngx_pid) {
            h->pid = 0;
        }

        ngx_shmtx_unlock(&shm->shpool->mutex);

        return NGX_OK;
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    if (ngx_vstream_owner_alive(seen.pid, seen.start)) {
        return NGX_BUSY;
    }

    /* dead: taken over, unless another worker took it meanwhile */

    ngx_shmtx_lock(&shm->shpool->mutex);

    rc = NGX_BUSY;

    if (h->pid == seen.pid && h->start == seen.start) {
        h->pid = ngx_pid;
        h->start = ngx_vstream_owner_start;
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return rc;
}


/*
 * Records belong to the worker that accepted the publisher.  A worker
 * killed hard never closes them: find the owners other than this worker
 * (a short walk under the lock), probe them with the lock released, and
 * remove the records of the dead ones.
 */

void
ngx_vstream_shm_reap(ngx_vstream_shm_t *shm, ngx_log_t *log)
{
    ngx_uint_t             i, n, ndead;
    ngx_uint_t             reaped[NGX_VSTREAM_REAP_PIDS];
    ngx_pid_t              pids[NGX_VSTREAM_REAP_PIDS];
    uint64_t               starts[NGX_VSTREAM_REAP_PIDS];
    ngx_queue_t           *q, *next;
    ngx_vstream_stream_t  *st;

    n = 0;

    ngx_shmtx_lock(&shm->shpool->mutex);

    for (q = ngx_queue_head(&shm->sh->streams);
         q != ngx_queue_sentinel(&shm->sh->streams)
         && n < NGX_VSTREAM_REAP_PIDS;
         q = ngx_queue_next(q))
    {
        st = ngx_queue_data(q, ngx_vstream_stream_t, queue);

        if (st->pid == ngx_pid && st->pid_start == ngx_vstream_owner_start) {
            continue;
        }

        for (i = 0; i < n; i++) {
            if (pids[i] == st->pid && starts[i] == st->pid_start) {
                break;
            }
        }

        if (i == n) {
            pids[n] = st->pid;
            starts[n] = st->pid_start;
            n++;
        }
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    ndead = 0;

    for (i = 0; i < n; i++) {
        if (!ngx_vstream_owner_alive(pids[i], starts[i])) {
            pids[ndead] = pids[i];
            starts[ndead] = starts[i];
            ndead++;
        }
    }

    if (ndead == 0) {
        return;
    }

    ngx_memzero(reaped, sizeof(reaped));

    ngx_shmtx_lock(&shm->shpool->mutex);

    for (q = ngx_queue_head(&shm->sh->streams);
         q != ngx_queue_sentinel(&shm->sh->streams);
         q = next)
    {
        next = ngx_queue_next(q);
        st = ngx_queue_data(q, ngx_vstream_stream_t, queue);

        for (i = 0; i < ndead; i++) {
            if (st->pid == pids[i] && st->pid_start == starts[i]) {
                ngx_vstream_shm_free_locked(shm, st);
                shm->sh->t.reaped++;
                reaped[i]++;
                break;
            }
        }
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    /* logged after the lock: a dead worker may have held thousands */

    for (i = 0; i < ndead; i++) {
        if (reaped[i]) {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "vstream: reaped %ui stream(s) of worker %P, "
                          "which is gone", reaped[i], pids[i]);
        }
    }
}


/*
 * Copies the zone (or one stream of it) into the worker's scratch memory
 * (valid until the next ngx_vstream_scratch_begin()).  The memory is sized
 * from counters read before the lock and allocated before it; what no
 * longer fits when the lock is held (streams added meanwhile) is left out.
 */

ngx_int_t
ngx_vstream_shm_snapshot(ngx_vstream_shm_t *shm, ngx_pool_t *pool,
    ngx_str_t *app, ngx_str_t *name, ngx_vstream_snapshot_t *snap)
{
    u_char                *p, *last;
    size_t                 size, len;
    ngx_uint_t             nstreams, napps;
    ngx_queue_t           *q;
    ngx_vstream_app_t     *a, **ap;
    ngx_vstream_stream_t  *st, **stp;

    /* each copy is aligned: up to sizeof(void *) more than its length */

    if (name) {
        nstreams = 1;
        size = offsetof(ngx_vstream_stream_t, data) + 2 * NGX_VSTREAM_NAME_MAX
               + sizeof(void *);

    } else {
        nstreams = shm->sh->nstreams + 16;
        size = nstreams * (offsetof(ngx_vstream_stream_t, data)
                           + sizeof(void *))
               + shm->sh->names_len + 16 * 2 * NGX_VSTREAM_NAME_MAX;
    }

    napps = shm->sh->napps + 4;
    size += napps * (offsetof(ngx_vstream_app_t, name) + NGX_VSTREAM_NAME_MAX
                     + sizeof(void *));

    p = ngx_vstream_scratch_alloc(pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    last = p + size;

    /* arrays that never grow: the loops below stop at nalloc */

    snap->streams.elts = ngx_vstream_scratch_alloc(pool,
                                                   nstreams * sizeof(void *));
    snap->apps.elts = ngx_vstream_scratch_alloc(pool, napps * sizeof(void *));

    if (snap->streams.elts == NULL || snap->apps.elts == NULL) {
        return NGX_ERROR;
    }

    snap->streams.nelts = 0;
    snap->streams.size = sizeof(void *);
    snap->streams.nalloc = nstreams;
    snap->streams.pool = pool;

    snap->apps.nelts = 0;
    snap->apps.size = sizeof(void *);
    snap->apps.nalloc = napps;
    snap->apps.pool = pool;

    snap->now = ngx_time();
    snap->now_ms = ngx_vstream_unix_ms();

    ngx_shmtx_lock(&shm->shpool->mutex);

    snap->t = shm->sh->t;
    snap->nstreams = shm->sh->nstreams;
    snap->zone_size = shm->shpool->end - (u_char *) shm->shpool;
    snap->zone_used = snap->zone_size
                      - (shm->shpool->pfree << ngx_pagesize_shift);

    for (q = ngx_queue_head(&shm->sh->apps);
         q != ngx_queue_sentinel(&shm->sh->apps)
         && snap->apps.nelts < napps;
         q = ngx_queue_next(q))
    {
        a = ngx_queue_data(q, ngx_vstream_app_t, queue);
        len = offsetof(ngx_vstream_app_t, name) + a->len;
        len = ngx_align(len, sizeof(void *));

        if (p + len > last) {
            break;
        }

        ap = ngx_array_push(&snap->apps);
        *ap = (ngx_vstream_app_t *) p;
        p = ngx_cpymem(p, a, len);
    }

    if (name) {
        st = ngx_vstream_shm_lookup_locked(shm, app, name);
        q = st ? &st->queue : ngx_queue_sentinel(&shm->sh->streams);

    } else {
        q = ngx_queue_head(&shm->sh->streams);
    }

    for ( /* void */ ;
         q != ngx_queue_sentinel(&shm->sh->streams)
         && snap->streams.nelts < nstreams;
         q = ngx_queue_next(q))
    {
        st = ngx_queue_data(q, ngx_vstream_stream_t, queue);
        len = offsetof(ngx_vstream_stream_t, data) + st->app_len
              + st->name_len;
        len = ngx_align(len, sizeof(void *));

        if (p + len > last) {
            break;
        }

        stp = ngx_array_push(&snap->streams);
        *stp = (ngx_vstream_stream_t *) p;
        p = ngx_cpymem(p, st, len);
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return NGX_OK;
}


/*
 * HLS requests as the workers counted them, merged under one lock per tick
 * (the log phase never takes it).  A stream's viewers are the distinct
 * addresses in two sketches: the current one, which takes the fetches of
 * window / 2, and the one before.  An address leaves between window / 2 and
 * window after its last fetch.  The estimate is made here, into
 * viewers_active, where the renderers read it.  Then every sketch due for
 * a turn is turned, here too (a stream nobody fetches gets no hits to merge);
 * sketches both empty are freed.  Returns how many hits' viewers were lost
 * to a full zone.
 */

ngx_uint_t
ngx_vstream_shm_hls_flush(ngx_vstream_shm_t *shm,
    ngx_vstream_hls_hits_t **hits, ngx_uint_t n)
{
    time_t                   now;
    u_char                  *regs;
    ngx_str_t               *app;
    ngx_uint_t               i, k, lost;
    ngx_queue_t             *q, *next;
    vstream_hll_meta_t      *meta;
    ngx_vstream_stream_t    *st;
    ngx_vstream_hls_hits_t  *h;

    now = ngx_time();
    lost = 0;

    ngx_shmtx_lock(&shm->shpool->mutex);

    for (i = 0; i < n; i++) {
        h = hits[i];

        shm->sh->t.hls_requests += h->playlists + h->segments;
        shm->sh->t.hls_bytes_out += h->bytes;

        app = h->app.len ? &h->app : NULL;

        st = ngx_vstream_shm_lookup_locked(shm, app, &h->name);

        if (st == NULL) {
            shm->sh->t.hls_unmatched += h->playlists + h->segments;
            continue;
        }

        st->bytes_out += h->bytes;
        st->playlist_requests += h->playlists;
        st->segment_requests += h->segments;

        if (h->nhashes == 0 && h->ranks == NULL) {
            continue;
        }

        if (st->hll == NULL) {
            st->hll = ngx_slab_alloc_locked(shm->shpool,
                                            2 * VSTREAM_HLL_BYTES);
            if (st->hll == NULL) {
                lost++;
                continue;
            }

            vstream_hll_clear(st->hll, &st->hll_meta[0]);
            vstream_hll_clear(st->hll + VSTREAM_HLL_BYTES, &st->hll_meta[1]);
            st->hll_cur = 0;
            st->viewers_epoch = now;
            ngx_queue_insert_tail(&shm->sh->viewed, &st->viewed);
        }

        st->viewers_window = (uint32_t) h->window;
        (void) ngx_vstream_shm_hls_turn(st, now);

        regs = st->hll + st->hll_cur * VSTREAM_HLL_BYTES;
        meta = &st->hll_meta[st->hll_cur];

        for (k = 0; k < h->nhashes; k++) {
            (void) vstream_hll_add(regs, meta, h->hashes[k]);
        }

        if (h->ranks) {
            for (k = 0; k < VSTREAM_HLL_M; k++) {
                if (h->ranks[k]) {
                    (void) vstream_hll_set(regs, meta, k, h->ranks[k]);
                }
            }
        }

        st->viewers_last = now;
        ngx_vstream_shm_hls_estimate(st);
    }

    for (q = ngx_queue_head(&shm->sh->viewed);
         q != ngx_queue_sentinel(&shm->sh->viewed);
         q = next)
    {
        next = ngx_queue_next(q);
        st = ngx_queue_data(q, ngx_vstream_stream_t, viewed);

        if (!ngx_vstream_shm_hls_turn(st, now)) {
            continue;
        }

        if (vstream_hll_empty(&st->hll_meta[0])
            && vstream_hll_empty(&st->hll_meta[1]))
        {
            ngx_queue_remove(&st->viewed);
            ngx_slab_free_locked(shm->shpool, st->hll);
            st->hll = NULL;
            st->viewers_active = 0;
            continue;
        }

        ngx_vstream_shm_hls_estimate(st);
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return lost;
}


/* starts a new current sketch when window / 2 has passed; 1 if it did */

static ngx_uint_t
ngx_vstream_shm_hls_turn(ngx_vstream_stream_t *st, time_t now)
{
    time_t  half;

    half = ngx_max((time_t) st->viewers_window / 2, 1);

    if (now - st->viewers_epoch < half) {
        return 0;
    }

    st->hll_cur ^= 1;
    vstream_hll_clear(st->hll + st->hll_cur * VSTREAM_HLL_BYTES,
                      &st->hll_meta[st->hll_cur]);

    if (now - st->viewers_epoch >= 2 * half) {
        /* not turned for a whole window: the other is out of date too */
        vstream_hll_clear(st->hll + (st->hll_cur ^ 1) * VSTREAM_HLL_BYTES,
                          &st->hll_meta[st->hll_cur ^ 1]);
    }

    st->viewers_epoch = now;

    return 1;
}


static void
ngx_vstream_shm_hls_estimate(ngx_vstream_stream_t *st)
{
    double  e;

    e = vstream_hll_estimate(st->hll, &st->hll_meta[0],
                             st->hll + VSTREAM_HLL_BYTES, &st->hll_meta[1]);

    st->viewers_active = (uint32_t) (e + 0.5);
}


/*
 * The estimate made at the last merge.  It is 0 once no fetch was merged
 * within the stream's window (vstream_hls_viewers' window=), whatever the
 * sketches still hold (their turn may come up to a tick late).
 */

ngx_uint_t
ngx_vstream_viewers_active(ngx_vstream_stream_t *st, time_t now)
{
    if (st->hll == NULL || now - st->viewers_last > st->viewers_window) {
        return 0;
    }

    return st->viewers_active;
}


void
ngx_vstream_shm_count(ngx_vstream_shm_t *shm, uint64_t *counter, uint64_t n)
{
    ngx_shmtx_lock(&shm->shpool->mutex);

    *counter += n;

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


/* a per-application counter (a uint64_t at offset in ngx_vstream_app_t) */

void
ngx_vstream_shm_app_count(ngx_vstream_shm_t *shm, ngx_str_t *app,
    size_t offset, uint64_t n)
{
    ngx_vstream_app_t  *a;

    ngx_shmtx_lock(&shm->shpool->mutex);

    a = ngx_vstream_shm_app_locked(shm, app);

    if (a) {
        *(uint64_t *) ((u_char *) a + offset) += n;

    } else {
        shm->sh->t.denied_unaccounted += n;
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


/* when the live stream app/name started (unix ms), 0 if it is not live */

uint64_t
ngx_vstream_shm_started_ms(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name)
{
    uint64_t               ms;
    ngx_vstream_stream_t  *st;

    ngx_shmtx_lock(&shm->shpool->mutex);

    st = ngx_vstream_shm_lookup_locked(shm, app, name);
    ms = st ? st->started_ms : 0;

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return ms;
}
