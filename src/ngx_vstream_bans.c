
/*
 * vstream: bans of stream names.  A bounded table in the shared zone, so
 * every worker refuses a banned name and a reload (which reuses the zone)
 * keeps the bans.  A ban ends by itself: expired entries are removed by
 * whatever touches the table next, under the same lock.  Times are whole
 * seconds; a ban ends once "until" is past, so it lasts at least as long
 * as asked (at most a second more).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_vstream.h"
#include "ngx_vstream_render.h"


/* a JSON entry without its names: keys, two times, a number */
#define NGX_VSTREAM_BAN_JSON  128


typedef struct {
    ngx_queue_t                queue;
    time_t                     until;
    uint32_t                   hash;
    uint16_t                   app_len;
    uint16_t                   name_len;
    u_char                     data[1];   /* app, then name */
} ngx_vstream_ban_t;


static void ngx_vstream_bans_expire_locked(ngx_vstream_shm_t *shm,
    time_t now);
static ngx_vstream_ban_t *ngx_vstream_bans_find_locked(
    ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name, uint32_t hash);
static void ngx_vstream_bans_free_locked(ngx_vstream_shm_t *shm,
    ngx_vstream_ban_t *ban);
static ngx_vstream_ban_t *ngx_vstream_bans_lock(ngx_vstream_shm_t *shm,
    ngx_str_t *app, ngx_str_t *name, uint32_t *hash);


/*
 * The zone is zeroed when made; the table's queue is set up at its first
 * use, so the zone's initialisation knows nothing of bans.  With the lock.
 */

static void
ngx_vstream_bans_expire_locked(ngx_vstream_shm_t *shm, time_t now)
{
    ngx_queue_t        *q, *next;
    ngx_vstream_ban_t  *ban;

    if (shm->sh->bans.next == NULL) {
        ngx_queue_init(&shm->sh->bans);
        return;
    }

    for (q = ngx_queue_head(&shm->sh->bans);
         q != ngx_queue_sentinel(&shm->sh->bans);
         q = next)
    {
        next = ngx_queue_next(q);
        ban = ngx_queue_data(q, ngx_vstream_ban_t, queue);

        if (ban->until < now) {
            ngx_vstream_bans_free_locked(shm, ban);
        }
    }
}


static ngx_vstream_ban_t *
ngx_vstream_bans_find_locked(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name, uint32_t hash)
{
    ngx_queue_t        *q;
    ngx_vstream_ban_t  *ban;

    for (q = ngx_queue_head(&shm->sh->bans);
         q != ngx_queue_sentinel(&shm->sh->bans);
         q = ngx_queue_next(q))
    {
        ban = ngx_queue_data(q, ngx_vstream_ban_t, queue);

        if (ban->hash == hash
            && ban->app_len == app->len && ban->name_len == name->len
            && ngx_memcmp(ban->data, app->data, app->len) == 0
            && ngx_memcmp(ban->data + app->len, name->data, name->len) == 0)
        {
            return ban;
        }
    }

    return NULL;
}


static void
ngx_vstream_bans_free_locked(ngx_vstream_shm_t *shm, ngx_vstream_ban_t *ban)
{
    ngx_queue_remove(&ban->queue);

    shm->sh->t.bans--;
    shm->sh->bans_len -= ban->app_len + ban->name_len;

    ngx_slab_free_locked(shm->shpool, ban);
}


/* takes the lock, removes what expired, finds app/name (NULL: none) */

static ngx_vstream_ban_t *
ngx_vstream_bans_lock(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name, uint32_t *hash)
{
    ngx_crc32_init(*hash);
    ngx_crc32_update(hash, app->data, app->len);
    ngx_crc32_update(hash, (u_char *) "/", 1);
    ngx_crc32_update(hash, name->data, name->len);
    ngx_crc32_final(*hash);

    ngx_shmtx_lock(&shm->shpool->mutex);

    ngx_vstream_bans_expire_locked(shm, ngx_time());

    return ngx_vstream_bans_find_locked(shm, app, name, *hash);
}


/*
 * Bans app/name until the given time: NGX_OK for a new ban, NGX_DONE for
 * one made longer or shorter (the time it had in *prev), NGX_BUSY when the
 * table is full (counted).
 */

ngx_int_t
ngx_vstream_bans_add(ngx_vstream_shm_t *shm, ngx_str_t *app, ngx_str_t *name,
    time_t until, time_t *prev)
{
    uint32_t            hash;
    ngx_vstream_ban_t  *ban;

    ban = ngx_vstream_bans_lock(shm, app, name, &hash);

    if (ban) {
        *prev = ban->until;
        ban->until = until;

        ngx_shmtx_unlock(&shm->shpool->mutex);

        return NGX_DONE;
    }

    if (shm->sh->t.bans < NGX_VSTREAM_BANS_MAX) {
        ban = ngx_slab_alloc_locked(shm->shpool,
                                    offsetof(ngx_vstream_ban_t, data)
                                    + app->len + name->len);
    }

    if (ban == NULL) {
        shm->sh->t.bans_refused++;

        ngx_shmtx_unlock(&shm->shpool->mutex);

        return NGX_BUSY;
    }

    ban->until = until;
    ban->hash = hash;
    ban->app_len = (uint16_t) app->len;
    ban->name_len = (uint16_t) name->len;
    ngx_memcpy(ban->data, app->data, app->len);
    ngx_memcpy(ban->data + app->len, name->data, name->len);

    ngx_queue_insert_tail(&shm->sh->bans, &ban->queue);

    shm->sh->t.bans++;
    shm->sh->bans_len += app->len + name->len;

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return NGX_OK;
}


