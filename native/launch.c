/* cgbench-launch: the entry of every run (natively, and PID 1 of a container). It puts the workload in
 * its groups before it execs, samples the groups' stat files while it runs, and reports exit, rusage
 * and readings in one report (see protocol.h). */
#define _GNU_SOURCE /* unshare, CLONE_*, pipe2 */
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common.h"
#include "host.h"
#include "protocol.h"

#define NS_PID 1
#define NS_MNT 2
#define NS_UTS 4
#define NS_IPC 8
#define NS_NET 16
#define NS_ALL 31

#define MAX_DIRS 16
#define MAX_FILES 16
/* Stat files are small (memory.stat, the largest, is a few KiB); a longer text is cut here. */
#define FILE_MAX 65536

/* One fixed-size record per message, smaller than PIPE_BUF so each write is atomic.
 * t0 != 0: the child is about to exec; t0 == 0: the child failed, err/what say why. */
struct msg {
    uint64_t t0;
    int32_t err;
    char what[116];
};

struct dir {
    char controller[32]; /* "" on v2 */
    char path[PATH_MAX];
};

struct sfile {
    char key[80];
    char path[PATH_MAX + 64];
    int fd;
};

/* One reading: every file's text at time t, concatenated. */
struct snap {
    uint64_t t;
    uint32_t len[MAX_FILES];
    char *data;
};

static struct {
    int ndirs;
    struct dir dirs[MAX_DIRS];
    int self; /* container mode: find our own group */
    int v2;
    int nfiles;
    struct sfile files[MAX_FILES];
    int nmissing;
    char missing[MAX_FILES][80];
    /* The current reading, one FILE_MAX slot per file. */
    char *scratch;
    uint32_t scratch_len[MAX_FILES];
    uint64_t interval_ns;
    /* Kept ticks (halved when full) and the tick statistics over all ticks. */
    struct snap *kept[CGB_MAX_KEPT];
    int nkept, max_kept;
    uint64_t stride, ticks, intervals, off, sum_ns, max_ns, last_ns;
    char error[256]; /* the files vanished mid-run */
} S = { .nfiles = 0 };

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t forwarded;
static volatile sig_atomic_t child_done;
static volatile sig_atomic_t sleep_armed;
static sigjmp_buf sleep_jump;
static int msg_fd = -1;
static FILE *report;
static char report_path[PATH_MAX];
/* Without sampling, SIGCHLD writes a byte here so one poll() can wait for the child and for stdin. */
static int chld_pipe[2] = { -1, -1 };

__attribute__((format(printf, 3, 4), noreturn)) static void child_fail(int code, int err, const char *fmt, ...)
{
    struct msg m = { .t0 = 0, .err = err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.what, sizeof m.what, fmt, ap);
    va_end(ap);
    fprintf(stderr, "cgbench-launch: %s: %s\n", m.what, strerror(err));
    if (write(msg_fd, &m, sizeof m) < 0) {
        /* Nothing better to do: the parent still sees our exit code. */
    }
    _exit(code);
}

/* --- the report ---------------------------------------------------------------------------- */

static void put_json_string(const char *s, size_t len)
{
    fputc('"', report);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(report, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", report);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(report, "\\u%04x", c);
        else
            fputc(c, report);
    }
    fputc('"', report);
}

static const char *snap_text(const struct snap *s, int f, uint32_t *len)
{
    size_t off = 0;
    for (int k = 0; k < f; k++)
        off += s->len[k];
    *len = s->len[f];
    return s->data + off;
}

/* One reading as a report line; with `prev`, only the files whose text changed since it. */
static void put_snap(const char *mark, const struct snap *s, const struct snap *prev)
{
    fprintf(report, "%s {\"t\":%" PRIu64 ",\"f\":{", mark, s->t);
    int first = 1;
    for (int f = 0; f < S.nfiles; f++) {
        uint32_t len, plen;
        const char *text = snap_text(s, f, &len);
        if (prev) {
            const char *ptext = snap_text(prev, f, &plen);
            if (plen == len && !memcmp(ptext, text, len))
                continue;
        }
        fprintf(report, "%s\"%s\":", first ? "" : ",", S.files[f].key);
        put_json_string(text, len);
        first = 0;
    }
    fputs("}}\n", report);
}

