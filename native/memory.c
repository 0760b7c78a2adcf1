/* cgbench-memory: memory-bound workloads whose behaviour changes under a memory limit:
 * anon allocation past the limit (OOM kill) and a page-cache working set larger than the limit. */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common.h"

#define MIB (1024ull * 1024ull)

static volatile uint64_t sink;

static void usage(void)
{
    printf("usage: cgbench-memory --mode anon --mib N\n"
           "       cgbench-memory --mode pagecache --mib N --dir D [--passes K] [--access mmap|read]\n"
           "  anon:      map N MiB of anonymous memory and write one byte per page (timed).\n"
           "  pagecache: write an N MiB scratch file in D, drop it from the cache, then read it\n"
           "             K times (default 3) via an mmap (default) or read() (timed).\n"
           "  Prints one JSON line: workload, mode, wall_ns, cpu_ns, bytes, majflt, minflt, plus\n"
           "  pages (anon) or access, passes, file_bytes, prepare_ns, disk_read_bytes (pagecache).\n");
    exit(0);
}

static void faults(uint64_t *maj, uint64_t *min)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *maj = (uint64_t)ru.ru_majflt;
    *min = (uint64_t)ru.ru_minflt;
}

/* Process CPU time over the timed phase, ns (set where t1 is taken). */
static uint64_t timed_cpu_ns;
/* Bytes this process made the kernel fetch from storage over the timed phase (/proc/self/io
 * read_bytes): the re-reads the page cache did not serve, whichever way the file is read. -1: unknown. */
static int64_t timed_disk_read = -1;

static int64_t disk_read_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return -1;
    char line[128];
    long long v = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "read_bytes: %lld", &v) == 1)
            break;
    fclose(f);
    return v;
}

static void emit(const char *mode, const char *access, uint64_t wall, uint64_t bytes, uint64_t pages,
                 uint64_t passes, uint64_t file_bytes, uint64_t prepare, uint64_t majflt, uint64_t minflt)
{
    struct json j;
    json_begin(&j);
    json_str(&j, "workload", "memory");
    json_str(&j, "mode", mode);
    if (access)
        json_str(&j, "access", access);
    json_u64(&j, "wall_ns", wall);
    json_u64(&j, "cpu_ns", timed_cpu_ns);
    json_u64(&j, "bytes", bytes);
    if (access) {
        json_u64(&j, "passes", passes);
        json_u64(&j, "file_bytes", file_bytes);
        json_u64(&j, "prepare_ns", prepare);
        if (timed_disk_read >= 0)
            json_u64(&j, "disk_read_bytes", (uint64_t)timed_disk_read);
    } else {
        json_u64(&j, "pages", pages);
    }
    json_u64(&j, "majflt", majflt);
    json_u64(&j, "minflt", minflt);
    json_end(&j);
    json_print(&j);
}

static void run_anon(uint64_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    /* No MAP_POPULATE: the faults are the workload, and they must happen inside the timed phase
     * so an over-limit allocation dies (or reclaims) while being measured. */
    volatile char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die(EXIT_ENV, "cannot map %" PRIu64 " bytes: %s", bytes, strerror(errno));

    uint64_t maj0, min0, maj1, min1;
    faults(&maj0, &min0);
    uint64_t c0 = process_cpu_ns();
    uint64_t t0 = now_ns();
    for (uint64_t off = 0; off < bytes; off += page)
        p[off] = 1;
    uint64_t t1 = now_ns();
    timed_cpu_ns = process_cpu_ns() - c0;
    faults(&maj1, &min1);

    emit("anon", NULL, t1 - t0, bytes, bytes / page, 0, 0, 0, maj1 - maj0, min1 - min0);
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(EXIT_ENV, "cannot write scratch file: %s", n < 0 ? strerror(errno) : "short write");
        buf += n;
        len -= (size_t)n;
    }
}

