/* The report the launcher hands back (protocol.h): one record per line, each line one JSON object built
 * by the one JSON writer (json.h). */
#ifndef CGBENCH_LAUNCHER_REPORT_H
#define CGBENCH_LAUNCHER_REPORT_H

#include <stdio.h>

#include "cgroup.h"
#include "counters.h"
#include "loop.h"
#include "sampler.h"

struct report {
    FILE *out; /* NULL: no report asked for */
    char path[PATH_MAX]; /* for messages; "(stdout)" */
    int failed; /* a line could not be built (out of memory) */
};

/* Opens FILE, or stdout for "-", before anything runs: a bad path fails the launch, not the result. */
int report_open(struct report *r, const char *to, struct err *e);
/* The report of a launch that failed before the workload ran: the reason as the status's error. */
void report_failed_launch(struct report *r, const char *msg);

/* Readings, tick statistics and the status of a run, in the protocol's order. */
struct run_report {
    const struct cg_set *groups;
    const struct sampler *sampler; /* NULL: nothing was sampled */
    const struct reading *before, *after; /* after may be NULL (the group's files vanished) */
    const struct outcome *outcome;
    const struct counters *counters;
    int watch_stdin;
    const char *metrics; /* the metrics protocol's file, relayed line by line; NULL: none */
};
/* Writes the whole report and closes it; -1 when it could not be written. */
int report_write(struct report *r, const struct run_report *run, struct err *e);

#endif