static void put_group(void)
{
    fprintf(report, "CGBENCH-GROUP {\"mode\":\"%s\",\"driver\":\"%s\",\"files\":{", S.self ? "container" : "host", S.v2 ? "v2" : "v1");
    for (int f = 0; f < S.nfiles; f++) {
        fprintf(report, "%s\"%s\":", f ? "," : "", S.files[f].key);
        put_json_string(S.files[f].path, strlen(S.files[f].path));
    }
    fputs("},\"missing\":[", report);
    for (int k = 0; k < S.nmissing; k++)
        fprintf(report, "%s\"%s\"", k ? "," : "", S.missing[k]);
    fputs("]}\n", report);
}

/* Where the workload ran, for a harness that cannot ask the machine itself (a Swarm node, a pod). */
static void put_host(void)
{
    struct json j;
    json_begin(&j);
    host_json(&j);
    json_end(&j);
    fprintf(report, "CGBENCH-HOST %.*s", (int)j.len, j.buf);
}

static void report_close(void)
{
    if (fflush(report) != 0 || (report != stdout && fclose(report) != 0)) {
        fprintf(stderr, "cgbench-launch: cannot write the report %s: %s\n", report_path, strerror(errno));
        exit(CGB_EXIT_LAUNCH);
    }
}

/* A launch that fails before the workload runs still leaves a report saying why, so a harness that
 * only reads reports (a container's log) sees the reason. */
__attribute__((format(printf, 1, 2), noreturn)) static void launch_fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "cgbench-launch: %s\n", msg);
    if (report) {
        struct json j;
        json_begin(&j);
        json_null(&j, "exit_code");
        json_null(&j, "signal");
        json_null(&j, "wall_ns");
        json_str(&j, "error", msg);
        json_end(&j);
        fprintf(report, "\nCGBENCH-REPORT %d\nCGBENCH-STATUS %.*sCGBENCH-END\n", CGB_REPORT_VERSION, (int)j.len, j.buf);
        fflush(report);
    }
    if (child_pid > 0)
        kill((pid_t)child_pid, SIGKILL);
    exit(CGB_EXIT_LAUNCH);
}

/* --- finding and reading the stat files ------------------------------------------------------ */

static void add_dir(const char *controller, const char *path)
{
    if (S.ndirs == MAX_DIRS)
        die(CGB_EXIT_LAUNCH, "too many --cgroup-dir options");
    struct dir *d = &S.dirs[S.ndirs++];
    snprintf(d->controller, sizeof d->controller, "%s", controller);
    if (snprintf(d->path, sizeof d->path, "%s", path) >= (int)sizeof d->path)
        die(CGB_EXIT_LAUNCH, "--cgroup-dir: path too long");
}

static const char *dir_of(const char *controller)
{
    for (int k = 0; k < S.ndirs; k++)
        if (!strcmp(S.dirs[k].controller, controller ? controller : ""))
            return S.dirs[k].path;
    return NULL;
}

static void unescape_mount(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* A cgroup mount that serves `controller` (NULL: the unified hierarchy): its root within the
 * hierarchy and its mount point. */
static int find_mount(const char *controller, char *root, size_t rootlen, char *point, size_t pointlen)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        *sep = '\0';
        char fstype[64], src[512], opts[1024] = "";
        if (sscanf(sep + 3, "%63s %511s %1023s", fstype, src, opts) < 2)
            continue;
        char mroot[PATH_MAX], mpoint[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, mpoint) != 2)
            continue;
        if (controller == NULL) {
            if (strcmp(fstype, "cgroup2"))
                continue;
        } else {
            if (strcmp(fstype, "cgroup"))
                continue;
            int has = 0;
            char *save = NULL;
            for (char *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                if (!strcmp(tok, controller))
                    has = 1;
            if (!has)
                continue;
        }
        unescape_mount(mroot);
        unescape_mount(mpoint);
        snprintf(root, rootlen, "%s", mroot);
        snprintf(point, pointlen, "%s", mpoint);
        found = 1;
    }
    fclose(f);
    return found;
}

/* Our own group in `controller`'s hierarchy (NULL: the unified one) from /proc/self/cgroup, as a
 * directory under a mount we can see. */