static void run_pagecache(uint64_t bytes, uint64_t passes, const char *dir, int use_mmap)
{
    char path[4096];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *buf = malloc(MIB);
    if (!buf)
        die(EXIT_ENV, "out of memory for the 1 MiB buffer");
    for (size_t i = 0; i < MIB; i++)
        buf[i] = (char)(i * 31 + 7) | 1;

    uint64_t p0 = now_ns();
    int fd = scratch_open(dir, "pagecache", O_RDWR, path, sizeof path);
    if (fd < 0)
        die(EXIT_ENV, "cannot create a scratch file in %s: %s", dir, strerror(errno));
    for (uint64_t off = 0; off < bytes; off += MIB)
        write_all(fd, buf, MIB);
    if (fsync(fd) != 0)
        die(EXIT_ENV, "cannot fsync scratch file: %s", strerror(errno));
    /* Only clean pages can be dropped, hence the fsync first; pass 1 must start cold so the
     * first pass measures the disk and later passes measure what the limit lets us keep cached. */
    int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (err)
        die(EXIT_ENV, "cannot drop the scratch file from the page cache: %s", strerror(err));
    uint64_t p1 = now_ns();

    const volatile char *map = NULL;
    if (use_mmap) {
        /* Mapped once for all passes: pages that survive in the cache stay mapped and cost no
         * fault, so only reclaim by the memory limit makes later passes slow. */
        map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            die(EXIT_ENV, "cannot map scratch file: %s", strerror(errno));
    }

    uint64_t maj0, min0, maj1, min1;
    int64_t r0 = disk_read_bytes();
    faults(&maj0, &min0);
    uint64_t c0 = process_cpu_ns();
    uint64_t t0 = now_ns();
    for (uint64_t pass = 0; pass < passes; pass++) {
        uint64_t sum = 0;
        if (use_mmap) {
            for (uint64_t off = 0; off < bytes; off += page)
                sum += (unsigned char)map[off];
        } else {
            uint64_t off = 0;
            while (off < bytes) {
                ssize_t n = pread(fd, buf, MIB, (off_t)off);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    die(EXIT_ENV, "cannot read scratch file: %s", n < 0 ? strerror(errno) : "unexpected end of file");
                /* Word sums keep the data "used" without letting CPU work dominate the timing. */
                const uint64_t *w = (const uint64_t *)buf;
                for (size_t k = 0; k < (size_t)n / 8; k++)
                    sum += w[k];
                off += (uint64_t)n;
            }
        }
        sink += sum;
    }
    uint64_t t1 = now_ns();
    timed_cpu_ns = process_cpu_ns() - c0;
    int64_t r1 = disk_read_bytes();
    if (r0 >= 0 && r1 >= r0)
        timed_disk_read = r1 - r0;
    faults(&maj1, &min1);

    emit("pagecache", use_mmap ? "mmap" : "read", t1 - t0, bytes * passes, 0, passes, bytes, p1 - p0,
         maj1 - maj0, min1 - min0);
    close(fd);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-memory";
    const char *mode = NULL, *dir = NULL, *access = "mmap";
    uint64_t mib = 0, passes = 3;
    int have_passes = 0, have_access = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--mode"))
            mode = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--mib"))
            mib = parse_u64(a, opt_value(argc, argv, &i), 1, 1ull << 24);
        else if (!strcmp(a, "--passes"))
            passes = parse_u64(a, opt_value(argc, argv, &i), 1, 1000000), have_passes = 1;
        else if (!strcmp(a, "--dir"))
            dir = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--access"))
            access = opt_value(argc, argv, &i), have_access = 1;
        else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }

    if (!mode)
        die(EXIT_USAGE, "--mode anon|pagecache is required (try --help)");
    if (!mib)
        die(EXIT_USAGE, "--mib N is required (try --help)");

    if (!strcmp(mode, "anon")) {
        /* Options that would be silently ignored are refused, so a typo'd scenario fails loudly. */
        if (dir || have_passes || have_access)
            die(EXIT_USAGE, "--dir, --passes and --access apply only to --mode pagecache");
        run_anon(mib * MIB);
    } else if (!strcmp(mode, "pagecache")) {
        if (!dir)
            die(EXIT_USAGE, "--mode pagecache needs --dir D");
        if (strcmp(access, "mmap") && strcmp(access, "read"))
            die(EXIT_USAGE, "--access: '%s' is not mmap or read", access);
        struct stat st;
        if (stat(dir, &st) != 0)
            die(EXIT_ENV, "%s is not a usable directory: %s", dir, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            die(EXIT_ENV, "%s is not a directory", dir);
        run_pagecache(mib * MIB, passes, dir, !strcmp(access, "mmap"));
    } else {
        die(EXIT_USAGE, "--mode: '%s' is not anon or pagecache", mode);
    }
    return 0;
}
