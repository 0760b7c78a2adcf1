/* The launcher's report (report.h), record by record. Stat files' text, paths and messages all go
 * through json_put_string, the one escaper, so a UTF-8 path or message arrives as it was. */
#include "report.h"

#include <sys/wait.h>

#include "../host.h"
#include "../protocol.h"
#include "metrics.h"

int report_open(struct report *r, const char *to, struct err *e)
{
    if (!strcmp(to, "-")) {
        r->out = stdout;
        snprintf(r->path, sizeof r->path, "(stdout)");
        return 0;
    }
    snprintf(r->path, sizeof r->path, "%s", to);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !(r->out = fdopen(fd, "w")))
        return errorf(e, "cannot open report file %s: %s", to, strerror(errno));
    return 0;
}

/* One record: "CGBENCH-<kind> " and the line in j (which ends it). */
static void put_record(struct report *r, const char *kind, struct json *j)
{
    fprintf(r->out, CGB_RECORD_PREFIX "%s ", kind);
    if (json_fwrite(j, r->out) != 0) {
        fputs("{}\n", r->out); /* out of memory: the line stays a line; the close reports the failure */
        r->failed = 1;
    }
    json_free(j);
}

static void put_host(struct report *r)
{
    struct json j;
    json_begin(&j);
    host_json(&j);
    json_end(&j);
    put_record(r, "HOST", &j);
}

static void put_group(struct report *r, const struct cg_set *g, const struct sampler *s)
{
    struct json j;
    json_begin(&j);
    json_str(&j, "mode", g->self ? "container" : "host");
    json_str(&j, "driver", g->v2 ? "v2" : "v1");
    json_object(&j, "files");
    for (int f = 0; f < s->nfiles; f++)
        json_str(&j, s->files[f].key, s->files[f].path);
    json_close_object(&j);
    json_array(&j, "missing");
    for (int k = 0; k < s->nmissing; k++)
        json_item_str(&j, s->missing[k]);
    json_close_array(&j);
    json_end(&j);
    put_record(r, "GROUP", &j);
}

/* One reading; with `prev`, only the files whose text changed since it. */
static void put_reading(struct report *r, const char *kind, const struct sampler *s, const struct reading *x, const struct reading *prev)
{
    struct json j;
    json_begin(&j);
    json_u64(&j, "t", x->t);
    json_object(&j, "f");
    for (int f = 0; f < s->nfiles; f++) {
        uint32_t len, plen;
        const char *text = reading_text(x, f, &len);
        if (prev) {
            const char *ptext = reading_text(prev, f, &plen);
            if (plen == len && !memcmp(ptext, text, len))
                continue;
        }
        json_strn(&j, s->files[f].key, text, len);
    }
    json_close_object(&j);
    json_end(&j);
    put_record(r, kind, &j);
}

static void put_ticks(struct report *r, const struct sampler *s)
{
    struct json j;
    json_begin(&j);
    json_u64(&j, "interval_ns", s->interval_ns);
    json_u64(&j, "ticks", s->ticks);
    json_u64(&j, "kept", (uint64_t)s->nkept);
    json_u64(&j, "stride", s->stride);
    json_u64(&j, "intervals", s->intervals);
    json_u64(&j, "mean_ns", s->intervals ? s->sum_ns / s->intervals : 0);
    json_u64(&j, "max_ns", s->max_ns);
    json_u64(&j, "off", s->off);
    json_u64(&j, "cpu_us", s->loop_cpu_us);
    json_end(&j);
    put_record(r, "TICKS", &j);
}