static int own_dir(const char *controller, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return 0;
    char line[4096], path[PATH_MAX] = "";
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrls = c1 + 1;
        if (controller == NULL) {
            if (strcmp(line, "0") || *ctrls)
                continue;
            found = 1;
        } else {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", ctrls);
            char *save = NULL;
            for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                if (!strcmp(tok, controller))
                    found = 1;
        }
        if (found)
            snprintf(path, sizeof path, "%s", c2 + 1);
    }
    fclose(f);
    if (!found)
        return 0;
    char root[PATH_MAX], point[PATH_MAX];
    if (!find_mount(controller, root, sizeof root, point, sizeof point))
        return 0;
    /* The mount shows the hierarchy from `root` down (a container's own group, with or without a
     * cgroup namespace): our directory is our path below that root. */
    size_t rl = strlen(root);
    const char *rest;
    if (!strcmp(root, "/"))
        rest = path;
    else if (!strncmp(path, root, rl) && (path[rl] == '/' || path[rl] == '\0'))
        rest = path + rl;
    else
        return 0;
    return snprintf(out, outlen, "%s%s", point, !strcmp(rest, "/") ? "" : rest) < (int)outlen;
}

static void find_own_groups(void)
{
    static const char *v1[] = { "cpu", "cpuacct", "memory", "blkio", "pids" };
    char dir[PATH_MAX];
    if (own_dir("cpu", dir, sizeof dir)) {
        for (size_t k = 0; k < sizeof v1 / sizeof v1[0]; k++)
            if (own_dir(v1[k], dir, sizeof dir))
                add_dir(v1[k], dir);
        return;
    }
    if (own_dir(NULL, dir, sizeof dir)) {
        S.v2 = 1;
        add_dir("", dir);
        return;
    }
    launch_fail("cannot find this process's own cgroup: /proc/self/cgroup names no group under a cgroup mount this "
                "process can see (mount the container's cgroups, e.g. docker run without --cgroupns=host on v2)");
}

static void open_files(void)
{
    const struct cgb_stat_file *list = S.v2 ? CGB_V2_FILES : CGB_V1_FILES;
    size_t n = S.v2 ? sizeof CGB_V2_FILES / sizeof CGB_V2_FILES[0] : sizeof CGB_V1_FILES / sizeof CGB_V1_FILES[0];
    for (size_t k = 0; k < n && S.nfiles < MAX_FILES; k++) {
        const char *dir = dir_of(list[k].controller);
        struct sfile *sf = &S.files[S.nfiles];
        if (S.v2)
            snprintf(sf->key, sizeof sf->key, "%s", list[k].file);
        else
            snprintf(sf->key, sizeof sf->key, "%s/%s", list[k].controller, list[k].file);
        if (!dir) {
            if (list[k].optional) {
                memcpy(S.missing[S.nmissing++], sf->key, sizeof sf->key);
                continue;
            }
            launch_fail("no group directory for the %s controller (pass --cgroup-dir %s=DIR)", list[k].controller, list[k].controller);
        }
        snprintf(sf->path, sizeof sf->path, "%s/%s", dir, list[k].file);
        sf->fd = open(sf->path, O_RDONLY | O_CLOEXEC);
        if (sf->fd < 0) {
            if (list[k].optional && errno == ENOENT) {
                memcpy(S.missing[S.nmissing++], sf->key, sizeof sf->key);
                continue;
            }
            launch_fail("cannot open stat file %s: %s%s", sf->path, strerror(errno),
                        errno == ENOENT ? " (is the controller enabled for this group?)" : "");
        }
        S.nfiles++;
    }
    S.scratch = malloc((size_t)S.nfiles * FILE_MAX);
    if (!S.scratch)
        launch_fail("out of memory");
}

/* Reads every file into the scratch slots; on failure (the group was removed) says why and returns 0. */
static int read_files(uint64_t *t)
{
    *t = now_ns();
    for (int f = 0; f < S.nfiles; f++) {
        ssize_t n = pread(S.files[f].fd, S.scratch + (size_t)f * FILE_MAX, FILE_MAX, 0);
        if (n < 0) {
            snprintf(S.error, sizeof S.error, "reading %s failed (%s): the group was removed while the workload ran", S.files[f].path,
                     strerror(errno));
            return 0;
        }
        S.scratch_len[f] = (uint32_t)n;
    }
    return 1;
}

static struct snap *snapshot(uint64_t t)
{
    size_t total = 0;
    for (int f = 0; f < S.nfiles; f++)
        total += S.scratch_len[f];
    struct snap *s = malloc(sizeof *s);
    char *data = malloc(total ? total : 1);
    if (!s || !data)
        launch_fail("out of memory");
    s->t = t;
    s->data = data;
    for (int f = 0; f < S.nfiles; f++) {
        s->len[f] = S.scratch_len[f];
        memcpy(data, S.scratch + (size_t)f * FILE_MAX, S.scratch_len[f]);
        data += S.scratch_len[f];
    }
    return s;
}

