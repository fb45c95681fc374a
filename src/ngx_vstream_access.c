
/*
 * vstream: who may publish.  Source address lists (nginx's own CIDR
 * parsing and matching), signed stream keys (HMAC-SHA256 with OpenSSL,
 * compared in constant time; several keys by key id, for rotation), and
 * the stream names we accept.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "ngx_vstream.h"
#include "ngx_vstream_access.h"
#include "vstream_text.h"


static ngx_int_t ngx_vstream_access_parse_keys(u_char *p, size_t len,
    ngx_array_t *keys, ngx_uint_t *line, char **err);
static ngx_int_t ngx_vstream_access_args(ngx_str_t *args, ngx_str_t *exp,
    ngx_str_t *kid, ngx_str_t *sig);


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
    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
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
 * vstream_ingest_secret_file: one key a line, "KID SECRET", or a file of
 * one bare secret, by the rules of vstream_keys_next() (vstream_text.h),
 * which vstreamctl sign follows too.
 * The file is read as every secret file is (ngx_vstream_read_secret: mode
 * 0600, at most 4 KiB); a bad line fails the configuration naming the file,
 * the line and why, never what the line holds.
 */

char *
ngx_vstream_access_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_vstream_access_t  *va = (ngx_vstream_access_t *)
                                    ((u_char *) conf + cmd->offset);

    char                  *err;
    ngx_str_t             *value;
    ngx_uint_t             line;
    ngx_vstream_secret_t  *secret;

    if (va->keys != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    secret = ngx_pcalloc(cf->pool, sizeof(ngx_vstream_secret_t));
    if (secret == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_vstream_read_secret(cf, &value[1], secret) != NGX_CONF_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs a readable secret file",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    va->keys = ngx_array_create(cf->pool, 2, sizeof(ngx_vstream_key_t));
    if (va->keys == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_vstream_access_parse_keys(secret->value.data, secret->value.len,
                                      va->keys, &line, &err)
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": secret file \"%V\", line %ui: %s",
                           &cmd->name, &secret->path, line, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* NGX_OK, or NGX_ERROR with the line (from 1) and the reason */

static ngx_int_t
ngx_vstream_access_parse_keys(u_char *p, size_t len, ngx_array_t *keys,
    ngx_uint_t *line, char **err)
{
    ngx_int_t           rc;
    const char         *why;
    vstream_key_t       k;
    vstream_keys_t      it;
    ngx_vstream_key_t  *key;

    vstream_keys_init(&it, p, len);

    while ((rc = vstream_keys_next(&it, &k, &why)) == 1) {
        key = ngx_array_push(keys);
        if (key == NULL) {
            *line = k.line;
            *err = "out of memory";
            return NGX_ERROR;
        }

        key->kid.data = (u_char *) k.kid;
        key->kid.len = k.kid_len;
        key->secret.data = (u_char *) k.secret;
        key->secret.len = k.secret_len;
    }

    if (rc == -1) {
        *line = k.line;
        *err = (char *) why;
        return NGX_ERROR;
    }

    if (keys->nelts == 0) {
        *line = 1;
        *err = "no key";
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * A signed key: the stream name's arguments carry exp=UNIX, sig=SIG and,
 * for a key of the list, kid=KID.  SIG is base64url (no padding) of
 * HMAC-SHA256(that key's secret, "APP/NAME:EXP:KID"), or without a kid of
 * HMAC-SHA256(the bare secret, "APP/NAME:EXP").  Each of exp, kid and sig
 * appears at most once: with two, which one a check reads would be ours to
 * pick and a proxy's or a log reader's to guess.  The signature is checked
 * before the expiry, so a forged key learns nothing about time.  A key may
 * not be valid for longer than max_ttl from now: a leaked key with an exp
 * in the year 5138 is no key at all.
 */

ngx_int_t
ngx_vstream_access_key(ngx_vstream_access_t *va, ngx_str_t *app,
    ngx_str_t *name, ngx_str_t *args, time_t now)
{
    u_char              msg[2 * NGX_VSTREAM_NAME_MAX + NGX_TIME_T_LEN
                            + NGX_VSTREAM_KID_MAX + 4];
    u_char              mac[EVP_MAX_MD_SIZE];
    u_char              b64[ngx_base64_encoded_length(EVP_MAX_MD_SIZE)];
    time_t              exp;
    ngx_str_t           e, kid, sig, src, dst;
    ngx_uint_t          i;
    unsigned int        maclen;
    ngx_vstream_key_t  *key, *k;

    if (ngx_vstream_access_args(args, &e, &kid, &sig) != NGX_OK) {
        return NGX_VSTREAM_DENY_BAD_ARGS;
    }

    if (kid.data && !vstream_kid_is_valid(kid.data, kid.len)) {
        return NGX_VSTREAM_DENY_BAD_ARGS;
    }

    key = NULL;
    k = va->keys->elts;

    for (i = 0; i < va->keys->nelts; i++) {
        if (k[i].kid.len == kid.len
            && (kid.len == 0
                || ngx_strncmp(k[i].kid.data, kid.data, kid.len) == 0))
        {
            key = &k[i];
            break;
        }
    }

    if (key == NULL) {
        /* no kid and no bare secret: an unsigned key as before */
        return kid.data ? NGX_VSTREAM_DENY_UNKNOWN_KID
                        : NGX_VSTREAM_DENY_SIGNATURE;
    }

    if (e.data == NULL || sig.data == NULL
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

    if (kid.data) {
        src.len = ngx_sprintf(msg + src.len, ":%V", &kid) - msg;
    }

    if (HMAC(EVP_sha256(), key->secret.data, (int) key->secret.len,
             src.data, src.len, mac, &maclen)
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


/*
 * exp, kid and sig of "a=1&b=2" (data NULL: absent); NGX_DECLINED when one
 * of them is there twice
 */

static ngx_int_t
ngx_vstream_access_args(ngx_str_t *args, ngx_str_t *exp, ngx_str_t *kid,
    ngx_str_t *sig)
{
    u_char     *p, *last, *amp;
    ngx_str_t  *v;

    exp->data = NULL;
    exp->len = 0;
    *kid = *exp;
    *sig = *exp;

    p = args->data;
    last = args->data + args->len;

    for ( /* void */ ; p < last; p = amp + 1) {
        amp = ngx_strlchr(p, last, '&');
        if (amp == NULL) {
            amp = last;
        }

        if (amp - p < 4 || p[3] != '=') {
            continue;
        }

        if (ngx_strncmp(p, "exp", 3) == 0) {
            v = exp;

        } else if (ngx_strncmp(p, "kid", 3) == 0) {
            v = kid;

        } else if (ngx_strncmp(p, "sig", 3) == 0) {
            v = sig;

        } else {
            continue;
        }

        if (v->data) {
            return NGX_DECLINED;
        }

        v->data = p + 4;
        v->len = amp - v->data;
    }

    return NGX_OK;
}
