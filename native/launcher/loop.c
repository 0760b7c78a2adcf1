/* The one wait loop (loop.h). Every event the launcher waits for is a file descriptor, so one poll
 * serves them all: no signal handler does work, nothing jumps out of a sleep, and the after reading
 * follows the workload's exit at once, whatever the interval. */
#include "loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "child.h"

/* Never runs (the signals stay blocked and are read from the signalfd); a handler rather than the
 * default keeps an inherited SIG_IGN for SIGCHLD from reaping the workload behind our back. */
static void unused_handler(int sig)
{
    (void)sig;
}

int loop_prepare(struct loop *l, struct err *e)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return errorf(e, "cannot block signals: %s", strerror(errno));
    struct sigaction sa = { .sa_handler = unused_handler, .sa_flags = SA_NOCLDSTOP };
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&set, sig) == 1)
            sigaction(sig, &sa, NULL);
    l->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (l->sig_fd < 0)
        return errorf(e, "cannot open a signalfd: %s", strerror(errno));
    return 0;
}

/* Reads the sync records at hand; returns 1 at EOF (exec'd, or the child is gone). */
static int read_sync(int fd, struct outcome *o)
{
    struct sync_msg m;
    for (;;) {
        ssize_t n = read(fd, &m, sizeof m);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        /* Records are written atomically, so a read returns a whole record, EOF or an error. */
        if (n != (ssize_t)sizeof m)
            return 1;
        if (m.t0)
            o->t0 = m.t0;
        else
            snprintf(o->error, sizeof o->error, "%.116s: %s", m.what, strerror(m.err));
    }
}

/* Handles the pending signals; returns 1 once the workload is reaped. */
static int read_signals(int fd, pid_t pid, struct outcome *o)
{
    struct signalfd_siginfo si;
    int reaped = 0;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo != SIGCHLD) {
            /* A pid-1 in a new pid namespace ignores signals it has no handler for when they come from
             * the parent namespace, so only SIGKILL reliably stops it (and with it the whole namespace). */
            o->forwarded = (int)si.ssi_signo;
            kill(pid, SIGKILL);
        }
    }
    /* SIGCHLDs coalesce: ask the kernel rather than count them. */
    pid_t r;
    while ((r = wait4(pid, &o->wst, WNOHANG, &o->ru)) < 0 && errno == EINTR) {
    }
    if (r == pid) {
        o->t1 = now_ns();
        reaped = 1;
    }
    return reaped;
}

/* EOF on stdin (the harness is gone): returns 1. */
static int stdin_closed(void)
{
    char sink[256];
    ssize_t n = read(STDIN_FILENO, sink, sizeof sink);
    return n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
}

/* The sampler's timer: absolute deadlines every interval from start_ns; missed deadlines are skipped,
 * not caught up, so a late tick is never followed by a burst. */
static int arm_timer(const struct sampler *s, uint64_t start_ns, struct err *e)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (fd < 0)
        return errorf(e, "cannot create a timerfd: %s", strerror(errno));
    struct itimerspec it = { .it_interval = ns_to_ts(s->interval_ns), .it_value = ns_to_ts(start_ns + s->interval_ns) };
    if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL) != 0) {
        close(fd);
        return errorf(e, "cannot arm the timerfd: %s", strerror(errno));
    }
    return fd;
}

int loop_run(struct loop *l, pid_t pid, struct sampler *s, uint64_t start_ns, struct outcome *o, struct err *e)
{
    int timer_fd = -1, sync_fd = l->sync_fd, rc = 0;
    uint64_t cpu0 = 0;
    fcntl(sync_fd, F_SETFL, fcntl(sync_fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct pollfd p[4] = {
            { .fd = l->sig_fd, .events = POLLIN },
            { .fd = sync_fd, .events = POLLIN },
            { .fd = timer_fd, .events = POLLIN },
            { .fd = l->watch_stdin && !o->stdin_eof ? STDIN_FILENO : -1, .events = POLLIN },
        };
        if (poll(p, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = errorf(e, "cannot poll: %s", strerror(errno));
            break;
        }
        /* The exit first: no tick after it, and the after reading follows it at once. */
        if (p[0].revents && read_signals(l->sig_fd, pid, o))
            break;
        if (p[1].revents && read_sync(sync_fd, o)) {
            close(sync_fd);
            sync_fd = -1;
            /* Sampling begins once the workload runs: a launch that failed has nothing to sample. */
            if (s && s->interval_ns && o->t0 && !o->error[0]) {
                if ((timer_fd = arm_timer(s, start_ns, e)) < 0) {
                    rc = -1;
                    break;
                }
                cpu0 = self_cpu_us();
            }
        }
        if (p[2].revents) {
            uint64_t expirations;
            if (read(timer_fd, &expirations, sizeof expirations) == (ssize_t)sizeof expirations && sampler_tick(s) != 0) {
                rc = errorf(e, "out of memory");
                break;
            }
        }
        if (p[3].revents && stdin_closed()) {
            o->stdin_eof = 1;
            kill(pid, SIGKILL);
        }
    }
    if (timer_fd >= 0) {
        s->loop_cpu_us = self_cpu_us() - cpu0;
        close(timer_fd);
    }
    /* The child is gone, so whatever it wrote is in the pipe: a record may have come with the exit. */
    if (sync_fd >= 0) {
        read_sync(sync_fd, o);
        close(sync_fd);
    }
    return rc;
}
