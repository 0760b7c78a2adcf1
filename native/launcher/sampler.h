/* The sampler: the group's stat files, read at each tick into one reading, with the tick statistics
 * and the kept readings (halved when full). All its state is this struct. */
#ifndef CGBENCH_LAUNCHER_SAMPLER_H
#define CGBENCH_LAUNCHER_SAMPLER_H

#include "cgroup.h"

#define SAMPLER_MAX_FILES 16
/* Stat files are small (memory.stat, the largest, is a few KiB); a longer text is cut here. */
#define SAMPLER_FILE_MAX 65536

struct stat_file {
    char key[80]; /* "controller/file" on v1, "file" on v2 */
    char path[PATH_MAX + 64];
    int fd;
};

/* One reading: every file's text at time t, concatenated. */
struct reading {
    uint64_t t;
    uint32_t len[SAMPLER_MAX_FILES];
    char *data;
};

struct sampler {
    int nfiles;
    struct stat_file files[SAMPLER_MAX_FILES];
    /* Optional files this group lacks. */
    int nmissing;
    char missing[SAMPLER_MAX_FILES][80];
    /* The current reading, one SAMPLER_FILE_MAX slot per file. */
    char *scratch;
    uint32_t scratch_len[SAMPLER_MAX_FILES];
    uint64_t interval_ns; /* 0: only the before and after readings */
    /* Kept ticks (every stride-th; halved when max_kept are kept) and the statistics over all ticks. */
    struct reading **kept;
    int nkept, max_kept;
    uint64_t stride, ticks, intervals, off, sum_ns, max_ns, last_ns;
    uint64_t loop_cpu_us; /* the CPU the sampling loop used, set by whoever runs the loop */
    char error[256]; /* the files vanished mid-run */
};

/* Opens the protocol's stat files of the groups `g`; an optional one that is absent is listed as missing. */
int sampler_open(struct sampler *s, const struct cg_set *g, uint64_t interval_ns, struct err *e);
/* Reads every file into the current reading at *t; on failure (the group was removed) sets s->error and
 * returns -1. */
int sampler_read(struct sampler *s, uint64_t *t);
/* The current reading as a reading of its own (the before and after readings); NULL when out of memory. */
struct reading *sampler_keep(const struct sampler *s, uint64_t t);
/* One tick: read, count the interval, keep every stride-th reading; -1 when out of memory. */
int sampler_tick(struct sampler *s);
/* File f's text in reading r. */
const char *reading_text(const struct reading *r, int f, uint32_t *len);
void reading_free(struct reading *r);

#endif
