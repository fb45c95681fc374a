
/*
 * vstreamctl: command line, environment, and the three commands.
 *
 *   vstreamctl status [--url URL] [--token-file F] [--json]
 *   vstreamctl sign --secret-file F APP/STREAM [--ttl S] [--base URL]
 *   vstreamctl drop APP/STREAM [--url URL] [--token-file F]
 */


#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/opensslv.h>

#include "vstreamctl.h"


/* a publish key valid for more than a year is a mistake */
#define VSTREAMCTL_TTL_MAX      (366LL * 24 * 3600)
#define VSTREAMCTL_TIMEOUT_MAX  3600


typedef enum {
    VSTREAMCTL_CMD_STATUS = 0,
    VSTREAMCTL_CMD_SIGN,
    VSTREAMCTL_CMD_DROP,
    VSTREAMCTL_CMD_RECORDINGS,
    VSTREAMCTL_CMD_RM_RECORDING
} vstreamctl_cmd_e;


/* which commands an option belongs to: a bit per vstreamctl_cmd_e */
#define VSTREAMCTL_FOR(cmd)  (1u << (cmd))
#define VSTREAMCTL_FOR_ALL   0x1fu
#define VSTREAMCTL_FOR_REC   (VSTREAMCTL_FOR(VSTREAMCTL_CMD_RECORDINGS)       \
                              | VSTREAMCTL_FOR(VSTREAMCTL_CMD_RM_RECORDING))
#define VSTREAMCTL_NCMDS     5


typedef struct {
    vstreamctl_cmd_e     cmd;
    const char          *target;
    const char          *url;
    const char          *token_file;
    const char          *secret_file;
    const char          *base;
    const char          *cacert;
    long long            ttl;
    long                 timeout;
    int                  json;
    int                  insecure;
} vstreamctl_opts_t;


enum {
    VSTREAMCTL_OPT_URL = 256,
    VSTREAMCTL_OPT_TOKEN_FILE,
    VSTREAMCTL_OPT_JSON,
    VSTREAMCTL_OPT_SECRET_FILE,
    VSTREAMCTL_OPT_TTL,
    VSTREAMCTL_OPT_BASE,
    VSTREAMCTL_OPT_CACERT,
    VSTREAMCTL_OPT_TIMEOUT,
    VSTREAMCTL_OPT_LAST
};


static int vstreamctl_parse(int argc, char **argv, vstreamctl_opts_t *opts);
static int vstreamctl_parse_number(const char *option, const char *value,
    long long min, long long max, long long *out);
static int vstreamctl_option_applies(int opt, vstreamctl_cmd_e cmd);
static int vstreamctl_unknown_option(char **argv, int optopt_char);
static void vstreamctl_version(void);
static int vstreamctl_status(vstreamctl_opts_t *opts);
static int vstreamctl_drop(vstreamctl_opts_t *opts);
static int vstreamctl_rec_command(vstreamctl_opts_t *opts);
static int vstreamctl_sign_command(vstreamctl_opts_t *opts);
static int vstreamctl_token_valid(const vstreamctl_buf_t *token);
static int vstreamctl_admin_setup(vstreamctl_opts_t *opts, char **base,
    vstreamctl_buf_t *token, vstreamctl_http_conf_t *conf);


static const char  *vstreamctl_commands[] = { "status", "sign", "drop",
    "recordings", "rm-recording" };


static const struct option  vstreamctl_options[] = {
    { "url",         required_argument, NULL, VSTREAMCTL_OPT_URL },
    { "token-file",  required_argument, NULL, VSTREAMCTL_OPT_TOKEN_FILE },
    { "json",        no_argument,       NULL, VSTREAMCTL_OPT_JSON },
    { "secret-file", required_argument, NULL, VSTREAMCTL_OPT_SECRET_FILE },
    { "ttl",         required_argument, NULL, VSTREAMCTL_OPT_TTL },
    { "base",        required_argument, NULL, VSTREAMCTL_OPT_BASE },
    { "cacert",      required_argument, NULL, VSTREAMCTL_OPT_CACERT },
    { "insecure",    no_argument,       NULL, 'k' },
    { "timeout",     required_argument, NULL, VSTREAMCTL_OPT_TIMEOUT },
    { "help",        no_argument,       NULL, 'h' },
    { "version",     no_argument,       NULL, 'V' },
    { NULL, 0, NULL, 0 }
};


