/* The launcher's protocol with the harness: its exit codes, the stat files it samples, and the report
 * it hands back. The TypeScript side of the same protocol is src/runtimes/launcher.ts; keep them in step.
 *
 * The report is text, one record per line, so it travels unchanged through a file, a container's
 * stdout, `docker service logs` or `kubectl logs`:
 *
 *   CGBENCH-REPORT 1                      version of this format
 *   CGBENCH-HOST {json}                   where it ran: kernel (uname release), cpu_model (from
 *                                         /proc/cpuinfo, "" when it names none), cpus (the CPUs it may
 *                                         run on: its affinity); absent in a failed launch's report and
 *                                         in reports of older launchers
 *   CGBENCH-GROUP {json}                  mode ("host"|"container"), driver ("v1"|"v2"), the files
 *                                         sampled ({key: path}) and the optional ones that are absent
 *   CGBENCH-BEFORE {"t":NS,"f":{key:text}}   every file, after the workload joined its group and
 *                                         before it execs
 *   CGBENCH-SAMPLE {"t":NS,"f":{...}}     a kept tick; only the files whose text changed since the
 *                                         previous BEFORE/SAMPLE line (the rest are as they were)
 *   CGBENCH-AFTER {"t":NS,"f":{...}}      every file, as soon as the workload exited (absent when the
 *                                         group's files vanished: see sampling_error)
 *   CGBENCH-TICKS {json}                  interval_ns, ticks taken, kept, stride, intervals, mean_ns,
 *                                         max_ns, off (intervals more than 10 % off the target), cpu_us
 *                                         (the CPU the sampling loop itself used)
 *   CGBENCH-METRIC {"line":TEXT}          with --metrics: each line the workload wrote to the metrics
 *                                         protocol's file ($CGBENCH_METRICS), in order, as written (the
 *                                         harness parses it: src/programs/metrics.ts); at most
 *                                         CGB_MAX_METRIC_LINES lines (one more says there were more)
 *                                         of CGB_MAX_METRIC_LINE bytes
 *   CGBENCH-STATUS {json}                 exit_code, signal, wall_ns (exec to exit), rusage of the
 *                                         workload (utime_us, stime_us, maxrss_kib, majflt, minflt,
 *                                         nvcsw and nivcsw: voluntary and involuntary context switches),
 *                                         perf_counters (below), launcher_cpu_us and
 *                                         launcher_maxrss_kib (the launcher's own), forwarded_signal,
 *                                         error, sampling_error, stdin_eof
 *   CGBENCH-END
 *
 * perf_counters holds cpu_migrations (a software event), cycles and instructions (a hardware PMU),
 * counted from the workload's exec to its exit over it and every thread and process it starts: each
 * {"value":N} (plus "counted_share" when the PMU multiplexed it and the value is scaled up), or
 * {"value":null,"reason":"..."} where it is not measurable (no PMU, perf events not permitted). Absent
 * in a failed launch's report and in reports of older launchers.
 *
 * Keys name the files as the parsers expect them: "controller/file" on v1, "file" on v2. Times are
 * CLOCK_MONOTONIC nanoseconds of the machine the launcher runs on. Ticks are kept by halving: at most
 * CGB_MAX_KEPT (CGB_KEPT_COARSE at coarse intervals) are kept, every other one is dropped when they fill up and the stride doubles, which is
 * exact for cumulative counters. With --watch-stdin the launcher also prints, on stderr,
 * "CGBENCH-READY <ns>" when it starts. */
#ifndef CGBENCH_PROTOCOL_H
#define CGBENCH_PROTOCOL_H

/* 125/126/127 follow docker run and the shell: the launcher failed / program not executable /
 * program not found, so they never look like an ordinary workload exit code. */
#define CGB_EXIT_LAUNCH 125
#define CGB_EXIT_NOEXEC 126
#define CGB_EXIT_NOTFOUND 127

#define CGB_REPORT_VERSION 1
/* Every record of the report, in the order they appear, after this prefix; and the stderr marker. */
#define CGB_RECORD_PREFIX "CGBENCH-"
#define CGB_RECORDS { "REPORT", "HOST", "GROUP", "BEFORE", "SAMPLE", "AFTER", "TICKS", "METRIC", "STATUS", "END" }
#define CGB_READY "CGBENCH-READY"
/* The metrics protocol: the environment variable naming the workload's file, and what is relayed of it. */
#define CGB_METRICS_ENV "CGBENCH_METRICS"
#define CGB_MAX_METRIC_LINES 256
#define CGB_MAX_METRIC_LINE 4096
/* Ticks kept: 1024, or 4096 at intervals under 10 ms. Folding CPU use onto the CFS period needs steps
 * of at most a tenth of the period, so a 3 s run sampled every 1 ms must keep every tick (1024 would
 * halve it to 4 ms, too coarse for a 20 ms period); each kept reading costs ~1.5 KiB of the launcher's
 * memory, so coarse intervals, which cover 100 s and more with 1024, keep the smaller budget. */
#define CGB_MAX_KEPT 4096
#define CGB_KEPT_COARSE 1024
#define CGB_FINE_BELOW_US 10000
/* Sampling interval bounds, us: 1 ms .. 10 s. */
#define CGB_INTERVAL_MIN_US 1000
#define CGB_INTERVAL_MAX_US 10000000

/* The counters of STATUS's perf_counters member, in the order they appear. */
#define CGB_PERF_COUNTERS { "cpu_migrations", "cycles", "instructions" }

/* The v1 hierarchies a group of cgbench spans: the ones its stat files are in. */
#define CGB_V1_CONTROLLERS { "cpu", "cpuacct", "memory", "blkio", "pids" }

struct cgb_stat_file {
    /* v1 controller whose hierarchy holds the file (NULL on v2). */
    const char *controller;
    const char *file;
    /* Absent on some kernels or groups without it being an error (the report lists it as missing). */
    int optional;
};

/* CPU and memory are what every verdict needs: a group without them cannot be measured. IO and pids
 * may be missing (a group without those controllers), memory.peak needs 5.19+, PSI psi=1. */
static const struct cgb_stat_file CGB_V1_FILES[] = {
    { "cpu", "cpu.stat", 0 },
    { "cpuacct", "cpuacct.usage", 0 },
    { "cpuacct", "cpuacct.stat", 0 },
    { "memory", "memory.usage_in_bytes", 0 },
    { "memory", "memory.max_usage_in_bytes", 0 },
    { "memory", "memory.failcnt", 0 },
    { "memory", "memory.stat", 0 },
    { "memory", "memory.oom_control", 0 },
    { "blkio", "blkio.throttle.io_service_bytes", 1 },
    { "blkio", "blkio.throttle.io_serviced", 1 },
    { "pids", "pids.current", 1 },
};

static const struct cgb_stat_file CGB_V2_FILES[] = {
    { NULL, "cpu.stat", 0 },
    { NULL, "memory.current", 0 },
    { NULL, "memory.peak", 1 },
    { NULL, "memory.events", 0 },
    { NULL, "memory.stat", 0 },
    { NULL, "io.stat", 1 },
    { NULL, "pids.current", 1 },
    { NULL, "cpu.pressure", 1 },
    { NULL, "memory.pressure", 1 },
    { NULL, "io.pressure", 1 },
};

#endif
