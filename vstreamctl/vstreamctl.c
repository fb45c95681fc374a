
/*
 * vstreamctl: command line, environment, and the commands.
 *
 *   vstreamctl status [--url URL] [--token-file F] [--json]
 *   vstreamctl sign --secret-file F APP/STREAM [--ttl S] [--base URL]
 *                   [--kid KID]
 *   vstreamctl drop APP/STREAM [--ban S] [--url URL] [--token-file F]
 *   vstreamctl bans [--json], ban APP/STREAM S, unban APP/STREAM
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
    VSTREAMCTL_CMD_BANS,
    VSTREAMCTL_CMD_BAN,
    VSTREAMCTL_CMD_UNBAN,
    VSTREAMCTL_CMD_RECORDINGS,
    VSTREAMCTL_CMD_RM_RECORDING
} vstreamctl_cmd_e;


/* which commands an option belongs to: a bit per vstreamctl_cmd_e */
#define VSTREAMCTL_FOR(cmd)  (1u << (cmd))
#define VSTREAMCTL_FOR_ALL   0xffu
#define VSTREAMCTL_FOR_ADMIN (VSTREAMCTL_FOR_ALL                            \
                              & ~VSTREAMCTL_FOR(VSTREAMCTL_CMD_SIGN))


typedef struct {
    vstreamctl_cmd_e     cmd;
    const char          *target;
    const char          *url;
    const char          *token_file;
    const char          *secret_file;
    const char          *base;
    const char          *cacert;
    const char          *kid;
    long long            ttl;
    long long            ban;       /* drop --ban, ban's SECONDS; 0: none */
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
    VSTREAMCTL_OPT_KID,
    VSTREAMCTL_OPT_BAN,
    VSTREAMCTL_OPT_LAST
};


static int vstreamctl_parse(int argc, char **argv, vstreamctl_opts_t *opts);
static int vstreamctl_parse_number(const char *option, const char *value,
    long long min, long long max, long long *out);
static int vstreamctl_option_applies(int opt, vstreamctl_cmd_e cmd);
static int vstreamctl_unknown_option(char **argv, int optopt_char);
static void vstreamctl_version(void);
static int vstreamctl_status(vstreamctl_opts_t *opts);
static int vstreamctl_get(vstreamctl_opts_t *opts, const char *path,
    int (*show)(const char *shown, const vstreamctl_buf_t *body, int raw));
static int vstreamctl_get_one(void *ctx, const char *base,
    const char *label);
static int vstreamctl_target(vstreamctl_opts_t *opts);
static int vstreamctl_target_one(void *ctx, const char *base,
    const char *label);
static void vstreamctl_target_done(vstreamctl_opts_t *opts,
    const char *target, const char *label, long status);
static int vstreamctl_bans(vstreamctl_opts_t *opts);
static int vstreamctl_rec_command(vstreamctl_opts_t *opts);
static int vstreamctl_sign_command(vstreamctl_opts_t *opts);
static int vstreamctl_token_valid(const vstreamctl_buf_t *token);
static int vstreamctl_admin_setup(vstreamctl_opts_t *opts, char **base,
    vstreamctl_buf_t *token, vstreamctl_http_conf_t *conf);


static const char  *vstreamctl_commands[] = {
    "status", "sign", "drop", "bans", "ban", "unban", "recordings",
    "rm-recording"
};

#define VSTREAMCTL_NCOMMANDS                                                 \
    (sizeof(vstreamctl_commands) / sizeof(vstreamctl_commands[0]))


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
    { "kid",         required_argument, NULL, VSTREAMCTL_OPT_KID },
    { "ban",         required_argument, NULL, VSTREAMCTL_OPT_BAN },
    { "help",        no_argument,       NULL, 'h' },
    { "version",     no_argument,       NULL, 'V' },
    { NULL, 0, NULL, 0 }
};


