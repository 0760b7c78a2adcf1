/* The workload's side of the launch (child.h). Everything between fork and exec happens here, and each
 * failure is one sync record with errno, so the launcher's report says which step failed and why. */
#define _GNU_SOURCE /* unshare, CLONE_* */
#include "child.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>

#include "../protocol.h"

int ns_parse(const char *list, struct err *e)
{
    static const struct {
        const char *name;
        int bit;
    } names[] = { { "pid", NS_PID }, { "mnt", NS_MNT }, { "uts", NS_UTS }, { "ipc", NS_IPC }, { "net", NS_NET } };
    if (!strcmp(list, "none"))
        return 0;
    if (!strcmp(list, "all"))
        return NS_ALL;
    int ns = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < sizeof names / sizeof names[0] && strcmp(tok, names[k].name))
            k++;
        if (k == sizeof names / sizeof names[0])
            return errorf(e, "--ns: unknown namespace '%s' (pid,mnt,uts,ipc,net, all or none)", tok);
        ns |= names[k].bit;
    }
    if (!ns)
        return errorf(e, "--ns: empty list (use none)");
    return ns;
}

int ns_unshare(int ns, struct err *e)
{
    int flags = (ns & NS_PID ? CLONE_NEWPID : 0) | (ns & NS_MNT ? CLONE_NEWNS : 0) | (ns & NS_UTS ? CLONE_NEWUTS : 0) |
                (ns & NS_IPC ? CLONE_NEWIPC : 0) | (ns & NS_NET ? CLONE_NEWNET : 0);
    if (flags && unshare(flags) != 0)
        return errorf(e, "cannot create namespaces (--ns): %s", strerror(errno));
    return 0;
}

__attribute__((format(printf, 4, 5), noreturn)) static void fail(const struct child_spec *c, int code, int err, const char *fmt, ...)
{
    struct sync_msg m = { .t0 = 0, .err = err };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.what, sizeof m.what, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s: %s\n", prog_name, m.what, strerror(err));
    if (write(c->sync_fd, &m, sizeof m) < 0) {
        /* Nothing better to do: the launcher still sees our exit code. */
    }
    _exit(code);
}

/* Blocks until the launcher says go (the workload is in its groups and the before reading is taken). */
static void await_go(const struct child_spec *c)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        fail(c, CGB_EXIT_LAUNCH, errno, "cannot set parent-death signal");
    /* The launcher may have died before prctl; in a new pid namespace getppid() is always 0. */
    if (!(c->ns & NS_PID) && getppid() != c->parent)
        _exit(CGB_EXIT_LAUNCH);
    char go;
    ssize_t n;
    while ((n = read(c->go_fd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1)
        _exit(CGB_EXIT_LAUNCH); /* the launcher gave up (it reports why) */
    close(c->go_fd);
}

static void set_up(const struct child_spec *c)
{
    if (c->ns & NS_MNT) {
        /* Private first, or the new /proc would propagate back into the host's mount table. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
            fail(c, CGB_EXIT_LAUNCH, errno, "cannot make mounts private");
        if ((c->ns & NS_PID) && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            fail(c, CGB_EXIT_LAUNCH, errno, "cannot mount /proc");
    }
    if ((c->ns & NS_UTS) && sethostname(c->hostname, strlen(c->hostname)) != 0)
        fail(c, CGB_EXIT_LAUNCH, errno, "cannot set hostname");
    if (c->chdir_to && chdir(c->chdir_to) != 0)
        fail(c, CGB_EXIT_LAUNCH, errno, "cannot chdir to %s", c->chdir_to);
    if (c->watch_stdin) {
        /* stdin is the launcher's channel to the harness: the workload must not consume it. */
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
            fail(c, CGB_EXIT_LAUNCH, errno, "cannot redirect stdin to /dev/null");
        if (null_fd != STDIN_FILENO)
            close(null_fd);
    }
    /* Ignored dispositions and the launcher's blocked signals survive exec; the workload must start with
     * a clean slate. */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void child_run(const struct child_spec *c)
{
    await_go(c);
    set_up(c);
    struct sync_msg m = { .t0 = now_ns() };
    if (write(c->sync_fd, &m, sizeof m) != sizeof m)
        fail(c, CGB_EXIT_LAUNCH, errno, "cannot report start time");
    execvp(c->cmd[0], c->cmd);
    fail(c, errno == ENOENT || errno == ENOTDIR ? CGB_EXIT_NOTFOUND : CGB_EXIT_NOEXEC, errno, "cannot exec %s", c->cmd[0]);
}
