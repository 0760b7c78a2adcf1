/* cgbench-launch: the entry of every run (natively, and PID 1 of a container). It puts the workload in
 * its groups before it execs, samples the groups' stat files while it runs, and reports exit, rusage
 * and readings in one report (see protocol.h). This file only composes the parts in launcher/: the
 * command line (args), the groups (cgroup), the sampler, the workload's side (child), its perf
 * counters, the one wait loop (loop), the metrics protocol's file (metrics) and the report. */
#define _GNU_SOURCE /* pipe2 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common.h"
#include "launcher/args.h"
#include "launcher/child.h"
#include "launcher/counters.h"
#include "launcher/loop.h"
#include "launcher/metrics.h"
#include "launcher/report.h"
#include "protocol.h"

/* What a failure after the report is open must see to: the report says why, the workload dies. */
struct launch {
    struct report report;
    pid_t child;
};

/* A launch that fails before the workload runs still leaves a report saying why, so a harness that only
 * reads reports (a container's log) sees the reason. */
__attribute__((format(printf, 2, 3), noreturn)) static void launch_fail(struct launch *l, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", prog_name, msg);
    report_failed_launch(&l->report, msg);
    if (l->child > 0)
        kill(l->child, SIGKILL);
    exit(CGB_EXIT_LAUNCH);
}

/* Forks the workload, which waits on *go_fd for the launcher's go; the sync pipe's read end goes to the
 * loop. */
static pid_t start_child(struct launch *l, const struct launch_opts *o, struct loop *lp, int *go_fd)
{
    struct err e;
    int sync[2], go[2];
    if (pipe2(sync, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0)
        launch_fail(l, "cannot create pipe: %s", strerror(errno));
    if (loop_prepare(lp, &e) != 0)
        launch_fail(l, "%s", e.msg);
    struct child_spec c = { .ns = o->ns,
                            .hostname = o->hostname,
                            .chdir_to = o->chdir_to,
                            .watch_stdin = o->watch_stdin,
                            .parent = getpid(),
                            .go_fd = go[0],
                            .sync_fd = sync[1],
                            .cmd = o->cmd };
    pid_t pid = fork();
    if (pid < 0)
        launch_fail(l, "cannot fork: %s", strerror(errno));
    if (pid == 0) {
        close(sync[0]);
        close(go[1]);
        child_run(&c);
    }
    l->child = pid;
    close(sync[1]);
    close(go[0]);
    lp->sync_fd = sync[0];
    lp->watch_stdin = o->watch_stdin;
    *go_fd = go[1];
    return pid;
}

/* Exactly where it runs from: the harness's death (without --watch-stdin) takes the workload down. */
static void guard_parent(const struct launch_opts *o)
{
    if (o->watch_stdin) {
        fprintf(stderr, CGB_READY " %" PRIu64 "\n", now_ns());
        return;
    }
    /* If cgbench itself is killed (SIGKILL, OOM), take the workload down too rather than leave it
     * running unattended; with --watch-stdin a closed stdin does the same. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1 && !o->groups.self)
        die(CGB_EXIT_LAUNCH, "the harness exited before the workload started");
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-launch";
    struct launch_opts o;
    args_parse(argc, argv, &o);
    struct launch l = { .child = 0 };
    struct err e;
    if (o.report_to && report_open(&l.report, o.report_to, &e) != 0)
        die(CGB_EXIT_LAUNCH, "%s", e.msg);
    guard_parent(&o);
    if (o.groups.self && cg_find_own(&o.groups, &e) != 0)
        launch_fail(&l, "%s", e.msg);
    struct sampler s;
    int sample = l.report.out && (o.groups.self || o.groups.ndirs);
    if (sample && sampler_open(&s, &o.groups, o.interval_ns, &e) != 0)
        launch_fail(&l, "%s", e.msg);
    if (ns_unshare(o.ns, &e) != 0)
        launch_fail(&l, "%s", e.msg);
    char metrics[PATH_MAX];
    if (o.metrics && metrics_prepare(o.metrics, metrics, &e) != 0)
        launch_fail(&l, "%s", e.msg);

    struct loop lp;
    int go_fd;
    pid_t pid = start_child(&l, &o, &lp, &go_fd);
    /* The workload is in its groups before it runs anything of its own: no moment runs unlimited.
     * The launcher itself stays outside them, so its sampling costs the measured group nothing. */
    if (!o.groups.self && cg_join(&o.groups, pid, &e) != 0)
        launch_fail(&l, "%s", e.msg);
    struct reading *before = NULL, *after = NULL;
    uint64_t t;
    if (sample) {
        if (sampler_read(&s, &t) != 0)
            launch_fail(&l, "%s", s.error);
        if (!(before = sampler_keep(&s, t)))
            launch_fail(&l, "out of memory");
    }
    /* Opened on the waiting child, they count from its exec: none of the launcher's work is in them. */
    struct counters counters;
    if (l.report.out)
        counters_open(&counters, pid);
    if (write(go_fd, "g", 1) != 1)
        launch_fail(&l, "cannot start the workload: %s", strerror(errno));
    close(go_fd);

    struct outcome out = { .t0 = 0 };
    if (loop_run(&lp, pid, sample ? &s : NULL, before ? before->t : 0, &out, &e) != 0)
        launch_fail(&l, "%s", e.msg);
    if (sample && !s.error[0] && sampler_read(&s, &t) == 0)
        after = sampler_keep(&s, t);
    if (l.report.out)
        counters_read(&counters);
    int code = WIFEXITED(out.wst) ? WEXITSTATUS(out.wst) : 128 + WTERMSIG(out.wst);

    if (l.report.out) {
        struct run_report run = {
            .groups = &o.groups,
            .sampler = sample ? &s : NULL,
            .before = before,
            .after = after,
            .outcome = &out,
            .counters = &counters,
            .watch_stdin = o.watch_stdin,
            .metrics = o.metrics ? metrics : NULL,
        };
        if (report_write(&l.report, &run, &e) != 0)
            die(CGB_EXIT_LAUNCH, "%s", e.msg);
    }
    return code;
}
