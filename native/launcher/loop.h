/* The one wait loop: from the fork to the workload's exit, one poll over a signalfd (the child's exit
 * and the signals to forward), the sync pipe (exec or why not), a timerfd (the sampler's ticks) and,
 * when asked, stdin (EOF: the harness is gone). */
#ifndef CGBENCH_LAUNCHER_LOOP_H
#define CGBENCH_LAUNCHER_LOOP_H

#include <sys/resource.h>
#include <sys/types.h>

#include "sampler.h"

struct outcome {
    int wst; /* wait status */
    struct rusage ru; /* the workload's, and its waited-for descendants' */
    uint64_t t0; /* just before its exec (0: it never got there) */
    uint64_t t1; /* its exit, as the launcher saw it */
    char error[256]; /* why it never ran */
    int forwarded; /* a signal the launcher received and forwarded as SIGKILL */
    int stdin_eof;
};

struct loop {
    int sig_fd;
    int sync_fd; /* read end of the sync pipe (child.h) */
    int watch_stdin;
};

/* Before the fork: blocks SIGCHLD, SIGINT, SIGTERM and SIGHUP and opens the signalfd that receives
 * them, so a signal that arrives before the workload exists is handled once it does. */
int loop_prepare(struct loop *l, struct err *e);
/* Waits until the workload `pid` has exited and is reaped. With a sampler that has an interval it ticks
 * at absolute deadlines from `start_ns` once the workload has exec'd. -1 only when the loop itself fails
 * (the workload is then killed by the caller). */
int loop_run(struct loop *l, pid_t pid, struct sampler *s, uint64_t start_ns, struct outcome *o, struct err *e);

#endif
