/* cgbench-tickfloor: the floor of sampling, for `npm run bench`: wakes at absolute deadlines
 * (clock_nanosleep TIMER_ABSTIME) and preads the given files, nothing else (no parsing, no storing).
 * Prints one JSON line: ticks, intervals, off (intervals more than 10 % off the target), mean_ns,
 * max_ns and cpu_us, the CPU this loop used. */
#include "common.h"

#define MAX_FILES 32

int main(int argc, char **argv)
{
    prog_name = "cgbench-tickfloor";
    uint64_t interval_us = 0, duration_ms = 0;
    int fds[MAX_FILES], nfds = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--interval-us"))
            interval_us = parse_u64("--interval-us", opt_value(argc, argv, &i), 1000, 10000000);
        else if (!strcmp(argv[i], "--duration-ms"))
            duration_ms = parse_u64("--duration-ms", opt_value(argc, argv, &i), 1, 3600000);
        else if (argv[i][0] == '-')
            die(EXIT_USAGE, "unknown option %s (usage: --interval-us N --duration-ms N FILE...)", argv[i]);
        else if (nfds == MAX_FILES)
            die(EXIT_USAGE, "too many files");
        else if ((fds[nfds++] = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0)
            die(EXIT_ENV, "cannot open %s: %s", argv[i], strerror(errno));
    }
    if (!interval_us || !duration_ms)
        die(EXIT_USAGE, "usage: cgbench-tickfloor --interval-us N --duration-ms N FILE...");
    static char buf[65536];
    uint64_t interval = interval_us * 1000, start = now_ns(), end = start + duration_ms * 1000000, next = start;
    uint64_t ticks = 0, intervals = 0, off = 0, sum = 0, max = 0, last = 0, cpu0 = self_cpu_us();
    for (;;) {
        next += interval;
        if (next > end)
            break;
        struct timespec ts = ns_to_ts(next);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        uint64_t t = now_ns();
        for (int f = 0; f < nfds; f++)
            if (pread(fds[f], buf, sizeof buf, 0) < 0)
                die(EXIT_ENV, "pread failed: %s", strerror(errno));
        if (last) {
            uint64_t d = t - last, dev = d > interval ? d - interval : interval - d;
            intervals++;
            sum += d;
            if (d > max)
                max = d;
            if (dev * 10 > interval)
                off++;
        }
        last = t;
        ticks++;
        uint64_t now = now_ns();
        if (now > next + interval)
            next += (now - next) / interval * interval;
    }
    struct json j;
    json_begin(&j);
    json_u64(&j, "ticks", ticks);
    json_u64(&j, "intervals", intervals);
    json_u64(&j, "off", off);
    json_u64(&j, "mean_ns", intervals ? sum / intervals : 0);
    json_u64(&j, "max_ns", max);
    json_u64(&j, "cpu_us", self_cpu_us() - cpu0);
    json_u64(&j, "wall_ns", now_ns() - start);
    json_end(&j);
    json_print(&j);
    return 0;
}