static void free_snap(struct snap *s)
{
    if (s) {
        free(s->data);
        free(s);
    }
}

/* One tick: read, count the interval, keep every stride-th reading, halve when full. */
static void tick(void)
{
    uint64_t t;
    if (!read_files(&t))
        return;
    if (S.last_ns) {
        uint64_t d = t - S.last_ns;
        S.intervals++;
        S.sum_ns += d;
        if (d > S.max_ns)
            S.max_ns = d;
        uint64_t dev = d > S.interval_ns ? d - S.interval_ns : S.interval_ns - d;
        if (dev * 10 > S.interval_ns)
            S.off++;
    }
    S.last_ns = t;
    if (S.ticks++ % S.stride == 0) {
        S.kept[S.nkept++] = snapshot(t);
        if (S.nkept == S.max_kept) {
            /* Cumulative counters stay exact at the coarser step; only the time resolution halves. */
            int w = 0;
            for (int k = 0; k < S.nkept; k++) {
                if (k % 2 == 0)
                    S.kept[w++] = S.kept[k];
                else
                    free_snap(S.kept[k]);
            }
            S.nkept = w;
            S.stride *= 2;
        }
    }
}

/* --- signals and waiting -------------------------------------------------------------------- */

/* A pid-1 in a new pid namespace ignores signals it has no handler for when they come from the
 * parent namespace, so only SIGKILL reliably stops it (and with it the whole namespace). */
static void forward(int sig)
{
    forwarded = sig;
    if (child_pid > 0)
        kill((pid_t)child_pid, SIGKILL);
}

static void on_chld(int sig)
{
    (void)sig;
    int saved = errno;
    child_done = 1;
    if (chld_pipe[1] >= 0 && write(chld_pipe[1], "c", 1) < 0) {
        /* The pipe is full: a wake-up is already pending, which is all we need. */
    }
    errno = saved;
    /* Only while the sampler sleeps: leave the sleep at once instead of finishing the interval. */
    if (sleep_armed)
        siglongjmp(sleep_jump, 1);
}

/* EOF on stdin (the harness is gone) kills the workload; returns 1 once it did. */
static int stdin_closed(int timeout_ms)
{
    struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
    if (poll(&p, 1, timeout_ms) <= 0 || !p.revents)
        return 0;
    char sink[256];
    ssize_t n = read(STDIN_FILENO, sink, sizeof sink);
    return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

/* Samples at absolute deadlines until the workload exits. SIGCHLD ends a sleep early (the handler
 * jumps out of it), so the after reading follows the exit at once, whatever the interval. */
static uint64_t next_ns; /* static: it must survive the longjmp out of the sleep */
static uint64_t loop_cpu_us; /* CPU the sampling loop used, for the bench against the floor */

static uint64_t self_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void sample_until_exit(uint64_t start_ns, int watch_stdin, int *stdin_eof)
{
    next_ns = start_ns;
    loop_cpu_us = self_cpu_us();
    for (;;) {
        next_ns += S.interval_ns;
        if (sigsetjmp(sleep_jump, 1) == 0) {
            sleep_armed = 1;
            if (!child_done) {
                struct timespec ts = ns_to_ts(next_ns);
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !child_done) {
                }
            }
        }
        sleep_armed = 0;
        if (child_done) {
            loop_cpu_us = self_cpu_us() - loop_cpu_us;
            return;
        }
        if (!S.error[0])
            tick();
        uint64_t now = now_ns();
        /* Missed whole intervals are skipped, not caught up: a late tick must not be followed by a burst. */
        if (now > next_ns + S.interval_ns)
            next_ns += (now - next_ns) / S.interval_ns * S.interval_ns;
        if (watch_stdin && !*stdin_eof && stdin_closed(0)) {
            *stdin_eof = 1;
            kill((pid_t)child_pid, SIGKILL);
        }
    }
}

/* Waits for the workload without sampling, while watching stdin when asked. */
static void wait_plain(int watch_stdin, int *stdin_eof)
{
    while (!child_done) {
        struct pollfd fds[2] = {
            { .fd = watch_stdin && !*stdin_eof ? STDIN_FILENO : -1, .events = POLLIN },
            { .fd = chld_pipe[0], .events = POLLIN },
        };
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            launch_fail("cannot poll: %s", strerror(errno));
        if (fds[0].revents && stdin_closed(0)) {
            *stdin_eof = 1;
            kill((pid_t)child_pid, SIGKILL);
        }
    }
}

