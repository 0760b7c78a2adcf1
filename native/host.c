/* Facts about the machine a native program runs on (host.h). */
#define _GNU_SOURCE /* sched_getaffinity */
#include "host.h"

#include "common.h"

#include <ctype.h>
#include <sched.h>
#include <sys/utsname.h>

/* /proc/cpuinfo names the model differently per architecture; the first key of this list present wins
 * (x86 and most others, 32-bit arm's board, mips, old arm, Raspberry Pi, riscv, powerpc). Keys are
 * matched whole, so "cpu" never takes "cpu family" or "cpu MHz". */
static const char *const HOST_MODEL_KEYS[] = { "model name", "Hardware", "cpu model", "Processor", "Model", "uarch", "cpu" };
#define HOST_NMODEL_KEYS (sizeof HOST_MODEL_KEYS / sizeof HOST_MODEL_KEYS[0])

/* The CPU model from /proc/cpuinfo, or "" when it names none (64-bit arm lists only part numbers). */
void host_cpu_model(char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "re");
    if (!f)
        return;
    size_t best = HOST_NMODEL_KEYS;
    char line[512];
    while (best > 0 && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *end = colon;
        while (end > line && isspace((unsigned char)end[-1]))
            end--;
        size_t klen = (size_t)(end - line);
        char *v = colon + 1 + strspn(colon + 1, " \t");
        v[strcspn(v, "\n")] = '\0';
        if (!*v)
            continue;
        for (size_t k = 0; k < best; k++) {
            if (strlen(HOST_MODEL_KEYS[k]) == klen && !strncmp(line, HOST_MODEL_KEYS[k], klen)) {
                snprintf(out, size, "%s", v);
                best = k;
                break;
            }
        }
    }
    fclose(f);
}

/* The CPUs this process may run on (its affinity: a container's cpuset), or the online count when the
 * affinity cannot be read. */
uint64_t host_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (uint64_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint64_t)n : 0;
}

/* Kernel release, CPU model and CPUs as JSON members of `j` (the caller begins and ends the object). */
void host_json(struct json *j)
{
    struct utsname u;
    if (uname(&u) != 0)
        memset(&u, 0, sizeof u);
    char model[256];
    host_cpu_model(model, sizeof model);
    json_str(j, "kernel", u.release);
    json_str(j, "cpu_model", model);
    json_u64(j, "cpus", host_cpus());
}
