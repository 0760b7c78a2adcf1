/* An incremental HTTP/1.x response reader for the load generator: it finds where one response ends
 * (Content-Length, chunked, or end of stream) and whether the connection stays open, without keeping
 * the body. Bytes arrive in any split; only a header line is buffered, and only its first 127 bytes,
 * which hold every header it reads. */
#ifndef CGBENCH_HTTP_H
#define CGBENCH_HTTP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum http_state {
    HTTP_STATUS,
    HTTP_HEADERS,
    HTTP_BODY,       /* Content-Length bytes left */
    HTTP_CHUNK_SIZE,
    HTTP_CHUNK_DATA,
    HTTP_CHUNK_END,  /* the CRLF after a chunk's data */
    HTTP_TRAILERS,
    HTTP_UNTIL_EOF,  /* no length: the body ends with the connection */
    HTTP_DONE,
};

struct http_resp {
    enum http_state state;
    int status;
    int keep_alive;
    int chunked;
    int head;          /* the request was HEAD: no body whatever the headers say */
    int64_t length;    /* Content-Length, -1 when absent */
    uint64_t left;
    uint32_t line_len;
    char line[128];
};

static inline void http_begin(struct http_resp *p, int head)
{
    p->state = HTTP_STATUS;
    p->status = 0;
    p->keep_alive = 1;
    p->chunked = 0;
    p->head = head;
    p->length = -1;
    p->left = 0;
    p->line_len = 0;
}

static inline int http_token_in(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *s = value; *s; s++)
        if (!strncasecmp(s, token, n))
            return 1;
    return 0;
}

/* The headers ended: what follows is decided by status, method and framing headers (RFC 9112 6.3). */
static inline int http_headers_done(struct http_resp *p)
{
    if (p->status >= 100 && p->status < 200) {
        http_begin(p, p->head); /* an interim response; the real one follows */
        return 0;
    }
    if (p->head || p->status == 204 || p->status == 304)
        p->state = HTTP_DONE;
    else if (p->chunked)
        p->state = HTTP_CHUNK_SIZE;
    else if (p->length > 0) {
        p->left = (uint64_t)p->length;
        p->state = HTTP_BODY;
    } else if (p->length == 0)
        p->state = HTTP_DONE;
    else {
        p->keep_alive = 0;
        p->state = HTTP_UNTIL_EOF;
    }
    return 0;
}

static inline int http_line(struct http_resp *p)
{
    char *l = p->line;
    switch (p->state) {
    case HTTP_STATUS: {
        if (strncmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
            return -1;
        if (l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
            return -1;
        p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
        p->keep_alive = l[7] == '1';
        p->state = HTTP_HEADERS;
        return 0;
    }
    case HTTP_HEADERS: {
        if (!*l)
            return http_headers_done(p);
        char *colon = strchr(l, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (!strcasecmp(l, "content-length")) {
            char *end;
            long long n = strtoll(v, &end, 10);
            if (end == v || n < 0)
                return -1;
            p->length = n;
        } else if (!strcasecmp(l, "transfer-encoding"))
            p->chunked = http_token_in(v, "chunked");
        else if (!strcasecmp(l, "connection")) {
            if (http_token_in(v, "close"))
                p->keep_alive = 0;
            else if (http_token_in(v, "keep-alive"))
                p->keep_alive = 1;
        }
        return 0;
    }
    case HTTP_CHUNK_SIZE: {
        char *end;
        unsigned long long n = strtoull(l, &end, 16);
        if (end == l)
            return -1;
        if (n == 0)
            p->state = HTTP_TRAILERS;
        else {
            p->left = n;
            p->state = HTTP_CHUNK_DATA;
        }
        return 0;
    }
    case HTTP_CHUNK_END:
        if (*l)
            return -1;
        p->state = HTTP_CHUNK_SIZE;
        return 0;
    case HTTP_TRAILERS:
        if (!*l)
            p->state = HTTP_DONE;
        return 0;
    default:
        return -1;
    }
}

/* Feeds bytes; returns how many belong to this response (the rest would be another response, which
 * the caller never asked for), or -1 when the text is not an HTTP response. Done when p->state is
 * HTTP_DONE; HTTP_UNTIL_EOF ends when the caller sees the end of the stream. */
static inline long http_feed(struct http_resp *p, const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && p->state != HTTP_DONE) {
        switch (p->state) {
        case HTTP_BODY:
        case HTTP_CHUNK_DATA: {
            size_t take = len - i < p->left ? len - i : (size_t)p->left;
            i += take;
            p->left -= take;
            if (p->left == 0)
                p->state = p->state == HTTP_BODY ? HTTP_DONE : HTTP_CHUNK_END;
            break;
        }
        case HTTP_UNTIL_EOF:
            i = len;
            break;
        default: {
            const char *nl = memchr(buf + i, '\n', len - i);
            size_t seg = nl ? (size_t)(nl - (buf + i)) : len - i;
            size_t room = sizeof p->line - 1 - p->line_len;
            size_t copy = seg < room ? seg : room;
            memcpy(p->line + p->line_len, buf + i, copy);
            p->line_len += (uint32_t)copy;
            i += seg;
            if (!nl)
                break;
            i++;
            if (p->line_len && p->line[p->line_len - 1] == '\r')
                p->line_len--;
            p->line[p->line_len] = '\0';
            p->line_len = 0;
            if (http_line(p) < 0)
                return -1;
        }
        }
    }
    return (long)i;
}

#endif