static const struct {
    int                  opt;
    unsigned             commands;
} vstreamctl_option_scope[] = {
    { VSTREAMCTL_OPT_URL, VSTREAMCTL_FOR(VSTREAMCTL_CMD_STATUS)
                          | VSTREAMCTL_FOR(VSTREAMCTL_CMD_DROP)
                          | VSTREAMCTL_FOR_REC },
    { VSTREAMCTL_OPT_TOKEN_FILE, VSTREAMCTL_FOR(VSTREAMCTL_CMD_STATUS)
                                 | VSTREAMCTL_FOR(VSTREAMCTL_CMD_DROP)
                                 | VSTREAMCTL_FOR_REC },
    { VSTREAMCTL_OPT_JSON, VSTREAMCTL_FOR(VSTREAMCTL_CMD_STATUS)
                           | VSTREAMCTL_FOR(VSTREAMCTL_CMD_RECORDINGS) },
    { VSTREAMCTL_OPT_SECRET_FILE, VSTREAMCTL_FOR(VSTREAMCTL_CMD_SIGN) },
    { VSTREAMCTL_OPT_TTL, VSTREAMCTL_FOR(VSTREAMCTL_CMD_SIGN) },
    { VSTREAMCTL_OPT_BASE, VSTREAMCTL_FOR(VSTREAMCTL_CMD_SIGN) },
    { 0, VSTREAMCTL_FOR_ALL }
};


static const char  vstreamctl_usage[] =
"Usage: vstreamctl [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  status [--url URL] [--token-file F] [--json]\n"
"                      list the live streams (a table), or print the\n"
"                      admin API's status document as received (--json)\n"
"  sign --secret-file F APP/STREAM [--ttl SECONDS] [--base URL]\n"
"                      print a signed publish key, APP/STREAM?exp=EXP&sig=SIG\n"
"                      (BASE/STREAM?exp=EXP&sig=SIG with --base)\n"
"  drop APP/STREAM [--url URL] [--token-file F]\n"
"                      disconnect the publisher of a live stream\n"
"  recordings [APP/STREAM] [--url URL] [--token-file F] [--json]\n"
"                      list the recordings (a table), or print the\n"
"                      admin API's document as received (--json)\n"
"  rm-recording APP/STREAM/ID [--url URL] [--token-file F]\n"
"                      delete a complete recording\n"
"\n"
"Options:\n"
"  --url URL           admin API base (default " VSTREAMCTL_DEFAULT_URL ",\n"
"                      or $VSTREAM_URL); status is URL/status, drop is\n"
"                      DELETE URL/streams/APP/STREAM\n"
"  --token-file F      send the token in F as \"Authorization: Bearer\"\n"
"                      (or $VSTREAM_TOKEN_FILE); trailing whitespace is\n"
"                      trimmed\n"
"  --json              status: print the JSON document instead of a table\n"
"  --secret-file F     sign: the publish secret, the same file as the\n"
"                      server's vstream_ingest_secret_file\n"
"  --ttl SECONDS       sign: the key expires SECONDS from now (default 3600)\n"
"  --base URL          sign: prefix the key with URL, which must end in\n"
"                      /APP, e.g. rtmp://host/live\n"
"  --cacert FILE       trust the CA certificates in FILE for https\n"
"  -k, --insecure      do not verify the server's TLS certificate\n"
"  --timeout SECONDS   give up on a request after SECONDS (default 10;\n"
"                      connecting gives up after 5)\n"
"  -h, --help          print this help and exit\n"
"  -V, --version       print the version and exit\n"
"\n"
"Environment:\n"
"  VSTREAM_URL, VSTREAM_TOKEN_FILE   defaults for --url and --token-file\n"
"  VSTREAM_SIGN_NOW    sign: use this unix time as \"now\" (for tests)\n"
"\n"
"Exit status: 0 success, 1 the server refused or could not be reached,\n"
"2 bad usage.  Errors are one line on standard error.\n";


