
/*
 * vstream: the C unit tests' TAP output, read by t/lib/VStream/Unit.pm:
 * t_ok() prints one test point, t_done() the plan, and gives the exit
 * status.  One copy for every unit test.
 */


#ifndef _VSTREAM_TAP_H_INCLUDED_
#define _VSTREAM_TAP_H_INCLUDED_


#include <stdarg.h>
#include <stdio.h>


static unsigned  t_tests, t_failed;


static void
t_ok(int cond, const char *fmt, ...)
{
    va_list  ap;

    t_tests++;

    if (!cond) {
        t_failed++;
    }

    printf("%sok %u - ", cond ? "" : "not ", t_tests);

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);

    printf("\n");
}


/* the plan, after the last test point; main's return value */

static int
t_done(void)
{
    printf("1..%u\n", t_tests);

    return t_failed ? 1 : 0;
}


#endif /* _VSTREAM_TAP_H_INCLUDED_ */
