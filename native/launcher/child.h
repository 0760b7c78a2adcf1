/* The workload's side of the launch: the namespaces it gets, and the set-up between fork and exec
 * (wait for the launcher's go, mounts, hostname, working directory, clean signals), reported to the
 * launcher over the sync pipe. */
#ifndef CGBENCH_LAUNCHER_CHILD_H
#define CGBENCH_LAUNCHER_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include "../common.h"

#define NS_PID 1
#define NS_MNT 2
#define NS_UTS 4
#define NS_IPC 8
#define NS_NET 16
#define NS_ALL 31

/* One fixed-size record per message on the sync pipe, smaller than PIPE_BUF so each write is atomic
 * and a read returns whole records. t0 != 0: the child is about to exec; t0 == 0: the child failed,
 * err and what say why. */
struct sync_msg {
    uint64_t t0;
    int32_t err;
    char what[116];
};

struct child_spec {
    int ns; /* NS_* */
    const char *hostname;
    const char *chdir_to; /* NULL: stay */
    int watch_stdin; /* stdin is the launcher's: the workload gets /dev/null */
    pid_t parent; /* the launcher, to notice it died before the child set its death signal */
    int go_fd; /* read end: one byte once the workload is in its groups */
    int sync_fd; /* write end of the sync pipe */
    char **cmd;
};

/* "pid,mnt,..." | "all" | "none" as NS_* bits, or -1 with the reason in e. */
int ns_parse(const char *list, struct err *e);
/* Creates the namespaces the child will be in (the pid namespace takes effect at fork). */
int ns_unshare(int ns, struct err *e);
/* In the forked child: waits for the go, sets up, execs. Never returns. */
__attribute__((noreturn)) void child_run(const struct child_spec *c);

#endif
