/* Per-run evidence of why a unit of work may cost more CPU: perf counters on the workload (CPU
 * migrations, a software event; cycles and instructions, where the machine has a hardware PMU), counted
 * from its exec to its exit over it and every thread and process it starts. A counter that cannot be
 * opened here keeps the reason, so the report says "not measurable" instead of a zero. */
#ifndef CGBENCH_LAUNCHER_COUNTERS_H
#define CGBENCH_LAUNCHER_COUNTERS_H

#include <stdint.h>
#include <sys/types.h>

#include "../json.h"

#define COUNTERS_N 3

struct counter {
    const char *key; /* the report's name */
    uint32_t type; /* PERF_TYPE_* */
    uint64_t config; /* PERF_COUNT_* */
    int fd; /* -1: not counting */
    int measured; /* value holds the count; otherwise why says why not */
    uint64_t value; /* scaled to the whole run when the PMU multiplexed it */
    double share; /* the share of the run the counter was on the PMU (1 unless multiplexed) */
    char why[200];
};

struct counters {
    struct counter c[COUNTERS_N];
};

/* Opens the counters on `pid`, which has not exec'd yet: they start counting at its exec. */
void counters_open(struct counters *k, pid_t pid);
/* Reads them once the workload is reaped (the counts of its exited threads and children are in). */
void counters_read(struct counters *k);
/* The counters as a JSON member `key`: {"cpu_migrations":{"value":N},"cycles":{"value":null,"reason":...}}. */
void counters_json(const struct counters *k, struct json *j, const char *key);

#endif
