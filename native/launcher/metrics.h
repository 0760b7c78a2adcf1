/* The metrics protocol's side in the launcher: the file a workload appends its own figures to, named in
 * its environment, and the lines it wrote, handed to the report (protocol.h, CGBENCH-METRIC). */
#ifndef CGBENCH_LAUNCHER_METRICS_H
#define CGBENCH_LAUNCHER_METRICS_H

#include <stddef.h>

#include "../common.h"

/* Creates FILE empty (and the directories above it), writable by whoever the workload runs as, and sets
 * CGB_METRICS_ENV to it in this process's environment, which the workload inherits. A FILE ending in
 * XXXXXX is a template (mkstemp): several launchers in one container each get their own. The file made
 * goes to `made` (PATH_MAX bytes). */
int metrics_prepare(const char *path, char *made, struct err *e);

/* Calls fn with each line of FILE (without its newline), at most CGB_MAX_METRIC_LINES + 1 lines of at most
 * CGB_MAX_METRIC_LINE bytes (a longer line is cut, which its reader then refuses), then removes FILE.
 * A FILE that is gone (the workload removed it) has no lines. */
void metrics_each(const char *path, void (*fn)(void *arg, const char *line, size_t len), void *arg);

#endif
