/* The launcher's groups: the directories it was given (host mode) or finds it is in (container mode),
 * and putting the workload in them. */
#ifndef CGBENCH_LAUNCHER_CGROUP_H
#define CGBENCH_LAUNCHER_CGROUP_H

#include <limits.h>
#include <sys/types.h>

#include "../common.h"

#define CG_MAX_DIRS 16

struct cg_dir {
    char controller[32]; /* "" on v2 */
    char path[PATH_MAX];
};

struct cg_set {
    int ndirs;
    struct cg_dir dirs[CG_MAX_DIRS];
    int self; /* container mode: the groups are the launcher's own */
    int v2;
};

/* One --cgroup-dir: controller "" for the v2 group. */
int cg_add_dir(struct cg_set *g, const char *controller, const char *path, struct err *e);
/* The directory of `controller`'s hierarchy (NULL: the v2 group), or NULL when there is none. */
const char *cg_dir_of(const struct cg_set *g, const char *controller);
/* Container mode: the launcher's own groups, from /proc/self/cgroup and the cgroup mounts it sees. */
int cg_find_own(struct cg_set *g, struct err *e);
/* Host mode: moves `pid` into every distinct directory. */
int cg_join(const struct cg_set *g, pid_t pid, struct err *e);

#endif
