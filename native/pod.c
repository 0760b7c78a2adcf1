/* cgbench-pod: the first program of a Kubernetes pod planned by `cgbench plan --target kubernetes`.
 * An Indexed Job gives every pod the same command and only JOB_COMPLETION_INDEX tells them apart, and
 * the image has no shell, so this picks the pod's run from the plan's table (DIR/run-INDEX, mounted
 * from a ConfigMap), prints who it is and the node it runs on, then execs the launcher (which stays
 * PID 1, as in `docker run`). Cells with different limits need different pod resources, so a plan is
 * several Jobs sharing one table: --index-offset is where a Job's indices begin in it. The file holds one line of identification JSON, then the command's
 * arguments, each ended by a NUL byte (so an argument may hold any character).
 *
 *   CGBENCH-POD <identification JSON, verbatim>
 *   CGBENCH-NODE {"hostname":..,"pod":..,"kernel":..,"arch":..,"cgroup":"v1"|"v2","cpu_model":..,
 *                 "cpus":N,"memory_bytes":N,"unix_ms":N}
 *
 * cpus is the node's online count; cpu_model is read as the launcher reads it (host.h). */
#define _GNU_SOURCE /* sched_getaffinity in host.h */
#include "common.h"
#include "host.h"

#include <limits.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#define MAX_TABLE_BYTES (256 * 1024)
#define MAX_ARGS 1024
#define CGROUP2_MAGIC 0x63677270

static void usage(void)
{
    printf("usage: cgbench-pod --plan-dir DIR [--index-offset N]\n"
           "  runs the command of DIR/run-(N + $JOB_COMPLETION_INDEX) after printing the CGBENCH-POD and\n"
           "  CGBENCH-NODE lines on stdout (see the comment at the top of pod.c)\n");
}

/* The whole file, NUL-terminated; *len excludes the terminator. */
static char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(EXIT_ENV, "cannot open %s: %s (is the plan's ConfigMap mounted, and the index in the plan?)", path, strerror(errno));
    char *buf = malloc(MAX_TABLE_BYTES + 1);
    if (!buf)
        die(EXIT_ENV, "out of memory");
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, MAX_TABLE_BYTES - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die(EXIT_ENV, "cannot read %s: %s", path, strerror(errno));
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == MAX_TABLE_BYTES)
            die(EXIT_ENV, "%s is larger than %d bytes", path, MAX_TABLE_BYTES);
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static uint64_t memory_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    unsigned long long kib = 0;
    if (f) {
        if (fscanf(f, "MemTotal: %llu kB", &kib) != 1)
            kib = 0;
        fclose(f);
    }
    return (uint64_t)kib * 1024;
}

static void print_node(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        memset(&u, 0, sizeof u);
    struct statfs fs;
    int v2 = statfs("/sys/fs/cgroup", &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_MAGIC;
    char model[256];
    host_cpu_model(model, sizeof model);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* Inside a pod uname's nodename is the pod's; the node's name comes from the downward API. */
    const char *node = getenv("NODE_NAME");
    const char *pod = getenv("POD_NAME");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    struct json j;
    json_begin(&j);
    json_str(&j, "hostname", node && *node ? node : u.nodename);
    json_str(&j, "pod", pod && *pod ? pod : u.nodename);
    json_str(&j, "kernel", u.release);
    json_str(&j, "arch", u.machine);
    json_str(&j, "cgroup", v2 ? "v2" : "v1");
    json_str(&j, "cpu_model", model);
    json_u64(&j, "cpus", cpus > 0 ? (uint64_t)cpus : 0);
    json_u64(&j, "memory_bytes", memory_bytes());
    json_u64(&j, "unix_ms", (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u);
    json_end(&j);
    fputs("CGBENCH-NODE ", stdout);
    if (json_fwrite(&j, stdout) != 0)
        die(EXIT_ENV, "cannot write the node line: %s", strerror(errno));
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-pod";
    const char *dir = NULL;
    uint64_t offset = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--plan-dir"))
            dir = opt_value(argc, argv, &i);
        else if (!strcmp(argv[i], "--index-offset"))
            offset = parse_u64("--index-offset", opt_value(argc, argv, &i), 0, INT_MAX);
        else if (!strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else
            die(EXIT_USAGE, "unknown option %s (try --help)", argv[i]);
    }
    if (!dir)
        die(EXIT_USAGE, "--plan-dir is required (try --help)");
    const char *index = getenv("JOB_COMPLETION_INDEX");
    if (!index || !*index)
        die(EXIT_ENV, "JOB_COMPLETION_INDEX is not set (run as a pod of an Indexed Job)");
    uint64_t n = parse_u64("JOB_COMPLETION_INDEX", index, 0, INT_MAX);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/run-%" PRIu64, dir, offset + n);
    size_t len;
    char *table = read_file(path, &len);
    char *nl = memchr(table, '\n', len);
    if (!nl)
        die(EXIT_ENV, "%s has no identification line", path);
    *nl = '\0';
    char *args[MAX_ARGS + 1];
    int nargs = 0;
    for (char *p = nl + 1; p < table + len; p += strlen(p) + 1) {
        if (nargs == MAX_ARGS)
            die(EXIT_ENV, "%s has more than %d arguments", path, MAX_ARGS);
        args[nargs++] = p;
    }
    if (nargs == 0 || table[len - 1] != '\0')
        die(EXIT_ENV, "%s holds no NUL-ended command", path);
    args[nargs] = NULL;
    printf("CGBENCH-POD %s\n", table);
    print_node();
    /* The launcher writes its report with write(2): ours must be out before the exec. */
    fflush(stdout);
    execv(args[0], args);
    die(127, "cannot execute %s: %s", args[0], strerror(errno));
}
