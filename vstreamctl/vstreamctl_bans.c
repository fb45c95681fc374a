
/*
 * vstreamctl: the list of bans, GET URL/bans, passed through (--json) or
 * as a table: APP/STREAM, when the ban ends (UTC), the seconds left.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vstreamctl.h"


#define VSTREAMCTL_BAN_CELL  (2 * 255 + 8)


static void vstreamctl_bans_table(json_t *bans);
static const char *vstreamctl_bans_str(json_t *ban, const char *key);


int
vstreamctl_bans_show(const char *shown, const vstreamctl_buf_t *body,
    int raw)
{
    json_t  *doc;

    doc = vstreamctl_json_load(shown, body);
    if (doc == NULL) {
        return VSTREAMCTL_FAIL;
    }

    if (!json_is_array(doc)) {
        json_decref(doc);
        vstreamctl_error("bad JSON from %s: not a list of bans", shown);
        return VSTREAMCTL_FAIL;
    }

    if (raw) {
        vstreamctl_print_raw(body);

    } else {
        vstreamctl_bans_table(doc);
    }

    json_decref(doc);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        vstreamctl_error("cannot write the bans to standard output");
        return VSTREAMCTL_FAIL;
    }

    return VSTREAMCTL_OK;
}


static void
vstreamctl_bans_table(json_t *bans)
{
    size_t       i, n, w, width;
    char        *cells;
    json_t      *ban, *left;
    const char  *until;
    char         name[VSTREAMCTL_BAN_CELL];

    n = json_array_size(bans);

    if (n == 0) {
        printf("no bans\n");
        return;
    }

    cells = calloc(n, VSTREAMCTL_BAN_CELL);
    if (cells == NULL) {
        vstreamctl_error("out of memory");
        return;
    }

    width = strlen("APP/STREAM");

    for (i = 0; i < n; i++) {
        ban = json_array_get(bans, i);

        snprintf(name, sizeof(name), "%s/%s",
                 vstreamctl_bans_str(ban, "app"),
                 vstreamctl_bans_str(ban, "stream"));
        vstreamctl_sanitize(cells + i * VSTREAMCTL_BAN_CELL,
                            VSTREAMCTL_BAN_CELL, name);

        w = vstreamctl_display_width(cells + i * VSTREAMCTL_BAN_CELL);
        if (w > width) {
            width = w;
        }
    }

    printf("%-*s  %-20s  %s\n", (int) width, "APP/STREAM", "UNTIL", "LEFT");

    for (i = 0; i < n; i++) {
        ban = json_array_get(bans, i);
        until = vstreamctl_bans_str(ban, "until");
        left = json_object_get(ban, "seconds_left");

        vstreamctl_sanitize(name, sizeof(name), until);

        /* padded by display width: a name may hold multibyte characters */
        w = vstreamctl_display_width(cells + i * VSTREAMCTL_BAN_CELL);
        printf("%s%*s  %-20s  ", cells + i * VSTREAMCTL_BAN_CELL,
               (int) (width - w), "", name);

        if (json_is_integer(left)) {
            printf("%llds\n", (long long) json_integer_value(left));

        } else {
            printf("-\n");
        }
    }

    free(cells);
}


/* a string field, or "-" */

static const char *
vstreamctl_bans_str(json_t *ban, const char *key)
{
    json_t  *v;

    v = json_is_object(ban) ? json_object_get(ban, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : "-";
}