static const struct {
    int                  opt;
    unsigned             commands;
} vstreamctl_option_scope[] = {
    { VSTREAMCTL_OPT_URL, VSTREAMCTL_FOR_ADMIN },
    { VSTREAMCTL_OPT_TOKEN_FILE, VSTREAMCTL_FOR_ADMIN },
    { VSTREAMCTL_OPT_JSON, VSTREAMCTL_FOR(VSTREAMCTL_CMD_STATUS)
                           | VSTREAMCTL_FOR(VSTREAMCTL_CMD_BANS)
                           | VSTREAMCTL_FOR(VSTREAMCTL_CMD_RECORDINGS) },
    { VSTREAMCTL_OPT_KID, VSTREAMCTL_FOR(VSTREAMCTL_CMD_SIGN) },
    { VSTREAMCTL_OPT_BAN, VSTREAMCTL_FOR(VSTREAMCTL_CMD_DROP) },
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
"  sign --secret-file F APP/STREAM [--ttl SECONDS] [--base URL] [--kid KID]\n"
"                      print a signed publish key, APP/STREAM?exp=EXP&sig=SIG\n"
"                      (BASE/STREAM?... with --base), with &kid=KID before\n"
"                      &sig= when the file holds \"KID SECRET\" lines\n"
"  drop APP/STREAM [--ban SECONDS] [--url URL] [--token-file F]\n"
"                      disconnect the publisher of a live stream; with\n"
"                      --ban, refuse that name's publishes for SECONDS\n"
"  bans [--json]       list the banned names, the time each ban ends and\n"
"                      the seconds left\n"
"  ban APP/STREAM SECONDS\n"
"                      ban a name (live or not) for SECONDS, or set the\n"
"                      time left of its ban\n"
"  unban APP/STREAM    lift a ban\n"
"  recordings [APP/STREAM] [--url URL] [--token-file F] [--json]\n"
"                      list the recordings (a table), or print the\n"
"                      admin API's document as received (--json)\n"
"  rm-recording APP/STREAM/ID [--url URL] [--token-file F]\n"
"                      delete a complete recording\n"
"\n"
"Options:\n"
"  --url URL           admin API base (default " VSTREAMCTL_DEFAULT_URL ",\n"
"                      or $VSTREAM_URL); status is URL/status, drop is\n"
"                      DELETE URL/streams/APP/STREAM, bans URL/bans, ban\n"
"                      PUT and unban DELETE URL/bans/APP/STREAM; repeat\n"
"                      it or list URLs with commas for one table over\n"
"                      several frontends (drop finds the one holding the\n"
"                      stream; ban and unban apply to every one;\n"
"                      recordings lists every one's, rm-recording\n"
"                      deletes where the recording is)\n"
"  --token-file F      send the token in F as \"Authorization: Bearer\"\n"
"                      (or $VSTREAM_TOKEN_FILE); trailing whitespace is\n"
"                      trimmed\n"
"  --json              status, bans, recordings: print the JSON document,\n"
"                      not a table\n"
"  --secret-file F     sign: the publish secret, the same file as the\n"
"                      server's vstream_ingest_secret_file\n"
"  --ttl SECONDS       sign: the key expires SECONDS from now (default 3600)\n"
"  --base URL          sign: prefix the key with URL, which must end in\n"
"                      /APP, e.g. rtmp://host/live\n"
"  --kid KID           sign: the key of id KID of the secret file (default:\n"
"                      its last key; a file of one bare secret has no id)\n"
"  --ban SECONDS       drop: ban the name for 1 to 2592000 seconds (30 days)\n"
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

    default:
        break;
    }

    rc = vstreamctl_http_init();
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    switch (opts.cmd) {

    case VSTREAMCTL_CMD_STATUS:
        rc = vstreamctl_status(&opts);
        break;

    case VSTREAMCTL_CMD_BANS:
        rc = vstreamctl_bans(&opts);
        break;

    default: /* drop, ban, unban */
        rc = vstreamctl_target(&opts);
        break;
    }

    vstreamctl_http_cleanup();

    return rc;
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
    char         shown[VSTREAMCTL_SHOWN_MAX];

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
            /* repeatable, and each may list several: see vstreamctl_fleet.c */
            if (vstreamctl_fleet_add(optarg) != VSTREAMCTL_OK) {
                return VSTREAMCTL_USAGE;
            }

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

        case VSTREAMCTL_OPT_KID:
            if (!vstreamctl_kid_check(optarg)) {
                vstreamctl_sanitize(shown, sizeof(shown), optarg);
                vstreamctl_error("invalid --kid \"%s\": expected 1 to %d "
                                 "of A-Z, a-z, 0-9", shown,
                                 VSTREAMCTL_KID_MAX);
                return VSTREAMCTL_USAGE;
            }

            opts->kid = optarg;
            break;

        case VSTREAMCTL_OPT_BAN:
            if (vstreamctl_parse_number("--ban", optarg, 1,
                                        VSTREAMCTL_BAN_MAX, &opts->ban)
                != VSTREAMCTL_OK)
            {
                return VSTREAMCTL_USAGE;
            }

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
        vstreamctl_error("no command given: status, sign, drop, bans, "
                         "ban or unban "
                         "(see vstreamctl --help)");
        return VSTREAMCTL_USAGE;
    }

    if (strcmp(args[0], "help") == 0) {
        fputs(vstreamctl_usage, stdout);
        return -1;
    }

    for (i = 0; i < VSTREAMCTL_NCOMMANDS; i++) {
        if (strcmp(args[0], vstreamctl_commands[i]) == 0) {
            break;
        }
    }

    if (i == VSTREAMCTL_NCOMMANDS) {
        vstreamctl_error("unknown command \"%s\": status, sign, drop, "
                         "bans, ban, unban, recordings or rm-recording "
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

    if (opts->cmd == VSTREAMCTL_CMD_STATUS || opts->cmd == VSTREAMCTL_CMD_BANS)
    {
        if (nargs > 1) {
            vstreamctl_sanitize(shown, sizeof(shown), args[1]);
            vstreamctl_error("%s takes no argument, got \"%s\"", args[0],
                             shown);
            return VSTREAMCTL_USAGE;
        }

        return VSTREAMCTL_OK;
    }

    if (opts->cmd == VSTREAMCTL_CMD_BAN) {
        if (nargs != 3) {
            vstreamctl_error("ban needs APP/STREAM and SECONDS (see "
                             "vstreamctl --help)");
            return VSTREAMCTL_USAGE;
        }

        if (vstreamctl_parse_number("SECONDS", args[2], 1,
                                    VSTREAMCTL_BAN_MAX, &opts->ban)
            != VSTREAMCTL_OK)
        {
            return VSTREAMCTL_USAGE;
        }

        opts->target = args[1];

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

        if (url != NULL && url[0] != '\0'
            && vstreamctl_fleet_add(url) != VSTREAMCTL_OK)
        {
            return VSTREAMCTL_USAGE;
        }
    }

    if (vstreamctl_fleet_size() > 0) {
        url = vstreamctl_fleet_url(0);
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

    conf->base = *base;
    conf->token = token->data;
    conf->cacert = opts->cacert;
    conf->timeout = opts->timeout;
    conf->insecure = opts->insecure;

    return VSTREAMCTL_OK;
}


static int
vstreamctl_status(vstreamctl_opts_t *opts)
{
    return vstreamctl_get(opts, "/status", vstreamctl_status_show);
}


/* GET URL/PATH of one frontend, the body shown by show() on a 200 */

typedef struct {
    vstreamctl_opts_t       *opts;
    vstreamctl_http_conf_t  *conf;
    const char              *path;
    int                    (*show)(const char *shown,
                                   const vstreamctl_buf_t *body, int raw);
    int                      token_sent;
} vstreamctl_get_t;


/*
 * status over several frontends is one table (vstreamctl_fleet.c); other
 * GETs (bans) show each frontend's answer under its name
 */

static int
vstreamctl_get(vstreamctl_opts_t *opts, const char *path,
    int (*show)(const char *shown, const vstreamctl_buf_t *body, int raw))
{
    int                     rc;
    char                   *base;
    vstreamctl_buf_t        token;
    vstreamctl_http_conf_t  conf;
    vstreamctl_get_t        g;

    rc = vstreamctl_admin_setup(opts, &base, &token, &conf);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    g.opts = opts;
    g.conf = &conf;
    g.path = path;
    g.show = show;
    g.token_sent = token.data != NULL;

    if (vstreamctl_fleet_size() <= 1) {
        rc = vstreamctl_get_one(&g, base, NULL);

    } else if (show == vstreamctl_status_show) {
        rc = vstreamctl_fleet_status(&conf, opts->json, g.token_sent);

    } else {
        rc = vstreamctl_fleet_each(vstreamctl_get_one, &g);
    }

    vstreamctl_fleet_free();
    vstreamctl_secret_free(&token);
    free(base);

    return rc;
}


static int
vstreamctl_get_one(void *ctx, const char *base, const char *label)
{
    vstreamctl_get_t *g = ctx;

    int                     rc;
    char                   *url;
    size_t                  size;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    size = strlen(base) + strlen(g->path) + 1;

    url = malloc(size);
    if (url == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    snprintf(url, size, "%s%s", base, g->path);
    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(g->conf, "GET", url, &resp);
    free(url);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status == 200) {
        if (label != NULL && !g->opts->json) {
            printf("%s:\n", label);
        }

        rc = g->show(shown, &resp.body, g->opts->json);

    } else {
        vstreamctl_http_refused(shown, &resp, g->token_sent);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

    return rc;
}


/* one request of drop, ban or unban, to one frontend */

typedef struct {
    vstreamctl_opts_t       *opts;
    vstreamctl_http_conf_t  *conf;
    const char              *app;
    const char              *stream;
    const char              *method;
    const char              *what;
    const char              *query;
    int                      token_sent;
} vstreamctl_target_t;


/*
 * drop (DELETE URL/streams/APP/STREAM[?ban=S]), ban (PUT
 * URL/bans/APP/STREAM?seconds=S) and unban (DELETE URL/bans/APP/STREAM);
 * over several frontends drop goes to the one holding the stream, ban and
 * unban to every one (a banned publisher could come back through another)
 */

static int
vstreamctl_target(vstreamctl_opts_t *opts)
{
    int                     rc;
    char                   *base, *app, *stream;
    char                    query[64];
    vstreamctl_buf_t        token;
    vstreamctl_http_conf_t  conf;
    vstreamctl_target_t     t;

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

    query[0] = '\0';

    if (opts->cmd == VSTREAMCTL_CMD_BAN) {
        snprintf(query, sizeof(query), "?seconds=%lld", opts->ban);

    } else if (opts->cmd == VSTREAMCTL_CMD_DROP && opts->ban) {
        snprintf(query, sizeof(query), "?ban=%lld", opts->ban);
    }

    t.opts = opts;
    t.conf = &conf;
    t.app = app;
    t.stream = stream;
    t.method = (opts->cmd == VSTREAMCTL_CMD_BAN) ? "PUT" : "DELETE";
    t.what = (opts->cmd == VSTREAMCTL_CMD_DROP) ? "streams" : "bans";
    t.query = query;
    t.token_sent = token.data != NULL;

    if (vstreamctl_fleet_size() <= 1) {
        rc = vstreamctl_target_one(&t, base, NULL);

    } else if (opts->cmd == VSTREAMCTL_CMD_DROP) {
        rc = vstreamctl_fleet_drop(&conf, app, stream, query, t.token_sent);

    } else {
        rc = vstreamctl_fleet_each(vstreamctl_target_one, &t);
    }

    vstreamctl_fleet_free();
    vstreamctl_secret_free(&token);
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

    if (vstreamctl_fleet_size() > 1) {
        rc = vstreamctl_rec_fleet(&conf, opts->target,
                                  opts->cmd != VSTREAMCTL_CMD_RECORDINGS,
                                  opts->json, token.data != NULL);

    } else if (opts->cmd == VSTREAMCTL_CMD_RECORDINGS) {
        rc = vstreamctl_recordings(&conf, base, opts->target, opts->json);

    } else {
        rc = vstreamctl_rm_recording(&conf, base, opts->target);
    }

    vstreamctl_fleet_free();
    vstreamctl_secret_free(&token);
    free(base);

    return rc;
}


static int
vstreamctl_target_one(void *ctx, const char *base, const char *label)
{
    vstreamctl_target_t *t = ctx;

    int                     rc;
    char                   *url;
    vstreamctl_http_resp_t  resp;
    char                    shown[VSTREAMCTL_SHOWN_MAX];

    url = vstreamctl_http_target_url(base, t->what, t->app, t->stream,
                                     t->query);

    if (url == NULL) {
        vstreamctl_error("out of memory");
        return VSTREAMCTL_FAIL;
    }

    vstreamctl_http_shown(shown, sizeof(shown), url);

    rc = vstreamctl_http_request(t->conf, t->method, url, &resp);
    free(url);

    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    if (resp.status >= 200 && resp.status < 300) {
        vstreamctl_target_done(t->opts, t->opts->target, label, resp.status);

    } else if (resp.status == 404 && t->opts->cmd == VSTREAMCTL_CMD_DROP) {
        vstreamctl_error("no live stream %s/%s (404)", t->app, t->stream);
        rc = VSTREAMCTL_FAIL;

    } else if (resp.status == 404 && t->opts->cmd == VSTREAMCTL_CMD_UNBAN) {
        vstreamctl_error("%s/%s is not banned%s%s (404)", t->app, t->stream,
                         label ? " on " : "", label ? label : "");
        rc = VSTREAMCTL_FAIL;

    } else {
        vstreamctl_http_refused(shown, &resp, t->token_sent);
        rc = VSTREAMCTL_FAIL;
    }

    vstreamctl_http_resp_free(&resp);

    return rc;
}


static void
vstreamctl_target_done(vstreamctl_opts_t *opts, const char *target,
    const char *label, long status)
{
    char  shown[VSTREAMCTL_SHOWN_MAX];

    vstreamctl_sanitize(shown, sizeof(shown), target);

    if (label != NULL) {
        printf("%s: ", label);
    }

    switch (opts->cmd) {

    case VSTREAMCTL_CMD_DROP:
        if (opts->ban) {
            printf("%s: disconnect requested, banned for %llds (%ld)\n",
                   shown, opts->ban, status);

        } else {
            printf("%s: disconnect requested (%ld)\n", shown, status);
        }

        break;

    case VSTREAMCTL_CMD_BAN:
        printf("%s: %s for %llds (%ld)\n", shown,
               status == 201 ? "banned" : "ban updated", opts->ban, status);
        break;

    default: /* VSTREAMCTL_CMD_UNBAN */
        printf("%s: ban lifted (%ld)\n", shown, status);
        break;
    }
}


static int
vstreamctl_bans(vstreamctl_opts_t *opts)
{
    return vstreamctl_get(opts, "/bans", vstreamctl_bans_show);
}


static int
vstreamctl_sign_command(vstreamctl_opts_t *opts)
{
    int               rc;
    char             *app, *stream, *prefix;
    const char       *now_env;
    long long         now, exp;
    vstreamctl_buf_t  file, secret;
    char              kid[VSTREAMCTL_KID_MAX + 1];
    char              sig[64];

    rc = vstreamctl_split_target(opts->target, &app, &stream);
    if (rc != VSTREAMCTL_OK) {
        return rc;
    }

    prefix = NULL;
    file.data = NULL;
    file.len = 0;

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

    rc = vstreamctl_read_secret(opts->secret_file, "secret", &file);
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    rc = vstreamctl_sign_key(&file, opts->secret_file, opts->kid, &secret,
                             kid);
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    rc = vstreamctl_sign(&secret, app, stream, exp, kid, sig, sizeof(sig));
    if (rc != VSTREAMCTL_OK) {
        goto done;
    }

    if (kid[0] != '\0') {
        printf("%s?exp=%lld&kid=%s&sig=%s\n", prefix, exp, kid, sig);

    } else {
        printf("%s?exp=%lld&sig=%s\n", prefix, exp, sig);
    }

    if (fflush(stdout) != 0 || ferror(stdout)) {
        vstreamctl_error("cannot write the key to standard output");
        rc = VSTREAMCTL_FAIL;
    }

done:

    vstreamctl_secret_free(&file);
    free(prefix);
    free(app);
    free(stream);

    return rc;
}
