/* Shared helpers for the cgbench native programs: clock, strict long-option parsing, one-line JSON
 * output (json.h) and uniform error exits, so every binary speaks the same contract. */
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
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

/* Exit codes are part of the contract with the TypeScript harness. */
#define EXIT_USAGE 2
#define EXIT_ENV 3

/* The program's name in its messages: each main() sets it first (common.c). */
extern const char *prog_name;

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

/* This process's own CPU time (user and system), us. */
static inline uint64_t self_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
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
__attribute__((format(printf, 2, 3), noreturn)) void die(int code, const char *fmt, ...);

/* Why a library function failed, as one line; the program decides how loud it is. */
struct err {
    char msg[512];
};

/* Sets the message and returns -1, so a failure reads `return errorf(e, ...)`. */
__attribute__((format(printf, 2, 3))) int errorf(struct err *e, const char *fmt, ...);

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
