/* cgbench-cpu: the textbook CPU-bound busy loop, run by T threads at once, so CFS quota
 * throttling shows up as a plain wall-time slowdown (expected ~ period/quota). */
#include <pthread.h>

#include "common.h"

static uint64_t iterations = 1ull << 30;
static pthread_barrier_t start_barrier;

/* One thread's loop: when it started and ended (monotonic), and the CPU time it took. */
struct span {
    uint64_t start, end, cpu;
};

static void *spin(void *arg)
{
    struct span *s = arg;
    const uint64_t n = iterations; /* a local, so the "memory" clobber cannot force a reload */
    pthread_barrier_wait(&start_barrier);
    /* Each thread times its own loop, its CPU clock read inside its wall interval: the process CPU
     * clock read from another thread counts a running thread's time only up to its last tick or
     * switch, so a loop that started before the reader woke could show more CPU than wall time. */
    struct timespec c0, c1;
    s->start = now_ns();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    /* The empty asm makes i observable, so -O2 keeps one real increment-compare-branch per
     * iteration instead of folding the loop away. */
    for (uint64_t i = 0; i < n; i++)
        __asm__ volatile("" : : "r"(i) : "memory");
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    s->end = now_ns();
    s->cpu = ts_to_ns(&c1) - ts_to_ns(&c0);
    return NULL;
}

static void usage(void)
{
    printf("usage: cgbench-cpu [--iterations N] [--threads T]\n"
           "  Each of T threads runs an empty loop of N iterations (default N=1073741824, T=1).\n"
           "  Prints one JSON line: workload, wall_ns (from the first loop's start to the last one's end),\n"
           "  ops (N*T), iterations, threads, cpu_ns (the loops' CPU time, summed over the threads).\n");
    exit(0);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-cpu";
    uint64_t threads = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--iterations"))
            iterations = parse_u64(a, opt_value(argc, argv, &i), 1, UINT64_MAX / 1024);
        else if (!strcmp(a, "--threads"))
            threads = parse_u64(a, opt_value(argc, argv, &i), 1, 1024);
        else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }

    pthread_t tid[1024];
    static struct span spans[1024];
    pthread_barrier_init(&start_barrier, NULL, (unsigned)threads + 1);
    for (uint64_t t = 0; t < threads; t++) {
        int err = pthread_create(&tid[t], NULL, spin, &spans[t]);
        if (err)
            die(EXIT_ENV, "cannot create thread %" PRIu64 ": %s", t, strerror(err));
    }

    /* Thread creation stays outside the measurement: the loops start when all are released. */
    pthread_barrier_wait(&start_barrier);
    for (uint64_t t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    /* CPU time shows whether the same work cost more CPU under a limit (cache/TLB refills after
     * each throttled period, emulation), which wall time alone cannot tell from the quota. */
    uint64_t t0 = UINT64_MAX, t1 = 0, cpu = 0;
    for (uint64_t t = 0; t < threads; t++) {
        t0 = spans[t].start < t0 ? spans[t].start : t0;
        t1 = spans[t].end > t1 ? spans[t].end : t1;
        cpu += spans[t].cpu;
    }

    struct json j;
    json_begin(&j);
    json_str(&j, "workload", "cpu");
    json_u64(&j, "wall_ns", t1 - t0);
    json_u64(&j, "ops", iterations * threads);
    json_u64(&j, "iterations", iterations);
    json_u64(&j, "threads", threads);
    json_u64(&j, "cpu_ns", cpu);
    json_end(&j);
    json_print(&j);
    return 0;
}
