
/*
 * vstream: libFuzzer target for the values of vstream_ingest_allow, parsed
 * by nginx's own ngx_ptocidr() (src/core/ngx_inet.c of nginx 1.22.1,
 * compiled into this binary with t/unit/ngx_stubs.c; deploy/fuzz.sh).
 * fz_directive() does what ngx_vstream_access_allow() does with one value.
 * Checks: the result is OK, DONE (host bits set: a warning) or ERROR; an
 * accepted value has a known family, a contiguous prefix mask, an address
 * without host bits; DONE exactly when the input had some; a prefix is
 * digits only and at most 32 or 128; and whatever inet_pton() reads as an
 * address nginx reads the same way, but for two nginx quirks: it reads
 * 255.255.255.255, alone or as the dotted tail of an IPv6 address, as its
 * INADDR_NONE and refuses the value; and it refuses a trailing "::" that
 * stands for one zero group ("1:2:3:4:5:6:7::"), which RFC 4291 allows
 * and RFC 5952 tells writers to avoid.  Both at configuration time with the
 * directive's "invalid CIDR" error: harmless, and checked as such here.
 * The input is an exact copy: ASan sees a read past it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <arpa/inet.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static ngx_int_t fz_directive(ngx_str_t *value, ngx_cidr_t *cidr,
    ngx_uint_t *all);
static int fz_prefix(const u_char *p, size_t len, int max);
static int fz_groups(const char *text);


#define fz_check(cond)  do { if (!(cond)) abort(); } while (0)


static ngx_int_t
fz_directive(ngx_str_t *value, ngx_cidr_t *cidr, ngx_uint_t *all)
{
    if (value->len == 3 && ngx_strncmp(value->data, "all", 3) == 0) {
        *all = 1;
        return NGX_OK;
    }

    return ngx_ptocidr(value, cidr);
}


/* the prefix length of a "/N" suffix as ngx_atoi() reads it, or -1 */

static int
fz_prefix(const u_char *p, size_t len, int max)
{
    int     n;
    size_t  i;

    if (len == 0) {
        return -1;
    }

    for (i = 0, n = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }

        n = n * 10 + (p[i] - '0');

        if (n > max) {
            return -1;
        }
    }

    return n;
}


/* 16-bit groups written out in an IPv6 address with "::" (a dotted tail
 * counts 2); -1 without "::" */

static int
fz_groups(const char *text)
{
    int          n;
    const char  *p;

    if (strstr(text, "::") == NULL) {
        return -1;
    }

    for (n = 0, p = text; *p; ) {
        if (*p == ':') {
            p++;
            continue;
        }

        n += strchr(p, '.') && !strchr(p, ':') ? 2 : 1;

        while (*p && *p != ':') {
            p++;
        }
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           bits, max, i, host;
    char          text[64];
    u_char       *copy, *slash;
    size_t        alen;
    uint32_t      m;
    ngx_int_t     rc;
    ngx_str_t     value;
    ngx_uint_t    all;
    ngx_cidr_t    cidr;
    u_char        a6[16];
    struct in_addr a4;

    copy = malloc(size ? size : 1);
    fz_check(copy != NULL);
    memcpy(copy, data, size);

    value.data = copy;
    value.len = size;
    all = 0;
    ngx_memzero(&cidr, sizeof(ngx_cidr_t));

    rc = fz_directive(&value, &cidr, &all);

    fz_check(rc == NGX_OK || rc == NGX_DONE || rc == NGX_ERROR);

    if (all) {
        fz_check(rc == NGX_OK);
        goto done;
    }

    slash = memchr(copy, '/', size);
    alen = slash ? (size_t) (slash - copy) : size;

    if (rc != NGX_ERROR) {
        fz_check(cidr.family == AF_INET || cidr.family == AF_INET6);

        max = (cidr.family == AF_INET) ? 32 : 128;
        bits = slash ? fz_prefix(slash + 1, size - alen - 1, max) : max;
        fz_check(bits >= 0);

        if (cidr.family == AF_INET) {
            m = ntohl(cidr.u.in.mask);
            fz_check(m == (bits ? 0xffffffffu << (32 - bits) : 0));
            fz_check((cidr.u.in.addr & ~cidr.u.in.mask) == 0);

        } else {
            for (i = 0; i < 16; i++) {
                host = bits - 8 * i;
                host = host >= 8 ? 8 : (host <= 0 ? 0 : host);
                fz_check(cidr.u.in6.mask.s6_addr[i]
                         == (u_char) (0xffu << (8 - host)));
                fz_check((cidr.u.in6.addr.s6_addr[i]
                          & ~cidr.u.in6.mask.s6_addr[i]) == 0);
            }
        }
    }

    /* what inet_pton() reads as an address, nginx reads alike */
    if (alen >= sizeof(text) || memchr(copy, '\0', alen) != NULL) {
        goto done;
    }

    memcpy(text, copy, alen);
    text[alen] = '\0';

    if (inet_pton(AF_INET, text, &a4) == 1) {
        /* nginx's one quirk: 255.255.255.255 is its INADDR_NONE */
        if (a4.s_addr == INADDR_NONE) {
            fz_check(rc == NGX_ERROR);
            goto done;
        }

        /* and nginx's other: a trailing "::" standing for one zero group */
        if (fz_groups(text) == 7 && alen >= 2
            && memcmp(text + alen - 2, "::", 2) == 0)
        {
            fz_check(rc == NGX_ERROR);
            goto done;
        }

        bits = slash ? fz_prefix(slash + 1, size - alen - 1, 32) : 32;
        fz_check((rc == NGX_ERROR) == (bits < 0));

        if (bits >= 0) {
            m = bits ? htonl(0xffffffffu << (32 - bits)) : 0;
            fz_check(cidr.family == AF_INET
                     && cidr.u.in.addr == (a4.s_addr & m));
            fz_check((rc == NGX_DONE) == ((a4.s_addr & ~m) != 0));
        }

    } else if (inet_pton(AF_INET6, text, a6) == 1) {
        /* the same quirk in a dotted tail, as in ::ffff:255.255.255.255 */
        if (strchr(text, '.') != NULL && a6[12] == 0xff && a6[13] == 0xff
            && a6[14] == 0xff && a6[15] == 0xff)
        {
            fz_check(rc == NGX_ERROR);
            goto done;
        }

        /* and nginx's other: a trailing "::" standing for one zero group */
        if (fz_groups(text) == 7 && alen >= 2
            && memcmp(text + alen - 2, "::", 2) == 0)
        {
            fz_check(rc == NGX_ERROR);
            goto done;
        }

        bits = slash ? fz_prefix(slash + 1, size - alen - 1, 128) : 128;
        fz_check((rc == NGX_ERROR) == (bits < 0));

        if (bits >= 0) {
            fz_check(cidr.family == AF_INET6);

            for (i = 0, host = 0; i < 16; i++) {
                if ((a6[i] & ~cidr.u.in6.mask.s6_addr[i]) != 0) {
                    host = 1;
                }

                fz_check(cidr.u.in6.addr.s6_addr[i]
                         == (a6[i] & cidr.u.in6.mask.s6_addr[i]));
            }

            fz_check((rc == NGX_DONE) == host);
        }
    }

done:

    free(copy);

    return 0;
}
