/* The workload's perf counters (counters.h). Each is its own event (inherit rules out a group read),
 * disabled until the exec (enable_on_exec), so the launcher's own set-up and the child's pre-exec steps
 * are not counted. */
#include "counters.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "../common.h"
#include "../protocol.h"

/* The events, in the order of CGB_PERF_COUNTERS (their names in the report). */
static const char *const KEYS[] = CGB_PERF_COUNTERS;
static const struct {
    uint32_t type;
    uint64_t config;
} WANTED[] = {
    { PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
    { PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
};
_Static_assert(sizeof KEYS / sizeof KEYS[0] == COUNTERS_N && sizeof WANTED / sizeof WANTED[0] == COUNTERS_N,
               "one event per name of CGB_PERF_COUNTERS");

/* Why perf_event_open refused, in the words a reader can act on. */
static void explain(struct counter *c, int err)
{
    const char *cause;
    if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)
        cause = c->type == PERF_TYPE_HARDWARE ? "no hardware PMU here (as in a VM without a virtual PMU)"
                                              : "the kernel has no such event";
    else if (err == EACCES || err == EPERM)
        cause = "not permitted (kernel.perf_event_paranoid, or a container's seccomp profile without CAP_PERFMON)";
    else if (err == ENOSYS)
        cause = "the kernel has no perf events";
    else
        cause = "perf_event_open failed";
    snprintf(c->why, sizeof c->why, "%s: perf_event_open: %s", cause, strerror(err));
}

void counters_open(struct counters *k, pid_t pid)
{
    for (int i = 0; i < COUNTERS_N; i++) {
        struct counter *c = &k->c[i];
        memset(c, 0, sizeof *c);
        c->key = KEYS[i];
        c->type = WANTED[i].type;
        c->config = WANTED[i].config;
        struct perf_event_attr attr = {
            .size = sizeof attr,
            .type = c->type,
            .config = c->config,
            .disabled = 1,
            .enable_on_exec = 1,
            .inherit = 1,
            .exclude_hv = 1,
            .read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
        };
        c->fd = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
        if (c->fd < 0)
            explain(c, errno);
    }
}

void counters_read(struct counters *k)
{
    for (int i = 0; i < COUNTERS_N; i++) {
        struct counter *c = &k->c[i];
        if (c->fd < 0)
            continue; /* never opened: why is set */
        uint64_t v[3]; /* value, time enabled, time running */
        ssize_t n = read(c->fd, v, sizeof v);
        int err = errno;
        close(c->fd);
        c->fd = -1;
        if (n != (ssize_t)sizeof v) {
            snprintf(c->why, sizeof c->why, "reading the counter failed: %s", n < 0 ? strerror(err) : "short read");
        } else if (v[1] == 0) {
            snprintf(c->why, sizeof c->why, "the workload never ran with the counter enabled (it did not get as far as exec)");
        } else if (v[2] == 0) {
            snprintf(c->why, sizeof c->why, "the counter never got a place on the PMU (other users held every counter)");
        } else {
            c->share = (double)v[2] / (double)v[1];
            c->value = v[2] < v[1] ? (uint64_t)((double)v[0] / c->share) : v[0];
            c->measured = 1;
        }
    }
}

void counters_json(const struct counters *k, struct json *j, const char *key)
{
    json_object(j, key);
    for (int i = 0; i < COUNTERS_N; i++) {
        const struct counter *c = &k->c[i];
        json_object(j, c->key);
        if (c->measured) {
            json_u64(j, "value", c->value);
            /* Only when the PMU multiplexed the counter: the value is scaled up from this share of the run. */
            if (c->share < 1)
                json_f64(j, "counted_share", c->share);
        } else {
            json_null(j, "value");
            json_str(j, "reason", c->why);
        }
        json_close_object(j);
    }
    json_close_object(j);
}