/* NGX_OK, or NGX_DECLINED when app/name is not banned */

ngx_int_t
ngx_vstream_bans_remove(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name)
{
    uint32_t            hash;
    ngx_vstream_ban_t  *ban;

    ban = ngx_vstream_bans_lock(shm, app, name, &hash);

    if (ban) {
        ngx_vstream_bans_free_locked(shm, ban);
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return ban ? NGX_OK : NGX_DECLINED;
}


/* 1 if app/name may not publish now */

ngx_int_t
ngx_vstream_bans_check(ngx_vstream_shm_t *shm, ngx_str_t *app,
    ngx_str_t *name)
{
    uint32_t            hash;
    ngx_vstream_ban_t  *ban;

    /* read without the lock: no bans, no lock taken for every publish */
    if (shm == NULL || shm->sh->t.bans == 0) {
        return 0;
    }

    ban = ngx_vstream_bans_lock(shm, app, name, &hash);

    ngx_shmtx_unlock(&shm->shpool->mutex);

    return ban != NULL;
}


/* before a snapshot: the vstream_bans gauge counts bans in force only */

void
ngx_vstream_bans_expire(ngx_vstream_shm_t *shm)
{
    if (shm->sh->t.bans == 0) {
        return;
    }

    ngx_shmtx_lock(&shm->shpool->mutex);

    ngx_vstream_bans_expire_locked(shm, ngx_time());

    ngx_shmtx_unlock(&shm->shpool->mutex);
}


/*
 * GET /vstream/bans: [{"app":..,"stream":..,"until":..,"seconds_left":..}].
 * The entries are copied under the lock into memory sized and allocated
 * before it (bans added meanwhile beyond the room are left out), and
 * rendered after it.
 */

ngx_buf_t *
ngx_vstream_bans_render(ngx_vstream_shm_t *shm, ngx_pool_t *pool,
    ngx_log_t *log)
{
    u_char             *p, *last;
    size_t              size, len, names;
    time_t              now;
    ngx_buf_t          *b;
    ngx_uint_t          i, n, max;
    ngx_queue_t        *q;
    ngx_vstream_wr_t    w;
    ngx_vstream_ban_t  *ban, **bans;

    max = shm->sh->t.bans + 8;
    size = max * (offsetof(ngx_vstream_ban_t, data) + sizeof(void *))
           + shm->sh->bans_len + 8 * 2 * NGX_VSTREAM_NAME_MAX;

    p = ngx_palloc(pool, size);
    bans = ngx_palloc(pool, max * sizeof(ngx_vstream_ban_t *));

    if (p == NULL || bans == NULL) {
        return NULL;
    }

    last = p + size;
    n = 0;
    names = 0;
    now = ngx_time();

    ngx_shmtx_lock(&shm->shpool->mutex);

    ngx_vstream_bans_expire_locked(shm, now);

    for (q = ngx_queue_head(&shm->sh->bans);
         q != ngx_queue_sentinel(&shm->sh->bans) && n < max;
         q = ngx_queue_next(q))
    {
        ban = ngx_queue_data(q, ngx_vstream_ban_t, queue);
        len = offsetof(ngx_vstream_ban_t, data) + ban->app_len
              + ban->name_len;
        len = ngx_align(len, sizeof(void *));

        if (p + len > last) {
            break;
        }

        bans[n++] = (ngx_vstream_ban_t *) p;
        p = ngx_cpymem(p, ban, len);
        names += ban->app_len + ban->name_len;
    }

    ngx_shmtx_unlock(&shm->shpool->mutex);

    b = ngx_create_temp_buf(pool, 4 + n * NGX_VSTREAM_BAN_JSON
                                  + names * NGX_VSTREAM_ESCAPE);
    if (b == NULL) {
        return NULL;
    }

    ngx_vstream_wr_init(&w, b);

    ngx_vstream_wr_byte(&w, '[');

    for (i = 0; i < n; i++) {
        ban = bans[i];

        if (i) {
            ngx_vstream_wr_byte(&w, ',');
        }

        ngx_vstream_wr_lit(&w, "{\"app\":");
        ngx_vstream_wr_json_str(&w, ban->data, ban->app_len);
        ngx_vstream_wr_lit(&w, ",\"stream\":");
        ngx_vstream_wr_json_str(&w, ban->data + ban->app_len, ban->name_len);
        ngx_vstream_wr_lit(&w, ",\"until\":");
        ngx_vstream_wr_json_time(&w, ban->until);
        ngx_vstream_wr_lit(&w, ",\"seconds_left\":");
        ngx_vstream_wr_i64(&w, ban->until - now);
        ngx_vstream_wr_byte(&w, '}');
    }

    ngx_vstream_wr_lit(&w, "]\n");

    return ngx_vstream_wr_done(&w, b, log, "bans");
}


/* a ban's length: 1 to NGX_VSTREAM_BAN_SECONDS_MAX, or NGX_ERROR */

time_t
ngx_vstream_bans_seconds(ngx_str_t *value)
{
    time_t  s;

    if (value->len == 0 || value->len > NGX_TIME_T_LEN) {
        return NGX_ERROR;
    }

    s = ngx_atotm(value->data, value->len);

    if (s <= 0 || s > NGX_VSTREAM_BAN_SECONDS_MAX) {
        return NGX_ERROR;
    }

    return s;
}