int
main(int argc, char **argv)
{
    int                rc;
    vstreamctl_opts_t  opts;

    rc = vstreamctl_parse(argc, argv, &opts);
    if (rc != VSTREAMCTL_OK) {
        /* -1: --help or --version done */
        return rc < 0 ? VSTREAMCTL_OK : rc;
    }

    switch (opts.cmd) {

    case VSTREAMCTL_CMD_SIGN:
        return vstreamctl_sign_command(&opts);

    case VSTREAMCTL_CMD_RECORDINGS:
    case VSTREAMCTL_CMD_RM_RECORDING:
        rc = vstreamctl_http_init();
        if (rc == VSTREAMCTL_OK) {
            rc = vstreamctl_rec_command(&opts);
            vstreamctl_http_cleanup();
        }

        return rc;

    case VSTREAMCTL_CMD_DROP:
        rc = vstreamctl_http_init();
        if (rc == VSTREAMCTL_OK) {
            rc = vstreamctl_drop(&opts);
            vstreamctl_http_cleanup();
        }

        return rc;

    default:
        rc = vstreamctl_http_init();
        if (rc == VSTREAMCTL_OK) {
            rc = vstreamctl_status(&opts);
            vstreamctl_http_cleanup();
        }

        return rc;
    }
}


/*
 * Options may come before or after the command.  Returns VSTREAMCTL_OK,
 * VSTREAMCTL_USAGE after an error line, or -1 after --help or --version.
 */

