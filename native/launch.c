/* cgbench-launch: the native runtime's container entry (and PID 1 of Docker runs). Joins the run's
 * cgroups before anything else, enters fresh namespaces, execs the workload, records its exit and rusage. */
#define _GNU_SOURCE /* unshare, CLONE_*, pipe2 */
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common.h"

/* 125/126/127 follow docker run and the shell: the launcher failed / program not executable /
 * program not found, so they never look like an ordinary workload exit code. */
#define EXIT_LAUNCH 125

#define NS_PID 1
#define NS_MNT 2
#define NS_UTS 4
#define NS_IPC 8
#define NS_NET 16
#define NS_ALL 31

/* One fixed-size record per message, smaller than PIPE_BUF so each write is atomic.
 * t0 != 0: the child is about to exec; t0 == 0: the child failed, err/what say why. */
struct msg {
    uint64_t t0;
    int32_t err;
    char what[116];
};

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t forwarded;
static int msg_fd = -1;
/* --hold-stdin: SIGCHLD writes a byte here so one poll() can wait for the child and for stdin. */
static int chld_pipe[2] = { -1, -1 };

__attribute__((format(printf, 3, 4), noreturn))
static void child_fail(int code, int err, const char *fmt, ...)
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
    if (write(chld_pipe[1], "c", 1) < 0) {
        /* The pipe is full: a wake-up is already pending, which is all we need. */
    }
    errno = saved;
}

static void usage(void)
{
    printf("usage: cgbench-launch [--join FILE]... [--ns LIST] [--hostname NAME] [--status FILE]\n"
           "                      [--chdir DIR] [--hold-stdin] [--status-stdout] -- PROGRAM ARGS...\n"
           "  --join FILE      write our pid to this cgroup.procs file first (repeatable)\n"
           "  --ns LIST        comma list of pid,mnt,uts,ipc,net, or all (default) or none\n"
           "  --hostname NAME  hostname in the uts namespace (default cgbench)\n"
           "  --status FILE    write one JSON line: exit_code, signal, wall_ns, utime_us, stime_us,\n"
           "                   maxrss_kib, majflt, minflt, nvcsw, nivcsw, forwarded_signal, error\n"
           "                   (and stdin_eof with --hold-stdin)\n"
           "  --chdir DIR      working directory of PROGRAM\n"
           "  --hold-stdin     handshake with a harness over stdin/stderr (the Docker runtime): print\n"
           "                   'CGBENCH-READY <monotonic ns>' on stderr, start PROGRAM only after a line\n"
           "                   'go' on stdin, print 'CGBENCH-START <monotonic ns>' at its exec, and after\n"
           "                   it exits wait for EOF on stdin before exiting. EOF on stdin while PROGRAM\n"
           "                   runs kills it (the harness is gone). PROGRAM's stdin is /dev/null.\n"
           "  --status-stdout  also print the status JSON on stdout as one line 'CGBENCH-STATUS {...}'\n"
           "                   after PROGRAM's own output (same stream, so it is ordered after it)\n"
           "  Exits with PROGRAM's exit code, 128+signal if it was killed, 125 if the launcher\n"
           "  failed, 126/127 if PROGRAM could not be executed / was not found.\n");
    exit(0);
}

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
            die(EXIT_LAUNCH, "--ns: unknown namespace '%s' (pid,mnt,uts,ipc,net, all or none)", tok);
    }
    if (!ns)
        die(EXIT_LAUNCH, "--ns: empty list (use none)");
    return ns;
}

static void join_cgroup(const char *file)
{
    char line[32];
    int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        die(EXIT_LAUNCH, "cannot join cgroup %s: %s", file, strerror(errno));
    /* cgroupfs reports a refused move (e.g. a v2 group with children) as a write error. */
    ssize_t n = write(fd, line, (size_t)len);
    if (n != len)
        die(EXIT_LAUNCH, "cannot join cgroup %s: %s", file, n < 0 ? strerror(errno) : "short write");
    if (close(fd) != 0)
        die(EXIT_LAUNCH, "cannot join cgroup %s: %s", file, strerror(errno));
}

/* One whole line per write(), so a harness parsing stderr never sees a marker split by other output. */
static void marker(const char *name, uint64_t ns)
{
    char line[64];
    int len = snprintf(line, sizeof line, "%s %" PRIu64 "\n", name, ns);
    if (write(STDERR_FILENO, line, (size_t)len) < 0) {
        /* The harness reads these; if it cannot, it times out and says so. */
    }
}

/* True once the harness sent the line "go"; false on EOF, an error or anything else. */
static int read_go(void)
{
    char line[16];
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1)
            return 0;
        if (c == '\n')
            break;
        if (len + 1 >= sizeof line)
            return 0;
        line[len++] = c;
    }
    line[len] = '\0';
    return !strcmp(line, "go");
}

