/* cgbench-latency: periodic fixed-CPU-cost requests on T threads; a CFS quota that the threads
 * burn early in each period stalls them, which shows as tail latency even when throughput is fine. */
#include <pthread.h>

#include "common.h"

static uint64_t threads = 2, duration_ms = 2000, work_us = 1000, interval_us = 10000;
static uint64_t per_thread;          /* requests each thread issues */
static uint64_t start_ns;            /* tick 0, shared by all threads */
static uint64_t *latencies;          /* threads * per_thread, preallocated */
static pthread_barrier_t start_barrier;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts_to_ns(&ts);
}

static void *worker(void *arg)
{
    uint64_t *out = latencies + (uintptr_t)arg * per_thread;
    pthread_barrier_wait(&start_barrier);

    for (uint64_t k = 0; k < per_thread; k++) {
        /* The schedule is fixed in advance: a request that runs late does not push later ones
         * back, so stalls are counted against every request they delay (no coordinated omission). */
        uint64_t tick = start_ns + (k + 1) * interval_us * 1000;
        struct timespec ts = ns_to_ts(tick);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        /* Spin on this thread's CPU clock, not the wall clock: while throttled the CPU clock
         * stops, so each request really needs W us of CPU and the stall lands in its latency. */
        uint64_t until = thread_cpu_ns() + work_us * 1000;
        do {
            for (unsigned i = 0; i < 256; i++)
                __asm__ volatile("" : : "r"(i) : "memory");
        } while (thread_cpu_ns() < until);
        out[k] = now_ns() - tick;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile over sorted data: always an observed value. */
static uint64_t pct(const uint64_t *v, uint64_t n, uint64_t per_mille)
{
    uint64_t rank = (per_mille * n + 999) / 1000;
    return v[rank ? rank - 1 : 0];
}

static void usage(void)
{
    printf("usage: cgbench-latency [--threads T] [--duration-ms D] [--work-us W] [--interval-us I]\n"
           "  T threads (default 2) each issue a request every I us (default 10000) for D ms\n"
           "  (default 2000); a request is W us (default 1000) of the thread's own CPU time.\n"
           "  latency = completion - scheduled tick.  Prints one JSON line: workload, wall_ns, ops,\n"
           "  threads, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, mean_ns, work_us, interval_us, duration_ms.\n");
    exit(0);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-latency";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--threads"))
            threads = parse_u64(a, opt_value(argc, argv, &i), 1, 1024);
        else if (!strcmp(a, "--duration-ms"))
            duration_ms = parse_u64(a, opt_value(argc, argv, &i), 1, 86400000);
        else if (!strcmp(a, "--work-us"))
            work_us = parse_u64(a, opt_value(argc, argv, &i), 1, 60000000);
        else if (!strcmp(a, "--interval-us"))
            interval_us = parse_u64(a, opt_value(argc, argv, &i), 1, 60000000);
        else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }
    per_thread = duration_ms * 1000 / interval_us;
    if (per_thread == 0)
        die(EXIT_USAGE, "--duration-ms %" PRIu64 " is shorter than one --interval-us %" PRIu64, duration_ms, interval_us);
    if (per_thread * threads > (1ull << 28))
        die(EXIT_USAGE, "too many requests (%" PRIu64 "); raise --interval-us or lower --duration-ms", per_thread * threads);

    latencies = calloc(per_thread * threads, sizeof *latencies);
    if (!latencies)
        die(EXIT_ENV, "cannot allocate %" PRIu64 " latency slots", per_thread * threads);

    pthread_t tid[1024];
    pthread_barrier_init(&start_barrier, NULL, (unsigned)threads + 1);
    for (uint64_t t = 0; t < threads; t++) {
        int err = pthread_create(&tid[t], NULL, worker, (void *)(uintptr_t)t);
        if (err)
            die(EXIT_ENV, "cannot create thread %" PRIu64 ": %s", t, strerror(err));
    }
    uint64_t c0 = process_cpu_ns();
    start_ns = now_ns();
    pthread_barrier_wait(&start_barrier);
    for (uint64_t t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    uint64_t end_ns = now_ns();
    uint64_t cpu_ns = process_cpu_ns() - c0;

    uint64_t n = per_thread * threads, sum = 0;
    qsort(latencies, n, sizeof *latencies, cmp_u64);
    for (uint64_t k = 0; k < n; k++)
        sum += latencies[k];

    struct json j;
    json_begin(&j);
    json_str(&j, "workload", "latency");
    json_u64(&j, "wall_ns", end_ns - start_ns);
    json_u64(&j, "cpu_ns", cpu_ns);
    json_u64(&j, "ops", n);
    json_u64(&j, "threads", threads);
    json_u64(&j, "p50_ns", pct(latencies, n, 500));
    json_u64(&j, "p90_ns", pct(latencies, n, 900));
    json_u64(&j, "p99_ns", pct(latencies, n, 990));
    json_u64(&j, "p999_ns", pct(latencies, n, 999));
    json_u64(&j, "max_ns", latencies[n - 1]);
    json_u64(&j, "mean_ns", sum / n);
    json_u64(&j, "work_us", work_us);
    json_u64(&j, "interval_us", interval_us);
    json_u64(&j, "duration_ms", duration_ms);
    json_end(&j);
    json_print(&j);
    return 0;
}