static int
vstreamctl_parse(int argc, char **argv, vstreamctl_opts_t *opts)
{
    int          c, help, version, nargs;
    int          seen[VSTREAMCTL_OPT_LAST - VSTREAMCTL_OPT_URL];
    size_t       i;
    long long    n;
    const char  *args[3];

    memset(opts, 0, sizeof(vstreamctl_opts_t));
    memset(seen, 0, sizeof(seen));
    opts->ttl = VSTREAMCTL_DEFAULT_TTL;
    opts->timeout = VSTREAMCTL_DEFAULT_TIMEOUT;

    help = 0;
    version = 0;
    nargs = 0;
    opterr = 0;

    /* "-": arguments come in order as 1, between options */

    while ((c = getopt_long(argc, argv, "-:hkV", vstreamctl_options, NULL))
           != -1)
    {
        switch (c) {

        case 1:
            if (nargs < 3) {
                args[nargs] = optarg;
            }

            nargs++;
            break;

        case 'h':
            help = 1;
            break;

        case 'V':
            version = 1;
            break;

        case 'k':
            opts->insecure = 1;
            break;

        case VSTREAMCTL_OPT_URL:
            opts->url = optarg;
            break;

        case VSTREAMCTL_OPT_TOKEN_FILE:
            opts->token_file = optarg;
            break;

        case VSTREAMCTL_OPT_JSON:
            opts->json = 1;
            break;

        case VSTREAMCTL_OPT_SECRET_FILE:
            opts->secret_file = optarg;
            break;

        case VSTREAMCTL_OPT_BASE:
            opts->base = optarg;
            break;

        case VSTREAMCTL_OPT_CACERT:
            opts->cacert = optarg;
            break;

        case VSTREAMCTL_OPT_TTL:
            if (vstreamctl_parse_number("--ttl", optarg, 1,
                                        VSTREAMCTL_TTL_MAX, &opts->ttl)
                != VSTREAMCTL_OK)
            {
                return VSTREAMCTL_USAGE;
            }

            break;

        case VSTREAMCTL_OPT_TIMEOUT:
            if (vstreamctl_parse_number("--timeout", optarg, 1,
                                        VSTREAMCTL_TIMEOUT_MAX, &n)
                != VSTREAMCTL_OK)
            {
                return VSTREAMCTL_USAGE;
            }

            opts->timeout = (long) n;
            break;

        case ':':
            vstreamctl_error("%s needs a value (see vstreamctl --help)",
                             argv[optind - 1]);
            return VSTREAMCTL_USAGE;

        default:
            return vstreamctl_unknown_option(argv, optopt);
        }

        if (c >= VSTREAMCTL_OPT_URL) {
            seen[c - VSTREAMCTL_OPT_URL] = 1;
        }
    }

    /* what follows "--" */

    for ( /* void */ ; optind < argc; optind++) {
        if (nargs < 3) {
            args[nargs] = argv[optind];
        }

        nargs++;
    }

    if (help) {
        fputs(vstreamctl_usage, stdout);
        return -1;
    }

    if (version) {
        vstreamctl_version();
        return -1;
    }

    if (nargs == 0) {
        vstreamctl_error("no command given: status, sign or drop "
                         "(see vstreamctl --help)");
        return VSTREAMCTL_USAGE;
    }

    if (strcmp(args[0], "help") == 0) {
        fputs(vstreamctl_usage, stdout);
        return -1;
    }

    for (i = 0; i < VSTREAMCTL_NCMDS; i++) {
        if (strcmp(args[0], vstreamctl_commands[i]) == 0) {
            break;
        }
    }

    if (i == VSTREAMCTL_NCMDS) {
        vstreamctl_error("unknown command \"%s\": status, sign or drop "
                         "(see vstreamctl --help)", args[0]);
        return VSTREAMCTL_USAGE;
    }

    opts->cmd = (vstreamctl_cmd_e) i;

    for (c = VSTREAMCTL_OPT_URL; c < VSTREAMCTL_OPT_LAST; c++) {
        if (seen[c - VSTREAMCTL_OPT_URL]
            && !vstreamctl_option_applies(c, opts->cmd))
        {
            for (i = 0; vstreamctl_options[i].val != c; i++) {
                /* void */
            }

            vstreamctl_error("--%s does not apply to %s (see vstreamctl "
                             "--help)", vstreamctl_options[i].name, args[0]);
            return VSTREAMCTL_USAGE;
        }
    }

    if (opts->cmd == VSTREAMCTL_CMD_STATUS) {
        if (nargs > 1) {
            vstreamctl_error("status takes no argument, got \"%s\"", args[1]);
            return VSTREAMCTL_USAGE;
        }

        return VSTREAMCTL_OK;
    }

    if (opts->cmd == VSTREAMCTL_CMD_RECORDINGS && nargs <= 2) {
        opts->target = (nargs == 2) ? args[1] : NULL;
        return VSTREAMCTL_OK;
    }

    if (nargs != 2) {
        vstreamctl_error("%s needs exactly one APP/STREAM (see vstreamctl "
                         "--help)", args[0]);
        return VSTREAMCTL_USAGE;
    }

    opts->target = args[1];

    if (opts->cmd == VSTREAMCTL_CMD_SIGN && opts->secret_file == NULL) {
        vstreamctl_error("sign needs --secret-file");
        return VSTREAMCTL_USAGE;
    }

    return VSTREAMCTL_OK;
}


static int
vstreamctl_parse_number(const char *option, const char *value, long long min,
    long long max, long long *out)
{
    char       *end;
    long long   n;

    errno = 0;
    n = strtoll(value, &end, 10);

    if (errno != 0 || end == value || *end != '\0' || value[0] == ' '
        || n < min || n > max)
    {
        vstreamctl_error("invalid %s \"%s\": expected a whole number from "
                         "%lld to %lld", option, value, min, max);
        return VSTREAMCTL_USAGE;
    }

    *out = n;

    return VSTREAMCTL_OK;
}


static int
vstreamctl_option_applies(int opt, vstreamctl_cmd_e cmd)
{
    int  i;

    for (i = 0; vstreamctl_option_scope[i].opt != 0; i++) {
        if (vstreamctl_option_scope[i].opt == opt) {
            break;
        }
    }

    return (vstreamctl_option_scope[i].commands & VSTREAMCTL_FOR(cmd)) != 0;
}