/* --- the workload's side ---------------------------------------------------------------------- */

static int parse_ns(const char *list)
{
    if (!strcmp(list, "none"))
        return 0;
    if (!strcmp(list, "all"))
        return NS_ALL;
    int ns = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "pid"))
            ns |= NS_PID;
        else if (!strcmp(tok, "mnt"))
            ns |= NS_MNT;
        else if (!strcmp(tok, "uts"))
            ns |= NS_UTS;
        else if (!strcmp(tok, "ipc"))
            ns |= NS_IPC;
        else if (!strcmp(tok, "net"))
            ns |= NS_NET;
        else
            die(CGB_EXIT_LAUNCH, "--ns: unknown namespace '%s' (pid,mnt,uts,ipc,net, all or none)", tok);
    }
    if (!ns)
        die(CGB_EXIT_LAUNCH, "--ns: empty list (use none)");
    return ns;
}

static void join_group(const char *dir, pid_t pid)
{
    char file[PATH_MAX + 16], line[32];
    snprintf(file, sizeof file, "%s/cgroup.procs", dir);
    int len = snprintf(line, sizeof line, "%ld\n", (long)pid);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        launch_fail("cannot join cgroup %s: %s", file, strerror(errno));
    /* cgroupfs reports a refused move (e.g. a v2 group with children) as a write error. */
    ssize_t n = write(fd, line, (size_t)len);
    if (n != len || close(fd) != 0)
        launch_fail("cannot join cgroup %s: %s", file, n < 0 ? strerror(errno) : "short write");
}

