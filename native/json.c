/* The one JSON writer of the native programs (json.h): a growing line buffer and the one string escaper. */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void reserve(struct json *j, size_t more)
{
    if (j->failed || j->len + more <= j->cap)
        return;
    size_t cap = j->cap * 2;
    while (cap < j->len + more)
        cap *= 2;
    char *buf = j->buf == j->small ? malloc(cap) : realloc(j->buf, cap);
    if (!buf) {
        j->failed = 1;
        return;
    }
    if (j->buf == j->small)
        memcpy(buf, j->small, j->len);
    j->buf = buf;
    j->cap = cap;
}

static void put(struct json *j, const char *s, size_t n)
{
    reserve(j, n);
    if (j->failed)
        return;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
}

static void puts_(struct json *j, const char *s)
{
    put(j, s, strlen(s));
}

void json_begin(struct json *j)
{
    j->buf = j->small;
    j->cap = sizeof j->small;
    j->len = 0;
    j->failed = 0;
    j->depth = 0;
    j->first[0] = 1;
    put(j, "{", 1);
}

void json_end(struct json *j)
{
    put(j, "}\n", 2);
}

void json_free(struct json *j)
{
    if (j->buf && j->buf != j->small)
        free(j->buf);
    j->buf = j->small;
    j->cap = sizeof j->small;
    j->len = 0;
}

/* The separator before a member or element of the innermost open object or array. */
static void next_item(struct json *j)
{
    if (!j->first[j->depth])
        put(j, ",", 1);
    j->first[j->depth] = 0;
}

void json_key(struct json *j, const char *key)
{
    next_item(j);
    /* Keys are the programs' own ASCII names; they go through the escaper all the same. */
    json_put_string(j, key, strlen(key));
    put(j, ":", 1);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
    char num[24];
    json_key(j, key);
    put(j, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, v));
}

void json_i64(struct json *j, const char *key, int64_t v)
{
    char num[24];
    json_key(j, key);
    put(j, num, (size_t)snprintf(num, sizeof num, "%" PRId64, v));
}

void json_f64(struct json *j, const char *key, double v)
{
    char num[32];
    json_key(j, key);
    put(j, num, (size_t)snprintf(num, sizeof num, "%.6g", v));
}

void json_null(struct json *j, const char *key)
{
    json_key(j, key);
    puts_(j, "null");
}

void json_str(struct json *j, const char *key, const char *s)
{
    json_strn(j, key, s, strlen(s));
}

void json_strn(struct json *j, const char *key, const char *s, size_t len)
{
    json_key(j, key);
    json_put_string(j, s, len);
}

static void open_nested(struct json *j, const char *key, const char *bracket)
{
    if (key)
        json_key(j, key);
    else
        next_item(j);
    puts_(j, bracket);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->first[++j->depth] = 1;
    else
        j->failed = 1; /* deeper than any line of ours: a bug, reported as a failed write */
}

static void close_nested(struct json *j, const char *bracket)
{
    if (j->depth > 0)
        j->depth--;
    puts_(j, bracket);
}

void json_object(struct json *j, const char *key)
{
    open_nested(j, key, "{");
}

void json_array(struct json *j, const char *key)
{
    open_nested(j, key, "[");
}

void json_close_object(struct json *j)
{
    close_nested(j, "}");
}

void json_close_array(struct json *j)
{
    close_nested(j, "]");
}

void json_item_str(struct json *j, const char *s)
{
    next_item(j);
    json_put_string(j, s, strlen(s));
}

/* The length of the valid UTF-8 sequence at `s` (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), or 0 when the byte at `s` does not begin one. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

void json_put_string(struct json *j, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    put(j, "\"", 1);
    size_t i = 0;
    while (i < n) {
        /* Copy the longest run that needs no escaping in one go: stat files are almost all of it. */
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        put(j, (const char *)s + i, run - i);
        if (run == n)
            break;
        i = run;
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t k = utf8_sequence(s + i, n - i);
            if (k)
                put(j, (const char *)s + i, k);
            else
                puts_(j, "\\ufffd");
            i += k ? k : 1;
            continue;
        }
        char esc[8];
        switch (c) {
        case '"':
            puts_(j, "\\\"");
            break;
        case '\\':
            puts_(j, "\\\\");
            break;
        case '\n':
            puts_(j, "\\n");
            break;
        case '\t':
            puts_(j, "\\t");
            break;
        case '\r':
            puts_(j, "\\r");
            break;
        default:
            put(j, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
        }
        i++;
    }
    put(j, "\"", 1);
}

int json_write_fd(const struct json *j, int fd)
{
    if (j->failed) {
        errno = ENOMEM;
        return -1;
    }
    size_t off = 0;
    while (off < j->len) {
        ssize_t n = write(fd, j->buf + off, j->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

int json_fwrite(const struct json *j, FILE *f)
{
    if (j->failed) {
        errno = ENOMEM;
        return -1;
    }
    return fwrite(j->buf, 1, j->len, f) == j->len ? 0 : -1;
}