static int
vstreamctl_unknown_option(char **argv, int optopt_char)
{
    const char  *arg;

    arg = argv[optind - 1];

    if (optopt_char != 0 && strncmp(arg, "--", 2) != 0) {
        vstreamctl_error("unknown option -%c (see vstreamctl --help)",
                         optopt_char);

    } else {
        vstreamctl_error("unknown option %s (see vstreamctl --help)", arg);
    }

    return VSTREAMCTL_USAGE;
}


static void
vstreamctl_version(void)
{
    curl_version_info_data  *curl;

    curl = curl_version_info(CURLVERSION_NOW);

    printf("vstreamctl " VSTREAMCTL_VERSION " (libcurl %s, jansson %s, %s)\n",
           curl->version, jansson_version_str(), OPENSSL_VERSION_TEXT);
}


/* what can follow "Bearer " in a header line: no spaces, no controls */

static int
vstreamctl_token_valid(const vstreamctl_buf_t *token)
{
    size_t                i;
    const unsigned char  *p;

    p = (const unsigned char *) token->data;

    for (i = 0; i < token->len; i++) {
        if (p[i] < 0x21 || p[i] > 0x7e) {
            return 0;
        }
    }

    return 1;
}


/*
 * What status and drop share: the base URL, the token (flag, then
 * environment), the HTTP settings.  The token is read here so a bad file
 * fails before any request.
 */

static int
vstreamctl_admin_setup(vstreamctl_opts_t *opts, char **base,
    vstreamctl_buf_t *token, vstreamctl_http_conf_t *conf)
{
    int          rc;
    const char  *url, *token_file;

    url = opts->url;
    if (url == NULL) {
        url = getenv("VSTREAM_URL");
    }

    if (url == NULL || url[0] == '\0') {
        url = VSTREAMCTL_DEFAULT_URL;
    }

    token_file = opts->token_file;
    if (token_file == NULL) {
        token_file = getenv("VSTREAM_TOKEN_FILE");
    }

    if (opts->cacert != NULL && access(opts->cacert, R_OK) != 0) {
        vstreamctl_error("cannot read --cacert %s: %s", opts->cacert,
                         strerror(errno));
        return VSTREAMCTL_USAGE;
    }

    rc = vstreamctl_http_check_base(url, base);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    memset(token, 0, sizeof(vstreamctl_buf_t));

    if (token_file != NULL && token_file[0] != '\0') {
        rc = vstreamctl_read_secret(token_file, "token", token);
        if (rc != VSTREAMCTL_OK) {
            free(*base);
            return rc;
        }

        if (!vstreamctl_token_valid(token)) {
            vstreamctl_secret_free(token);
            free(*base);
            vstreamctl_error("token file %s: the token must be one word of "
                             "printable ASCII", token_file);
            return VSTREAMCTL_USAGE;
        }
    }

    conf->token = token->data;
    conf->cacert = opts->cacert;
    conf->timeout = opts->timeout;
    conf->insecure = opts->insecure;

    return VSTREAMCTL_OK;
}