/* Waits for the parent's go (after it put us in the groups and took the before reading), then execs. */
static void child(int ns, const char *hostname, const char *chdir_to, int watch_stdin, pid_t parent, int go_fd, char **cmd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        child_fail(CGB_EXIT_LAUNCH, errno, "cannot set parent-death signal");
    /* The launcher may have died before prctl; in a new pid namespace getppid() is always 0. */
    if (!(ns & NS_PID) && getppid() != parent)
        _exit(CGB_EXIT_LAUNCH);
    char go;
    ssize_t n;
    while ((n = read(go_fd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1)
        _exit(CGB_EXIT_LAUNCH); /* the launcher gave up (it reports why) */
    close(go_fd);

    if (ns & NS_MNT) {
        /* Private first, or the new /proc would propagate back into the host's mount table. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            child_fail(CGB_EXIT_LAUNCH, errno, "cannot make mounts private");
        if ((ns & NS_PID) && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            child_fail(CGB_EXIT_LAUNCH, errno, "cannot mount /proc");
    }
    if ((ns & NS_UTS) && sethostname(hostname, strlen(hostname)) != 0)
        child_fail(CGB_EXIT_LAUNCH, errno, "cannot set hostname");
    if (chdir_to && chdir(chdir_to) != 0)
        child_fail(CGB_EXIT_LAUNCH, errno, "cannot chdir to %s", chdir_to);
    if (watch_stdin) {
        /* stdin is the launcher's channel to the harness: the workload must not consume it. */
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
            child_fail(CGB_EXIT_LAUNCH, errno, "cannot redirect stdin to /dev/null");
        if (null_fd != STDIN_FILENO)
            close(null_fd);
    }

    /* Ignored dispositions survive exec; the workload must start with a clean slate. */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    struct msg m = { .t0 = now_ns() };
    if (write(msg_fd, &m, sizeof m) != sizeof m)
        child_fail(CGB_EXIT_LAUNCH, errno, "cannot report start time");
    execvp(cmd[0], cmd);
    child_fail(errno == ENOENT || errno == ENOTDIR ? CGB_EXIT_NOTFOUND : CGB_EXIT_NOEXEC, errno, "cannot exec %s", cmd[0]);
}

static void usage(void)
{
    printf("usage: cgbench-launch [--cgroup-dir [CONTROLLER=]DIR]... | [--cgroup self]\n"
           "                      [--sample-interval-us N] [--report FILE|-] [--ns LIST] [--hostname NAME]\n"
           "                      [--chdir DIR] [--watch-stdin] -- PROGRAM ARGS...\n"
           "  --cgroup-dir DIR     put PROGRAM in this group before it execs, and sample it: CONTROLLER=DIR\n"
           "                       once per v1 hierarchy (cpu, cpuacct, memory, blkio, pids, cpuset), or one\n"
           "                       DIR on cgroup v2 (host mode)\n"
           "  --cgroup self        sample the group this process is in, found from /proc/self/cgroup and the\n"
           "                       cgroup mounts it sees (container mode)\n"
           "  --sample-interval-us N  read the stat files every N us (1000..10000000) while PROGRAM runs;\n"
           "                       without it, only before PROGRAM starts and after it exits\n"
           "  --report FILE|-      write the report (readings, tick statistics, exit and rusage; see\n"
           "                       protocol.h) to FILE, or to stdout after PROGRAM's own output\n"
           "  --ns LIST            comma list of pid,mnt,uts,ipc,net, or all (default) or none\n"
           "  --hostname NAME      hostname in the uts namespace (default cgbench)\n"
           "  --chdir DIR          working directory of PROGRAM\n"
           "  --watch-stdin        EOF on stdin (the harness is gone) kills PROGRAM; PROGRAM's stdin is\n"
           "                       /dev/null; prints 'CGBENCH-READY <monotonic ns>' on stderr at start\n"
           "  Exits with PROGRAM's exit code, 128+signal if it was killed, 125 if the launcher failed,\n"
           "  126/127 if PROGRAM could not be executed / was not found. SIGINT, SIGTERM and SIGHUP kill\n"
           "  PROGRAM; the report is written all the same.\n");
    exit(0);
}

static void put_status(int wst, const struct rusage *ru, uint64_t t0, uint64_t t1, const char *error, int watch_stdin, int stdin_eof)
{
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    struct json j;
    json_begin(&j);
    if (WIFEXITED(wst))
        json_i64(&j, "exit_code", WEXITSTATUS(wst));
    else
        json_null(&j, "exit_code");
    if (WIFSIGNALED(wst))
        json_i64(&j, "signal", WTERMSIG(wst));
    else
        json_null(&j, "signal");
    /* No t0 means the child never got as far as exec: there is no workload wall time. */
    if (t0 && !error[0])
        json_u64(&j, "wall_ns", t1 - t0);
    else
        json_null(&j, "wall_ns");
    json_u64(&j, "utime_us", (uint64_t)ru->ru_utime.tv_sec * 1000000 + (uint64_t)ru->ru_utime.tv_usec);
    json_u64(&j, "stime_us", (uint64_t)ru->ru_stime.tv_sec * 1000000 + (uint64_t)ru->ru_stime.tv_usec);
    json_u64(&j, "maxrss_kib", (uint64_t)ru->ru_maxrss);
    json_u64(&j, "majflt", (uint64_t)ru->ru_majflt);
    json_u64(&j, "minflt", (uint64_t)ru->ru_minflt);
    json_u64(&j, "nvcsw", (uint64_t)ru->ru_nvcsw);
    json_u64(&j, "nivcsw", (uint64_t)ru->ru_nivcsw);
    /* The launcher's own CPU (sampling included), which in container mode is charged to the group. */
    json_u64(&j, "launcher_cpu_us", self_cpu_us());
    /* Its peak memory: the kept readings are bounded, however long the run. */
    json_u64(&j, "launcher_maxrss_kib", (uint64_t)self.ru_maxrss);
    /* Tells a SIGKILL we forwarded apart from one the OOM killer sent. */
    if (forwarded)
        json_i64(&j, "forwarded_signal", forwarded);
    else
        json_null(&j, "forwarded_signal");
    if (error[0])
        json_str(&j, "error", error);
    else
        json_null(&j, "error");
    if (S.error[0])
        json_str(&j, "sampling_error", S.error);
    else
        json_null(&j, "sampling_error");
    if (watch_stdin)
        json_i64(&j, "stdin_eof", stdin_eof);
    json_end(&j);
    fprintf(report, "CGBENCH-STATUS %.*s", (int)j.len, j.buf);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-launch";
    int ns = NS_ALL, watch_stdin = 0, sample = 0;
    const char *hostname = NULL, *report_to = NULL, *chdir_to = NULL;
    char **cmd = NULL;
    S.stride = 1;

    /* Parsing has no side effects, so joining still comes before anything that acts. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            cmd = argv + i + 1;
            break;
        }
        if (!strcmp(a, "--help"))
            usage();
        if (!strcmp(a, "--watch-stdin")) {
            watch_stdin = 1;
            continue;
        }
        if (strcmp(a, "--cgroup-dir") && strcmp(a, "--cgroup") && strcmp(a, "--sample-interval-us") && strcmp(a, "--report") &&
            strcmp(a, "--ns") && strcmp(a, "--hostname") && strcmp(a, "--chdir"))
            die(CGB_EXIT_LAUNCH, "unknown option '%s' (try --help; PROGRAM goes after --)", a);
        if (i + 1 >= argc)
            die(CGB_EXIT_LAUNCH, "option %s needs a value (try --help)", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--cgroup-dir")) {
            const char *eq = strchr(v, '=');
            if (eq && eq != v && v[0] != '/') {
                char ctrl[32];
                snprintf(ctrl, sizeof ctrl, "%.*s", (int)(eq - v), v);
                add_dir(ctrl, eq + 1);
            } else {
                add_dir("", v);
            }
        } else if (!strcmp(a, "--cgroup")) {
            if (strcmp(v, "self"))
                die(CGB_EXIT_LAUNCH, "--cgroup: only 'self' is known (or give --cgroup-dir)");
            S.self = 1;
        } else if (!strcmp(a, "--sample-interval-us")) {
            char *end;
            errno = 0;
            unsigned long long us = strtoull(v, &end, 10);
            if (errno || *end || v[0] < '0' || v[0] > '9' || us < CGB_INTERVAL_MIN_US || us > CGB_INTERVAL_MAX_US)
                die(CGB_EXIT_LAUNCH, "--sample-interval-us %s: the interval must be %d..%d us (1 ms to 10 s)", v, CGB_INTERVAL_MIN_US,
                    CGB_INTERVAL_MAX_US);
            S.interval_ns = us * 1000;
            S.max_kept = us < CGB_FINE_BELOW_US ? CGB_MAX_KEPT : CGB_KEPT_COARSE;
        } else if (!strcmp(a, "--report")) {
            report_to = v;
        } else if (!strcmp(a, "--ns")) {
            ns = parse_ns(v);
        } else if (!strcmp(a, "--hostname")) {
            hostname = v;
        } else {
            chdir_to = v;
        }
    }
    if (!cmd || !cmd[0])
        die(CGB_EXIT_LAUNCH, "no PROGRAM given after -- (try --help)");
    if (hostname && !(ns & NS_UTS))
        die(CGB_EXIT_LAUNCH, "--hostname needs the uts namespace (--ns ...,uts)");
    if (!hostname)
        hostname = "cgbench";
    if (S.self && S.ndirs)
        die(CGB_EXIT_LAUNCH, "give either --cgroup self or --cgroup-dir, not both");
    int named = 0, bare = 0;
    for (int k = 0; k < S.ndirs; k++)
        S.dirs[k].controller[0] ? named++ : bare++;
    if (bare > 1 || (bare && named))
        die(CGB_EXIT_LAUNCH, "--cgroup-dir: give one DIR (cgroup v2) or CONTROLLER=DIR per v1 hierarchy, not a mix");
    S.v2 = bare == 1;
    if (S.interval_ns && !S.self && !S.ndirs)
        die(CGB_EXIT_LAUNCH, "--sample-interval-us needs a group to sample (--cgroup-dir or --cgroup self)");

    /* Opened before the workload runs so a bad path fails the launch, not the result. */
    if (report_to) {
        if (!strcmp(report_to, "-")) {
            report = stdout;
            snprintf(report_path, sizeof report_path, "(stdout)");
        } else {
            snprintf(report_path, sizeof report_path, "%s", report_to);
            int fd = open(report_to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || !(report = fdopen(fd, "w")))
                die(CGB_EXIT_LAUNCH, "cannot open report file %s: %s", report_to, strerror(errno));
        }
    }
    if (watch_stdin)
        fprintf(stderr, "CGBENCH-READY %" PRIu64 "\n", now_ns());
    /* If cgbench itself is killed (SIGKILL, OOM), take the workload down too rather than leave it
     * running unattended; with --watch-stdin a closed stdin does the same. */
    if (!watch_stdin) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1 && !S.self)
            die(CGB_EXIT_LAUNCH, "the harness exited before the workload started");
    }
    if (S.self)
        find_own_groups();
    sample = report && (S.self || S.ndirs);
    if (sample)
        open_files();

    int flags = (ns & NS_PID ? CLONE_NEWPID : 0) | (ns & NS_MNT ? CLONE_NEWNS : 0) | (ns & NS_UTS ? CLONE_NEWUTS : 0) |
                (ns & NS_IPC ? CLONE_NEWIPC : 0) | (ns & NS_NET ? CLONE_NEWNET : 0);
    if (flags && unshare(flags) != 0)
        launch_fail("cannot create namespaces (--ns): %s", strerror(errno));

    int pfd[2], gofd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0 || pipe2(gofd, O_CLOEXEC) != 0 || pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        launch_fail("cannot create pipe: %s", strerror(errno));

    /* Handlers are installed with the signals blocked, so a signal that arrives before fork is
     * delivered only once child_pid is known and reaches the child. */
    sigset_t fwd, old;
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGCHLD);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    struct sigaction sc = { .sa_handler = on_chld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
    sigemptyset(&sc.sa_mask);
    sigaction(SIGCHLD, &sc, NULL);

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        launch_fail("cannot fork: %s", strerror(errno));
    if (pid == 0) {
        close(pfd[0]);
        close(gofd[1]);
        msg_fd = pfd[1];
        child(ns, hostname, chdir_to, watch_stdin, parent, gofd[0], cmd);
    }
    child_pid = pid;
    close(pfd[1]);
    close(gofd[0]);
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* The workload is in its groups before it runs anything of its own: no moment runs unlimited.
     * The launcher itself stays outside them, so its sampling costs the measured group nothing. */
    if (!S.self) {
        for (int k = 0; k < S.ndirs; k++) {
            int seen = 0;
            for (int m = 0; m < k; m++)
                seen |= !strcmp(S.dirs[m].path, S.dirs[k].path);
            if (!seen)
                join_group(S.dirs[k].path, pid);
        }
    }
    struct snap *before = NULL;
    if (sample) {
        uint64_t t;
        if (!read_files(&t))
            launch_fail("%s", S.error);
        before = snapshot(t);
    }
    if (write(gofd[1], "g", 1) != 1)
        launch_fail("cannot start the workload: %s", strerror(errno));
    close(gofd[1]);

    uint64_t t0 = 0;
    char error[256] = "";
    struct msg m;
    for (;;) {
        /* Records are written atomically, so a read returns whole records or EOF. */
        ssize_t n = read(pfd[0], &m, sizeof m);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof m)
            break;
        if (m.t0)
            t0 = m.t0;
        else
            snprintf(error, sizeof error, "%.116s: %s", m.what, strerror(m.err));
    }
    close(pfd[0]);

    int stdin_eof = 0;
    if (sample && S.interval_ns && t0 && !error[0])
        sample_until_exit(before->t, watch_stdin, &stdin_eof);
    else
        wait_plain(watch_stdin, &stdin_eof);
    int wst;
    struct rusage ru;
    while (wait4(pid, &wst, 0, &ru) < 0) {
        if (errno != EINTR)
            launch_fail("cannot wait for the workload: %s", strerror(errno));
    }
    uint64_t t1 = now_ns();
    struct snap *after = NULL;
    if (sample && !S.error[0]) {
        uint64_t t;
        if (read_files(&t))
            after = snapshot(t);
    }
    int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);

    if (report) {
        /* The leading newline ends a last line the workload left unterminated (on stdout). */
        fprintf(report, "%sCGBENCH-REPORT %d\n", report == stdout ? "\n" : "", CGB_REPORT_VERSION);
        put_host();
        if (sample) {
            put_group();
            put_snap("CGBENCH-BEFORE", before, NULL);
            const struct snap *prev = before;
            for (int k = 0; k < S.nkept; k++) {
                put_snap("CGBENCH-SAMPLE", S.kept[k], prev);
                prev = S.kept[k];
            }
            if (after)
                put_snap("CGBENCH-AFTER", after, NULL);
            fprintf(report,
                    "CGBENCH-TICKS {\"interval_ns\":%" PRIu64 ",\"ticks\":%" PRIu64 ",\"kept\":%d,\"stride\":%" PRIu64
                    ",\"intervals\":%" PRIu64 ",\"mean_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"off\":%" PRIu64
                    ",\"cpu_us\":%" PRIu64 "}\n",
                    S.interval_ns, S.ticks, S.nkept, S.stride, S.intervals, S.intervals ? S.sum_ns / S.intervals : 0, S.max_ns, S.off,
                    loop_cpu_us);
        }
        put_status(wst, &ru, t0, t1, error, watch_stdin, stdin_eof);
        fputs("CGBENCH-END\n", report);
        report_close();
    }
    return code;
}
