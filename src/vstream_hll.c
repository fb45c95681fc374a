
/*
 * vstream: the HyperLogLog sketch of vstream_hll.h.
 */


#include <math.h>
#include <string.h>
#include "vstream_hll.h"


#define vstream_hll_get(regs, i)                                             \
    (((regs)[(i) >> 1] >> (((i) & 1) << 2)) & 0x0f)


static double vstream_hll_sigma(double x);
static double vstream_hll_tau(double x);


/* FNV-1a, then MurmurHash3's finalizer: FNV alone mixes short keys poorly */

uint64_t
vstream_hll_hash(const void *data, size_t len)
{
    uint64_t              h;
    const unsigned char  *p;

    h = 0xcbf29ce484222325ULL;

    for (p = data; len--; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;

    return h;
}


/* the register: the top P bits; the rank: 1 + the zeros leading the rest */

void
vstream_hll_split(uint64_t hash, unsigned *index, unsigned *rank)
{
    unsigned  r;
    uint64_t  w;

    *index = (unsigned) (hash >> (64 - VSTREAM_HLL_P));

    w = hash << VSTREAM_HLL_P;

    for (r = 1; r < VSTREAM_HLL_RANK && !(w & 0x8000000000000000ULL); r++) {
        w <<= 1;
    }

    *rank = r;
}


void
vstream_hll_clear(unsigned char *regs, vstream_hll_meta_t *meta)
{
    memset(regs, 0, VSTREAM_HLL_BYTES);
    meta->base = 0;
    meta->zeros = VSTREAM_HLL_M;
}


int
vstream_hll_empty(const vstream_hll_meta_t *meta)
{
    return meta->base == 0 && meta->zeros == VSTREAM_HLL_M;
}


/* returns 1 when the register grew */

int
vstream_hll_set(unsigned char *regs, vstream_hll_meta_t *meta,
    unsigned index, unsigned rank)
{
    unsigned        i, v, cur, n, lo, hi;
    unsigned char  *p;

    if (rank <= meta->base) {
        return 0;
    }

    v = rank - meta->base;

    if (v > 15) {
        v = 15;
    }

    cur = vstream_hll_get(regs, index);

    if (v <= cur) {
        return 0;
    }

    p = &regs[index >> 1];

    if (index & 1) {
        *p = (unsigned char) ((*p & 0x0f) | v << 4);

    } else {
        *p = (unsigned char) ((*p & 0xf0) | v);
    }

    if (cur != 0 || --meta->zeros != 0) {
        return 1;
    }

    /* no register is at the base any more: raise it */

    n = 0;

    for (i = 0; i < VSTREAM_HLL_BYTES; i++) {
        lo = regs[i] & 0x0f;
        hi = regs[i] >> 4;

        /* none is at 0: every one goes down by one */
        lo--;
        hi--;

        n += (lo == 0) + (hi == 0);
        regs[i] = (unsigned char) (lo | hi << 4);
    }

    meta->base++;
    meta->zeros = (uint16_t) n;

    return 1;
}


int
vstream_hll_add(unsigned char *regs, vstream_hll_meta_t *meta, uint64_t hash)
{
    unsigned  index, rank;

    vstream_hll_split(hash, &index, &rank);

    return vstream_hll_set(regs, meta, index, rank);
}


double
vstream_hll_estimate(const unsigned char *a, const vstream_hll_meta_t *ma,
    const unsigned char *b, const vstream_hll_meta_t *mb)
{
    double    z;
    unsigned  i, k, va, vb;
    unsigned  c[VSTREAM_HLL_RANK + 1];

    memset(c, 0, sizeof(c));

    for (i = 0; i < VSTREAM_HLL_M; i++) {
        va = ma->base + vstream_hll_get(a, i);

        if (b) {
            vb = mb->base + vstream_hll_get(b, i);
            va = va > vb ? va : vb;
        }

        c[va > VSTREAM_HLL_RANK ? VSTREAM_HLL_RANK : va]++;
    }

    if (c[0] == VSTREAM_HLL_M) {
        return 0;
    }

    z = VSTREAM_HLL_M
        * vstream_hll_tau(1.0 - (double) c[VSTREAM_HLL_RANK] / VSTREAM_HLL_M);

    for (k = VSTREAM_HLL_RANK - 1; k >= 1; k--) {
        z = 0.5 * (z + c[k]);
    }

    z += VSTREAM_HLL_M * vstream_hll_sigma((double) c[0] / VSTREAM_HLL_M);

    /* alpha_inf = 1 / (2 ln 2) */
    return VSTREAM_HLL_M / (2.0 * log(2.0)) * VSTREAM_HLL_M / z;
}


static double
vstream_hll_sigma(double x)
{
    double  y, z, zp;

    if (x == 1.0) {
        return INFINITY;
    }

    y = 1.0;
    z = x;

    do {
        x *= x;
        zp = z;
        z += x * y;
        y += y;
    } while (z != zp);

    return z;
}


static double
vstream_hll_tau(double x)
{
    double  y, z, zp;

    if (x == 0.0 || x == 1.0) {
        return 0.0;
    }

    y = 1.0;
    z = 1.0 - x;

    do {
        x = sqrt(x);
        zp = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != zp);

    return z / 3.0;
}