static int
vstreamctl_status(vstreamctl_opts_t *opts)
{
    int                     rc;
    char                   *base, *url;
    size_t                  size;
    vstreamctl_buf_t        token;
    vstreamctl_http_conf_t  conf;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    rc = vstreamctl_admin_setup(opts, &base, &token, &conf);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    size = strlen(base) + sizeof("/status");

    url = malloc(size);
    if (url == NULL) {
        vstreamctl_secret_free(&token);
        free(base);
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    snprintf(url, size, "%s/status", base);
    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(&conf, "GET", url, &resp);

    if (rc == VSTREAMCTL_OK) {
        if (resp.status == 200) {
            rc = vstreamctl_status_show(shown, &resp.body, opts->json);

        } else {
            vstreamctl_http_refused(shown, &resp, token.data != NULL);
            rc = VSTREAMCTL_FAIL;
        }

        vstreamctl_http_resp_free(&resp);
    }

    vstreamctl_secret_free(&token);
    free(url);
    free(base);

    return rc;
}


static int
vstreamctl_drop(vstreamctl_opts_t *opts)
{
    int                     rc;
    char                   *base, *url, *app, *stream, *app_esc, *stream_esc;
    size_t                  size;
    vstreamctl_buf_t        token;
    vstreamctl_http_conf_t  conf;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    rc = vstreamctl_split_target(opts->target, &app, &stream);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    rc = vstreamctl_admin_setup(opts, &base, &token, &conf);
    if (rc != VSTREAMCTL_OK) {
        free(app);
        free(stream);
        return rc;
    }

    app_esc = vstreamctl_http_escape(app);
    stream_esc = vstreamctl_http_escape(stream);
    url = NULL;

    if (app_esc != NULL && stream_esc != NULL) {
        size = strlen(base) + strlen(app_esc) + strlen(stream_esc)
               + sizeof("/streams//");
        url = malloc(size);

        if (url != NULL) {
            snprintf(url, size, "%s/streams/%s/%s", base, app_esc,
                     stream_esc);
        }
    }

    if (url == NULL) {
        vstreamctl_error("out of memory");
        rc = VSTREAMCTL_FAIL;
        goto done;
    }

    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(&conf, "DELETE", url, &resp);
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    if (resp.status >= 200 && resp.status < 300) {
        printf("%s/%s: disconnect requested (%ld)\n", app, stream,
               resp.status);

    } else if (resp.status == 404) {
        vstreamctl_error("no live stream %s/%s (404)", app, stream);
        rc = VSTREAMCTL_FAIL;

    } else {
        vstreamctl_http_refused(shown, &resp, token.data != NULL);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

done:

    vstreamctl_secret_free(&token);
    free(url);
    free(app_esc);
    free(stream_esc);
    free(base);
    free(app);
    free(stream);

    return rc;
}


/* recordings and rm-recording: vstreamctl_rec.c */

static int
vstreamctl_rec_command(vstreamctl_opts_t *opts)
{
    int                     rc;
    char                   *base;
    vstreamctl_buf_t        token;
    vstreamctl_http_conf_t  conf;

    rc = vstreamctl_admin_setup(opts, &base, &token, &conf);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (opts->cmd == VSTREAMCTL_CMD_RECORDINGS) {
        rc = vstreamctl_recordings(&conf, base, opts->target, opts->json);

    } else {
        rc = vstreamctl_rm_recording(&conf, base, opts->target);
    }

    vstreamctl_secret_free(&token);
    free(base);

    return rc;
}


static int
vstreamctl_sign_command(vstreamctl_opts_t *opts)
{
    int               rc;
    char             *app, *stream, *prefix;
    const char       *now_env;
    long long         now, exp;
    vstreamctl_buf_t  secret;
    char              sig[64];

    rc = vstreamctl_split_target(opts->target, &app, &stream);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    prefix = NULL;
    secret.data = NULL;
    secret.len = 0;

    now_env = getenv("VSTREAM_SIGN_NOW");

    if (now_env != NULL && now_env[0] != '\0') {
        rc = vstreamctl_parse_number("VSTREAM_SIGN_NOW", now_env, 0,
                                     LLONG_MAX / 2, &now);
        if (rc != VSTREAMCTL_OK) {
            goto done;
        }

    } else {
        now = (long long) time(NULL);
    }

    exp = now + opts->ttl;

    rc = vstreamctl_sign_url(opts->base, app, stream, &prefix);
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    rc = vstreamctl_read_secret(opts->secret_file, "secret", &secret);
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    rc = vstreamctl_sign(&secret, app, stream, exp, sig, sizeof(sig));
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    printf("%s?exp=%lld&sig=%s\n", prefix, exp, sig);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        vstreamctl_error("cannot write the key to standard output");
        rc = VSTREAMCTL_FAIL;
    }

done:

    vstreamctl_secret_free(&secret);
    free(prefix);
    free(app);
    free(stream);

    return rc;
}
