/* cgbench-io: sequential O_DIRECT reads or writes, the IO that blkio/io.max throttles actually
 * govern (buffered writes escape v1 blkio), so bytes/s can be compared with the throttle. */
#define _GNU_SOURCE /* O_DIRECT */
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "common.h"

static const char *dir;

static void usage(void)
{
    printf("usage: cgbench-io --mode write|read --dir D [--mib N] [--block-kib B]\n"
           "  O_DIRECT sequential IO of N MiB (default 64) in blocks of B KiB (default 1024,\n"
           "  a multiple of 4) on a scratch file in D, which must be on a real disk.\n"
           "  write: timed = all writes + fdatasync.  read: untimed prepare writes the file,\n"
           "  then timed = reading it back.\n"
           "  Prints one JSON line: workload, mode, wall_ns, cpu_ns (timed phase), bytes, ops, block_bytes, prepare_ns.\n");
    exit(0);
}

__attribute__((noreturn)) static void no_direct(void)
{
    die(EXIT_ENV, "%s does not support O_DIRECT (tmpfs/overlayfs?); use a directory on a real disk", dir);
}

static void io_error(const char *what, int err)
{
    /* Some filesystems accept the O_DIRECT open and refuse only the IO itself. */
    if (err == EINVAL)
        no_direct();
    die(EXIT_ENV, "cannot %s scratch file in %s: %s", what, dir, strerror(err));
}

static void write_blocks(int fd, const char *buf, uint64_t bytes, uint64_t block, uint64_t *ops)
{
    uint64_t off = 0;
    while (off < bytes) {
        size_t len = (size_t)(bytes - off < block ? bytes - off : block);
        ssize_t n = pwrite(fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            io_error("write", errno);
        if (n == 0 || n % 4096)
            die(EXIT_ENV, "short O_DIRECT write (%zd of %zu bytes) in %s", n, len, dir);
        off += (uint64_t)n;
        (*ops)++;
    }
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-io";
    const char *mode = NULL;
    uint64_t mib = 64, block_kib = 1024;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--mode"))
            mode = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--mib"))
            mib = parse_u64(a, opt_value(argc, argv, &i), 1, 1ull << 24);
        else if (!strcmp(a, "--block-kib"))
            block_kib = parse_u64(a, opt_value(argc, argv, &i), 4, 1ull << 20);
        else if (!strcmp(a, "--dir"))
            dir = opt_value(argc, argv, &i);
        else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }
    if (!mode)
        die(EXIT_USAGE, "--mode write|read is required (try --help)");
    int reading = !strcmp(mode, "read");
    if (!reading && strcmp(mode, "write"))
        die(EXIT_USAGE, "--mode: '%s' is not write or read", mode);
    if (!dir)
        die(EXIT_USAGE, "--dir D is required (a directory on the disk to measure)");
    /* O_DIRECT needs buffer, length and offset aligned to the logical block size; 4 KiB covers
     * every common device. */
    if (block_kib % 4)
        die(EXIT_USAGE, "--block-kib: %" PRIu64 " is not a multiple of 4", block_kib);

    struct statfs sfs;
    if (statfs(dir, &sfs) != 0)
        die(EXIT_ENV, "%s is not a usable directory: %s", dir, strerror(errno));
    /* Kernels since 6.6 accept O_DIRECT on tmpfs, which would silently measure memory copies. */
    if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)
        no_direct();

    uint64_t bytes = mib * 1024 * 1024, block = block_kib * 1024;
    void *mem;
    int err = posix_memalign(&mem, 4096, (size_t)block);
    if (err)
        die(EXIT_ENV, "cannot allocate a %" PRIu64 "-byte aligned buffer: %s", block, strerror(err));
    char *buf = mem;
    /* Non-zero data so no layer can short-cut zero blocks. */
    for (uint64_t i = 0; i < block; i++)
        buf[i] = (char)(i * 31 + 7) | 1;

    char path[4096];
    uint64_t p0 = now_ns(), p1 = p0;
    int fd = scratch_open(dir, "io", (reading ? O_RDWR : O_WRONLY) | O_TRUNC | O_DIRECT, path, sizeof path);
    if (fd < 0) {
        if (errno == EINVAL)
            no_direct();
        die(EXIT_ENV, "cannot create a scratch file in %s: %s", dir, strerror(errno));
    }

    uint64_t ops = 0, t0, t1, c0;
    if (!reading) {
        c0 = process_cpu_ns();
        t0 = now_ns();
        write_blocks(fd, buf, bytes, block, &ops);
        if (fdatasync(fd) != 0)
            io_error("fdatasync", errno);
        t1 = now_ns();
        p1 = p0 = 0;
    } else {
        uint64_t prep_ops = 0;
        write_blocks(fd, buf, bytes, block, &prep_ops);
        if (fdatasync(fd) != 0)
            io_error("fdatasync", errno);
        p1 = now_ns();

        c0 = process_cpu_ns();
        t0 = now_ns();
        uint64_t off = 0;
        while (off < bytes) {
            size_t len = (size_t)(bytes - off < block ? bytes - off : block);
            ssize_t n = pread(fd, buf, len, (off_t)off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                io_error("read", errno);
            if (n == 0)
                die(EXIT_ENV, "unexpected end of scratch file in %s", dir);
            off += (uint64_t)n;
            ops++;
        }
        t1 = now_ns();
    }
    close(fd);

    struct json j;
    json_begin(&j);
    json_str(&j, "workload", "io");
    json_str(&j, "mode", reading ? "read" : "write");
    json_u64(&j, "wall_ns", t1 - t0);
    json_u64(&j, "cpu_ns", process_cpu_ns() - c0);
    json_u64(&j, "bytes", bytes);
    json_u64(&j, "ops", ops);
    json_u64(&j, "block_bytes", block);
    json_u64(&j, "prepare_ns", p1 - p0);
    json_end(&j);
    json_print(&j);
    return 0;
}
