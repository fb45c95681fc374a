
/*
 * vstream: a HyperLogLog sketch of distinct viewers, free of nginx.
 *
 * 2^12 registers of 4 bits each (2 KiB): a register holds its value less
 * the sketch's base, the smallest value of all registers, as in
 * HyperLogLog-TailCut; the base rises once no register is left at it.  A
 * value more than 15 above the base is kept as base + 15: at 10^6 distinct
 * inputs that is a few registers of 4096, and each costs under 2^-19 of
 * the harmonic sum.  The estimate is Ertl's improved raw estimator
 * (arXiv:1702.01284): no bias tables, no switch to linear counting.
 * Standard error 1.04 / sqrt(4096) = 1.6 %.
 */


#ifndef _VSTREAM_HLL_H_INCLUDED_
#define _VSTREAM_HLL_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define VSTREAM_HLL_P      12
#define VSTREAM_HLL_M      (1 << VSTREAM_HLL_P)
#define VSTREAM_HLL_BYTES  (VSTREAM_HLL_M / 2)   /* one sketch's registers */
#define VSTREAM_HLL_RANK   (64 - VSTREAM_HLL_P + 1)


/* kept beside the registers, so that two sketches fill 4 KiB exactly */
typedef struct {
    uint8_t   base;
    uint16_t  zeros;     /* registers at the base */
} vstream_hll_meta_t;


uint64_t vstream_hll_hash(const void *data, size_t len);
void vstream_hll_split(uint64_t hash, unsigned *index, unsigned *rank);
void vstream_hll_clear(unsigned char *regs, vstream_hll_meta_t *meta);
int vstream_hll_set(unsigned char *regs, vstream_hll_meta_t *meta,
    unsigned index, unsigned rank);
int vstream_hll_add(unsigned char *regs, vstream_hll_meta_t *meta,
    uint64_t hash);
int vstream_hll_empty(const vstream_hll_meta_t *meta);

/* the estimate of the union of one or two sketches (b may be NULL) */
double vstream_hll_estimate(const unsigned char *a,
    const vstream_hll_meta_t *ma, const unsigned char *b,
    const vstream_hll_meta_t *mb);

#endif /* _VSTREAM_HLL_H_INCLUDED_ */