static uint64_t tv_us(struct timeval tv)
{
    return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static void put_opt_str(struct json *j, const char *key, const char *s)
{
    if (s && s[0])
        json_str(j, key, s);
    else
        json_null(j, key);
}

static void put_status(struct report *r, const struct run_report *run)
{
    const struct outcome *o = run->outcome;
    const struct rusage *ru = &o->ru;
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    struct json j;
    json_begin(&j);
    if (WIFEXITED(o->wst))
        json_i64(&j, "exit_code", WEXITSTATUS(o->wst));
    else
        json_null(&j, "exit_code");
    if (WIFSIGNALED(o->wst))
        json_i64(&j, "signal", WTERMSIG(o->wst));
    else
        json_null(&j, "signal");
    /* No t0 means the child never got as far as exec: there is no workload wall time. */
    if (o->t0 && !o->error[0])
        json_u64(&j, "wall_ns", o->t1 - o->t0);
    else
        json_null(&j, "wall_ns");
    json_u64(&j, "utime_us", tv_us(ru->ru_utime));
    json_u64(&j, "stime_us", tv_us(ru->ru_stime));
    json_u64(&j, "maxrss_kib", (uint64_t)ru->ru_maxrss);
    json_u64(&j, "majflt", (uint64_t)ru->ru_majflt);
    json_u64(&j, "minflt", (uint64_t)ru->ru_minflt);
    json_u64(&j, "nvcsw", (uint64_t)ru->ru_nvcsw);
    json_u64(&j, "nivcsw", (uint64_t)ru->ru_nivcsw);
    /* Evidence of why a unit of work may cost more CPU: migrations, and cycles and instructions (a PMU). */
    counters_json(run->counters, &j, "perf_counters");
    /* The launcher's own CPU (sampling included), which in container mode is charged to the group. */
    json_u64(&j, "launcher_cpu_us", self_cpu_us());
    /* Its peak memory: the kept readings are bounded, however long the run. */
    json_u64(&j, "launcher_maxrss_kib", (uint64_t)self.ru_maxrss);
    /* Tells a SIGKILL we forwarded apart from one the OOM killer sent. */
    if (o->forwarded)
        json_i64(&j, "forwarded_signal", o->forwarded);
    else
        json_null(&j, "forwarded_signal");
    put_opt_str(&j, "error", o->error);
    put_opt_str(&j, "sampling_error", run->sampler ? run->sampler->error : NULL);
    if (run->watch_stdin)
        json_i64(&j, "stdin_eof", o->stdin_eof);
    json_end(&j);
    put_record(r, "STATUS", &j);
}

static void put_metric_line(void *arg, const char *line, size_t len)
{
    struct json j;
    json_begin(&j);
    json_strn(&j, "line", line, len);
    json_end(&j);
    put_record(arg, "METRIC", &j);
}

static int report_close(struct report *r, struct err *e)
{
    int failed = r->failed || ferror(r->out) || fflush(r->out) != 0;
    if (r->failed)
        errno = ENOMEM;
    if (r->out != stdout && fclose(r->out) != 0)
        failed = 1;
    r->out = NULL;
    return failed ? errorf(e, "cannot write the report %s: %s", r->path, strerror(errno)) : 0;
}

void report_failed_launch(struct report *r, const char *msg)
{
    if (!r->out)
        return;
    struct json j;
    json_begin(&j);
    json_null(&j, "exit_code");
    json_null(&j, "signal");
    json_null(&j, "wall_ns");
    json_str(&j, "error", msg);
    json_end(&j);
    fprintf(r->out, "\n" CGB_RECORD_PREFIX "REPORT %d\n", CGB_REPORT_VERSION);
    put_record(r, "STATUS", &j);
    fputs(CGB_RECORD_PREFIX "END\n", r->out);
    fflush(r->out);
}

int report_write(struct report *r, const struct run_report *run, struct err *e)
{
    /* The leading newline ends a last line the workload left unterminated (on stdout). */
    fprintf(r->out, "%s" CGB_RECORD_PREFIX "REPORT %d\n", r->out == stdout ? "\n" : "", CGB_REPORT_VERSION);
    put_host(r);
    const struct sampler *s = run->sampler;
    if (s) {
        put_group(r, run->groups, s);
        put_reading(r, "BEFORE", s, run->before, NULL);
        const struct reading *prev = run->before;
        for (int k = 0; k < s->nkept; k++) {
            put_reading(r, "SAMPLE", s, s->kept[k], prev);
            prev = s->kept[k];
        }
        if (run->after)
            put_reading(r, "AFTER", s, run->after, NULL);
        put_ticks(r, s);
    }
    if (run->metrics)
        metrics_each(run->metrics, put_metric_line, r);
    put_status(r, run);
    fputs(CGB_RECORD_PREFIX "END\n", r->out);
    return report_close(r, e);
}
