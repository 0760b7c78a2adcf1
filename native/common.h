/* Shared helpers for the cgbench native programs: clock, strict long-option parsing,
 * one-line JSON output and uniform error exits, so every binary speaks the same contract. */
#ifndef CGBENCH_COMMON_H
#define CGBENCH_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit codes are part of the contract with the TypeScript harness. */
#define EXIT_USAGE 2
#define EXIT_ENV 3

static const char *prog_name = "cgbench";

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the whole process (all threads), ns. Workloads report it over their timed phase as
 * cpu_ns, so CPU per unit of work excludes preparation (writing the file a read test reads). */
static inline uint64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t ts_to_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static inline struct timespec ns_to_ts(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    return ts;
}

/* One line on stderr, prefixed with the program name: the harness shows it verbatim. */
__attribute__((format(printf, 2, 3), noreturn))
static inline void die(int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", prog_name, msg);
    exit(code);
}

/* Options are exactly "--name value"; anything else is an error rather than a guess. */
static inline const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die(EXIT_USAGE, "option %s needs a value (try --help)", argv[*i]);
    *i += 1;
    return argv[*i];
}

static inline uint64_t parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        die(EXIT_USAGE, "%s: '%s' is not a non-negative integer", opt, s);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        die(EXIT_USAGE, "%s: '%s' is not a valid integer", opt, s);
    if (v < min || v > max)
        die(EXIT_USAGE, "%s: %llu is out of range [%" PRIu64 ", %" PRIu64 "]", opt, v, min, max);
    return (uint64_t)v;
}

/* JSON line builder: fixed buffer, emitted with a single write so the line is never interleaved. */
struct json {
    char buf[4096];
    size_t len;
    int first;
};

static inline void json_raw(struct json *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, sizeof j->buf - j->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        j->len += (size_t)n < sizeof j->buf - j->len ? (size_t)n : sizeof j->buf - j->len - 1;
}

static inline void json_begin(struct json *j)
{
    j->len = 0;
    j->first = 1;
    json_raw(j, "{");
}

static inline void json_key(struct json *j, const char *key)
{
    json_raw(j, "%s\"%s\":", j->first ? "" : ",", key);
    j->first = 0;
}

static inline void json_u64(struct json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_raw(j, "%" PRIu64, v);
}

static inline void json_i64(struct json *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_raw(j, "%" PRId64, v);
}

static inline void json_null(struct json *j, const char *key)
{
    json_key(j, key);
    json_raw(j, "null");
}

/* Escapes everything JSON requires; strings here may come from strerror or user paths. */
static inline void json_str(struct json *j, const char *key, const char *s)
{
    json_key(j, key);
    json_raw(j, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            json_raw(j, "\\%c", *p);
        else if (*p < 0x20)
            json_raw(j, "\\u%04x", *p);
        else
            json_raw(j, "%c", *p);
    }
    json_raw(j, "\"");
}

static inline void json_end(struct json *j)
{
    json_raw(j, "}\n");
}

/* Returns 0 on success, -1 with errno set; callers decide how loud a failure is. */
static inline int json_write_fd(const struct json *j, int fd)
{
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

static inline void json_print(const struct json *j)
{
    if (json_write_fd(j, STDOUT_FILENO) != 0)
        die(EXIT_ENV, "cannot write result to stdout: %s", strerror(errno));
}

/* Creates DIR/cgbench-KIND-<pid>.dat exclusively and unlinks it at once: the open fd keeps the
 * data alive and the kernel frees it however the process dies (the launcher forwards SIGKILL,
 * which no cleanup handler could catch). In a pid namespace every workload is pid 1, hence O_EXCL
 * plus a suffix on collision. Signals are blocked so no name outlives the two calls. If open
 * fails after creating the name (O_DIRECT refusal happens after creation), the name is removed. */
static inline int scratch_open(const char *dir, const char *kind, int flags, char *path, size_t pathlen)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = -1;
    for (unsigned k = 0; k < 1000; k++) {
        if (k == 0)
            snprintf(path, pathlen, "%s/cgbench-%s-%ld.dat", dir, kind, (long)getpid());
        else
            snprintf(path, pathlen, "%s/cgbench-%s-%ld-%u.dat", dir, kind, (long)getpid(), k);
        fd = open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    int saved = errno;
    if (fd >= 0 || saved == EINVAL)
        unlink(path);
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return fd;
}

#endif
