
/*
 * vstream: who may publish.  Source address lists (nginx's own CIDR
 * parsing and matching), signed stream keys (HMAC-SHA256 with OpenSSL,
 * compared in constant time), and the stream names we accept.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "ngx_vstream.h"
#include "ngx_vstream_access.h"
#include "vstream_text.h"


static ngx_int_t ngx_vstream_access_arg(ngx_str_t *args, char *name,
    size_t len, ngx_str_t *value);


char *
ngx_vstream_access_allow(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_vstream_access_t  *va = (ngx_vstream_access_t *)
                                    ((u_char *) conf + cmd->offset);

    ngx_int_t    rc;
    ngx_str_t   *value;
    ngx_uint_t   i;
    ngx_cidr_t  *cidr;

    if (va->allow == NGX_CONF_UNSET_PTR) {
        va->allow = ngx_array_create(cf->pool, 4, sizeof(ngx_cidr_t));
        if (va->allow == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 3 && ngx_strncmp(value[i].data, "all", 3) == 0) {
            va->allow_all = 1;
            continue;
        }

        cidr = ngx_array_push(va->allow);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_ptocidr(&value[i], cidr);

        if (rc == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid CIDR \"%V\" in \"%V\"",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_DONE) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "low address bits of %V are meaningless",
                               &value[i]);
        }
    }

    return NGX_CONF_OK;
}


char *
ngx_vstream_access_merge(ngx_conf_t *cf, ngx_vstream_access_t *conf,
    ngx_vstream_access_t *prev)
{
    if (conf->allow == NGX_CONF_UNSET_PTR) {
        conf->allow = prev->allow;
        conf->allow_all = prev->allow_all;
    }

    ngx_conf_merge_ptr_value(conf->allow, prev->allow, NULL);
    ngx_conf_merge_ptr_value(conf->secret, prev->secret, NULL);
    ngx_conf_merge_sec_value(conf->max_ttl, prev->max_ttl,
                             NGX_VSTREAM_MAX_TTL_DEFAULT);

    if (conf->max_ttl <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vstream_ingest_max_ttl\" must be at least 1s");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* NGX_OK, or the reason the address may not publish */

ngx_int_t
ngx_vstream_access_addr(ngx_vstream_access_t *va, struct sockaddr *sa)
{
    if (va->allow == NULL || va->allow_all) {
        return NGX_OK;
    }

    if (ngx_cidr_match(sa, va->allow) == NGX_OK) {
        return NGX_OK;
    }

    return NGX_VSTREAM_DENY_CIDR;
}


/*
 * A signed key: the stream name's arguments carry exp=UNIX and sig=SIG,
 * SIG = base64url (no padding) of HMAC-SHA256(secret, "APP/NAME:EXP").
 * The signature is checked before the expiry, so a forged key learns
 * nothing about time.  A key may not be valid for longer than max_ttl
 * from now: a leaked key with an exp in the year 5138 is no key at all.
 */

ngx_int_t
ngx_vstream_access_key(ngx_vstream_access_t *va, ngx_str_t *app,
    ngx_str_t *name, ngx_str_t *args, time_t now)
{
    u_char        msg[2 * NGX_VSTREAM_NAME_MAX + NGX_TIME_T_LEN + 3];
    u_char        mac[EVP_MAX_MD_SIZE];
    u_char        b64[ngx_base64_encoded_length(EVP_MAX_MD_SIZE)];
    time_t        exp;
    ngx_str_t     e, sig, src, dst;
    unsigned int  maclen;

    if (ngx_vstream_access_arg(args, "exp", 3, &e) != NGX_OK
        || ngx_vstream_access_arg(args, "sig", 3, &sig) != NGX_OK
        || e.len == 0 || e.len > NGX_TIME_T_LEN
        || app->len > NGX_VSTREAM_NAME_MAX || name->len > NGX_VSTREAM_NAME_MAX)
    {
        return NGX_VSTREAM_DENY_SIGNATURE;
    }

    exp = ngx_atotm(e.data, e.len);
    if (exp == NGX_ERROR) {
        return NGX_VSTREAM_DENY_SIGNATURE;
    }

    src.data = msg;
    src.len = ngx_sprintf(msg, "%V/%V:%V", app, name, &e) - msg;

    if (HMAC(EVP_sha256(), va->secret->value.data,
             (int) va->secret->value.len, src.data, src.len, mac, &maclen)
        == NULL)
    {
        return NGX_VSTREAM_DENY_SIGNATURE;
    }

    src.data = mac;
    src.len = maclen;
    dst.data = b64;
    ngx_encode_base64url(&dst, &src);

    if (sig.len != dst.len
        || CRYPTO_memcmp(sig.data, dst.data, dst.len) != 0)
    {
        return NGX_VSTREAM_DENY_SIGNATURE;
    }

    if (exp < now) {
        return NGX_VSTREAM_DENY_EXPIRED;
    }

    if (exp - now > va->max_ttl) {
        return NGX_VSTREAM_DENY_EXP_TOO_FAR;
    }

    return NGX_OK;
}


/* finds NAME=VALUE in "a=1&b=2"; the first occurrence wins */

static ngx_int_t
ngx_vstream_access_arg(ngx_str_t *args, char *name, size_t len,
    ngx_str_t *value)
{
    const u_char  *v;

    if (!vstream_args_get(args->data, args->len, name, len, &v, &value->len))
    {
        return NGX_DECLINED;
    }

    value->data = (u_char *) v;

    return NGX_OK;
}


/*
 * Names end up in file paths (HLS), logs and JSON: the rule is
 * vstream_name_is_safe() (vstream_text.h), strict UTF-8 included.
 */

ngx_int_t
ngx_vstream_name_is_safe(u_char *p, size_t len)
{
    return vstream_name_is_safe(p, len);
}
