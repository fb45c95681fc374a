
/*
 * The viewer sketch (src/vstream_hll.c) on its own: the estimate of 1, 100,
 * 10^4 and 10^6 distinct client addresses within 3 %, repeated addresses
 * not counted again, the union of two sketches, a sketch merged from the
 * ranks a worker keeps estimating as one fed directly, and the error over many
 * independent runs.  TAP on stdout.
 */


#include <math.h>
#include <stdio.h>
#include <string.h>
#include "vstream_hll.h"
#include "tap.h"


/* what: a whole description, not a format */

static void
ok(int cond, const char *what)
{
    t_ok(cond, "%s", what);
}


/* the i-th address of a run, in the text form nginx gives (addr_text) */

static size_t
addr(unsigned run, unsigned long i, char *buf)
{
    if (run & 1) {
        return (size_t) sprintf(buf, "2001:db8:%x:%x::%lx", run, (unsigned)
                                (i >> 16), i & 0xffff);
    }

    return (size_t) sprintf(buf, "%u.%lu.%lu.%lu", 10 + run,
                            (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
}


static double
fill(unsigned char *regs, vstream_hll_meta_t *m, unsigned run,
    unsigned long from, unsigned long n)
{
    char           buf[64];
    size_t         len;
    unsigned long  i;

    for (i = from; i < from + n; i++) {
        len = addr(run, i, buf);
        vstream_hll_add(regs, m, vstream_hll_hash(buf, len));
    }

    return vstream_hll_estimate(regs, m, NULL, NULL);
}


int
main(void)
{
    char                buf[160];
    double              e, err, worst, sum;
    size_t              len;
    unsigned            i, run, index, rank, within;
    unsigned long       n, k;
    unsigned char       a[VSTREAM_HLL_BYTES], b[VSTREAM_HLL_BYTES];
    unsigned char       c[VSTREAM_HLL_BYTES], ranks[VSTREAM_HLL_M];
    vstream_hll_meta_t  ma, mb, mc;
    static const unsigned long  sizes[] = { 1, 100, 10000, 1000000 };

    vstream_hll_clear(a, &ma);
    ok(vstream_hll_estimate(a, &ma, NULL, NULL) == 0.0,
       "an empty sketch estimates 0");
    ok(vstream_hll_empty(&ma), "and is empty");

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        n = sizes[i];
        vstream_hll_clear(a, &ma);
        e = fill(a, &ma, 0, 0, n);
        err = fabs(e - n) / n;
        sprintf(buf, "%lu distinct addresses: estimate %.1f (%+.2f %%)",
                n, e, 100.0 * (e - n) / n);
        ok(n == 1 ? floor(e + 0.5) == 1 : err <= 0.03, buf);

        /* the same addresses again: at most a register kept as a lower
         * bound (see vstream_hll.h) comes back up */
        fill(a, &ma, 0, 0, n < 10000 ? n : 10000);
        ok(fabs(vstream_hll_estimate(a, &ma, NULL, NULL) - e) / e < 0.001,
           "repeated addresses are not counted again");
    }

    ok(ma.base > 0, "the base rose at 10^6 (4-bit registers hold the rest)");
    ok(sizeof(a) * 2 == 4096, "two sketches fill 4 KiB");

    /* the union of two sketches of overlapping halves */
    vstream_hll_clear(a, &ma);
    vstream_hll_clear(b, &mb);
    fill(a, &ma, 2, 0, 30000);
    fill(b, &mb, 2, 20000, 30000);
    e = vstream_hll_estimate(a, &ma, b, &mb);
    sprintf(buf, "union of 0..30000 and 20000..50000: %.0f of 50000", e);
    ok(fabs(e - 50000) / 50000 <= 0.03, buf);

    /* a worker keeps the greatest rank per register; merged, the same */
    vstream_hll_clear(a, &ma);
    vstream_hll_clear(c, &mc);
    memset(ranks, 0, sizeof(ranks));

    for (k = 0; k < 200000; k++) {
        len = addr(4, k, buf);
        vstream_hll_add(a, &ma, vstream_hll_hash(buf, len));
        vstream_hll_split(vstream_hll_hash(buf, len), &index, &rank);

        if (rank > ranks[index]) {
            ranks[index] = (unsigned char) rank;
        }

        if (k % 50000 == 49999) {
            for (i = 0; i < VSTREAM_HLL_M; i++) {
                if (ranks[i]) {
                    vstream_hll_set(c, &mc, i, ranks[i]);
                }
            }

            memset(ranks, 0, sizeof(ranks));
        }
    }

    e = vstream_hll_estimate(a, &ma, NULL, NULL);
    err = vstream_hll_estimate(c, &mc, NULL, NULL);
    sprintf(buf, "a sketch merged from ranks in 4 batches estimates as one "
            "fed directly (%.1f, %.1f)", err, e);
    ok(fabs(e - err) / e < 0.005 && ma.base == mc.base, buf);

    /* many independent runs: the error's spread is the sketch's */
    for (i = 0; i < 2; i++) {
        n = i ? 100000 : 5000;
        worst = 0;
        sum = 0;
        within = 0;

        for (run = 10; run < 110; run++) {
            vstream_hll_clear(a, &ma);
            e = fill(a, &ma, run, 0, n);
            err = (e - n) / n;
            sum += err * err;
            worst = fabs(err) > worst ? fabs(err) : worst;
            within += fabs(err) <= 0.03;
        }

        sprintf(buf, "100 runs of %lu: rms error %.2f %%, worst %.2f %%, "
                "%u within 3 %%", n, 100.0 * sqrt(sum / 100), 100.0 * worst,
                within);
        ok(sqrt(sum / 100) < 0.022 && within >= 90, buf);
    }

    return t_done();
}
