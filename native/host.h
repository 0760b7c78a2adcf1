/* What a native program can say about the machine it runs on that an engine may not: the kernel, the
 * CPU model and the CPUs it may run on. One home for these facts: the launcher's CGBENCH-HOST line and
 * the pod helper's CGBENCH-NODE line both take them from here. */
#ifndef CGBENCH_HOST_H
#define CGBENCH_HOST_H

#include "json.h"

#include <stddef.h>
#include <stdint.h>

/* The CPU model from /proc/cpuinfo, or "" when it names none (64-bit arm lists only part numbers). */
void host_cpu_model(char *out, size_t size);
/* The CPUs this process may run on (its affinity: a container's cpuset), or the online count when the
 * affinity cannot be read. */
uint64_t host_cpus(void);
/* Kernel release, CPU model and CPUs as JSON members of `j` (the caller begins and ends the object). */
void host_json(struct json *j);

#endif
