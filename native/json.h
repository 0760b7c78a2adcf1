/* The one JSON writer of the native programs: a line of JSON built in a buffer that grows as needed
 * and is emitted with a single write, so a line is never interleaved with other output and a long stat
 * file's text is never cut. Every string goes through one escaper, which keeps UTF-8 intact. */
#ifndef CGBENCH_JSON_H
#define CGBENCH_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
    char *buf; /* `small` until a line outgrows it, then the heap */
    size_t len, cap;
    int depth;
    unsigned char first[JSON_MAX_DEPTH]; /* per open object or array: nothing written in it yet */
    int failed; /* out of memory: the line is incomplete and is not written */
    char small[4096];
};

/* A line is one object: json_begin writes "{", json_end "}\n". A struct json must not be copied. */
void json_begin(struct json *j);
void json_end(struct json *j);
/* Frees what a long line took from the heap; the struct can then begin a new line. */
void json_free(struct json *j);

void json_key(struct json *j, const char *key);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_null(struct json *j, const char *key);
/* A finite number with six significant digits (a share, a ratio). */
void json_f64(struct json *j, const char *key, double v);
void json_str(struct json *j, const char *key, const char *s);
/* `len` bytes of `s`, which may hold any byte (a stat file's text, a path). */
void json_strn(struct json *j, const char *key, const char *s, size_t len);
/* A member holding an object or an array (key NULL: an element of the enclosing array), then its close. */
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_close_object(struct json *j);
void json_close_array(struct json *j);
/* An element of the enclosing array. */
void json_item_str(struct json *j, const char *s);

/* The escaped form of `len` bytes of `s` as a JSON string, quotes included: UTF-8 sequences are kept as
 * they are, '"', '\' and control characters are escaped, and a byte that is not part of valid UTF-8
 * (a stray byte of another encoding in a path) becomes U+FFFD, so the line stays valid JSON. */
void json_put_string(struct json *j, const char *s, size_t len);

/* Each returns 0 on success, -1 with errno set (ENOMEM when the line could not be built). */
int json_write_fd(const struct json *j, int fd);
int json_fwrite(const struct json *j, FILE *f);

#endif