/* Waits for the workload while watching stdin: EOF there means the harness is gone, so the
 * workload is killed rather than left running unobserved. Returns 1 if stdin reached EOF. */
static int wait_watching_stdin(pid_t pid, int *wst, struct rusage *ru)
{
    int eof = 0;
    for (;;) {
        pid_t r = wait4(pid, wst, WNOHANG, ru);
        if (r == pid)
            return eof;
        if (r < 0 && errno != EINTR)
            die(EXIT_LAUNCH, "cannot wait for the workload: %s", strerror(errno));
        struct pollfd fds[2] = {
            { .fd = eof ? -1 : STDIN_FILENO, .events = POLLIN },
            { .fd = chld_pipe[0], .events = POLLIN },
        };
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die(EXIT_LAUNCH, "cannot poll: %s", strerror(errno));
        }
        if (fds[1].revents) {
            char drain[64];
            while (read(chld_pipe[0], drain, sizeof drain) > 0) {
            }
        }
        if (!eof && fds[0].revents) {
            char sink[256];
            ssize_t n = read(STDIN_FILENO, sink, sizeof sink);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                eof = 1;
                kill(pid, SIGKILL);
            }
        }
    }
}

static void child(int ns, const char *hostname, const char *chdir_to, int hold_stdin, pid_t parent, char **cmd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        child_fail(EXIT_LAUNCH, errno, "cannot set parent-death signal");
    /* The launcher may have died before prctl; in a new pid namespace getppid() is always 0. */
    if (!(ns & NS_PID) && getppid() != parent)
        _exit(EXIT_LAUNCH);

    if (ns & NS_MNT) {
        /* Private first, or the new /proc would propagate back into the host's mount table. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            child_fail(EXIT_LAUNCH, errno, "cannot make mounts private");
        if ((ns & NS_PID) && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            child_fail(EXIT_LAUNCH, errno, "cannot mount /proc");
    }
    if ((ns & NS_UTS) && sethostname(hostname, strlen(hostname)) != 0)
        child_fail(EXIT_LAUNCH, errno, "cannot set hostname");
    if (chdir_to && chdir(chdir_to) != 0)
        child_fail(EXIT_LAUNCH, errno, "cannot chdir to %s", chdir_to);
    if (hold_stdin) {
        /* stdin is the launcher's channel to the harness: the workload must not consume it. */
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
            child_fail(EXIT_LAUNCH, errno, "cannot redirect stdin to /dev/null");
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
        child_fail(EXIT_LAUNCH, errno, "cannot report start time");
    execvp(cmd[0], cmd);
    child_fail(errno == ENOENT || errno == ENOTDIR ? 127 : 126, errno, "cannot exec %s", cmd[0]);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-launch";
    const char *joins[64];
    int njoin = 0, ns = NS_ALL;
    const char *hostname = NULL, *status = NULL, *chdir_to = NULL;
    int hold_stdin = 0, status_stdout = 0;
    char **cmd = NULL;

    /* Parsing has no side effects, so joining still comes before anything that acts. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            cmd = argv + i + 1;
            break;
        }
        if (!strcmp(a, "--help"))
            usage();
        if (!strcmp(a, "--hold-stdin")) {
            hold_stdin = 1;
            continue;
        }
        if (!strcmp(a, "--status-stdout")) {
            status_stdout = 1;
            continue;
        }
        if (!strcmp(a, "--join") || !strcmp(a, "--ns") || !strcmp(a, "--hostname") ||
            !strcmp(a, "--status") || !strcmp(a, "--chdir")) {
            if (i + 1 >= argc)
                die(EXIT_LAUNCH, "option %s needs a value (try --help)", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--join")) {
                if (njoin == 64)
                    die(EXIT_LAUNCH, "too many --join options");
                joins[njoin++] = v;
            } else if (!strcmp(a, "--ns")) {
                ns = parse_ns(v);
            } else if (!strcmp(a, "--hostname")) {
                hostname = v;
            } else if (!strcmp(a, "--status")) {
                status = v;
            } else {
                chdir_to = v;
            }
        } else {
            die(EXIT_LAUNCH, "unknown option '%s' (try --help; PROGRAM goes after --)", a);
        }
    }
    if (!cmd || !cmd[0])
        die(EXIT_LAUNCH, "no PROGRAM given after -- (try --help)");
    if (hostname && !(ns & NS_UTS))
        die(EXIT_LAUNCH, "--hostname needs the uts namespace (--ns ...,uts)");
    if (!hostname)
        hostname = "cgbench";

    for (int k = 0; k < njoin; k++)
        join_cgroup(joins[k]);

    /* If cgbench itself is killed (SIGKILL, OOM), take the workload down too rather than leave it
     * running unattended in its group; the workload gets the same from us below. */
    if (!hold_stdin) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            die(EXIT_LAUNCH, "the harness exited before the workload started");
    }

    /* Opened before the workload runs so a bad path fails the launch, not the result. */
    int status_fd = -1;
    if (status) {
        status_fd = open(status, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (status_fd < 0)
            die(EXIT_LAUNCH, "cannot open status file %s: %s", status, strerror(errno));
    }

    int flags = (ns & NS_PID ? CLONE_NEWPID : 0) | (ns & NS_MNT ? CLONE_NEWNS : 0) |
                (ns & NS_UTS ? CLONE_NEWUTS : 0) | (ns & NS_IPC ? CLONE_NEWIPC : 0) |
                (ns & NS_NET ? CLONE_NEWNET : 0);
    if (flags && unshare(flags) != 0)
        die(EXIT_LAUNCH, "cannot create namespaces (--ns): %s", strerror(errno));

    if (hold_stdin) {
        /* The harness finds our cgroups and takes its "before" reading between READY and go, so
         * the reading precedes the workload exactly as in the native runtime. */
        marker("CGBENCH-READY", now_ns());
        if (!read_go())
            die(EXIT_LAUNCH, "the harness closed stdin before starting the workload");
        if (pipe2(chld_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
            die(EXIT_LAUNCH, "cannot create pipe: %s", strerror(errno));
    }

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        die(EXIT_LAUNCH, "cannot create pipe: %s", strerror(errno));

    /* Handlers are installed with the signals blocked, so a signal that arrives before fork is
     * delivered only once child_pid is known and reaches the child. */
    sigset_t fwd, old;
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGINT);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigprocmask(SIG_BLOCK, &fwd, &old);
    struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (hold_stdin) {
        sigaddset(&fwd, SIGCHLD);
        sigprocmask(SIG_BLOCK, &fwd, NULL);
        struct sigaction sc = { .sa_handler = on_chld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
        sigemptyset(&sc.sa_mask);
        sigaction(SIGCHLD, &sc, NULL);
    }

    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        die(EXIT_LAUNCH, "cannot fork: %s", strerror(errno));
    if (pid == 0) {
        close(pfd[0]);
        msg_fd = pfd[1];
        child(ns, hostname, chdir_to, hold_stdin, parent, cmd);
    }
    child_pid = pid;
    close(pfd[1]);
    sigprocmask(SIG_SETMASK, &old, NULL);

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
    if (hold_stdin && t0 && !error[0])
        marker("CGBENCH-START", t0);

    int wst;
    struct rusage ru;
    int stdin_eof = 0;
    if (hold_stdin)
        stdin_eof = wait_watching_stdin(pid, &wst, &ru);
    else {
        while (wait4(pid, &wst, 0, &ru) < 0) {
            if (errno != EINTR)
                die(EXIT_LAUNCH, "cannot wait for the workload: %s", strerror(errno));
        }
    }
    uint64_t t1 = now_ns();

    int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst);
    if (status_fd >= 0 || status_stdout) {
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
        json_u64(&j, "utime_us", (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec);
        json_u64(&j, "stime_us", (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec);
        json_u64(&j, "maxrss_kib", (uint64_t)ru.ru_maxrss);
        json_u64(&j, "majflt", (uint64_t)ru.ru_majflt);
        json_u64(&j, "minflt", (uint64_t)ru.ru_minflt);
        json_u64(&j, "nvcsw", (uint64_t)ru.ru_nvcsw);
        json_u64(&j, "nivcsw", (uint64_t)ru.ru_nivcsw);
        /* Tells a SIGKILL we forwarded apart from one the OOM killer sent. */
        if (forwarded)
            json_i64(&j, "forwarded_signal", forwarded);
        else
            json_null(&j, "forwarded_signal");
        if (error[0])
            json_str(&j, "error", error);
        else
            json_null(&j, "error");
        if (hold_stdin)
            json_i64(&j, "stdin_eof", stdin_eof);
        json_end(&j);
        if (status_fd >= 0 && (json_write_fd(&j, status_fd) != 0 || close(status_fd) != 0))
            die(EXIT_LAUNCH, "cannot write status file %s: %s", status, strerror(errno));
        if (status_stdout) {
            /* The leading newline ends a last line the workload left unterminated. */
            struct json line = { .len = 0, .first = 1 };
            json_raw(&line, "\nCGBENCH-STATUS %.*s", (int)j.len, j.buf);
            if (json_write_fd(&line, STDOUT_FILENO) != 0)
                die(EXIT_LAUNCH, "cannot write the status to stdout: %s", strerror(errno));
        }
    }
    if (hold_stdin && !stdin_eof) {
        /* Stay alive (and keep the container's cgroups) until the harness has read them. */
        char sink[256];
        for (;;) {
            ssize_t n = read(STDIN_FILENO, sink, sizeof sink);
            if (n == 0 || (n < 0 && errno != EINTR))
                break;
        }
    }
    return code;
}
