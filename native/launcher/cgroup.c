/* Finding and joining the launcher's groups (cgroup.h): container mode reads /proc/self/cgroup and
 * /proc/self/mountinfo, host mode writes the workload's pid to each hierarchy's cgroup.procs. */
#include "cgroup.h"

#include "../protocol.h"

int cg_add_dir(struct cg_set *g, const char *controller, const char *path, struct err *e)
{
    if (g->ndirs == CG_MAX_DIRS)
        return errorf(e, "too many --cgroup-dir options");
    struct cg_dir *d = &g->dirs[g->ndirs];
    snprintf(d->controller, sizeof d->controller, "%s", controller);
    if (snprintf(d->path, sizeof d->path, "%s", path) >= (int)sizeof d->path)
        return errorf(e, "--cgroup-dir: path too long");
    g->ndirs++;
    return 0;
}

const char *cg_dir_of(const struct cg_set *g, const char *controller)
{
    for (int k = 0; k < g->ndirs; k++)
        if (!strcmp(g->dirs[k].controller, controller ? controller : ""))
            return g->dirs[k].path;
    return NULL;
}

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
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

/* Whether the comma list `list` holds `name`. */
static int in_list(const char *list, const char *name)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!strcmp(tok, name))
            return 1;
    return 0;
}

/* A cgroup mount that serves `controller` (NULL: the unified hierarchy): its root within the
 * hierarchy and its mount point. */
static int find_mount(const char *controller, char root[PATH_MAX], char point[PATH_MAX])
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
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
        if (controller ? strcmp(fstype, "cgroup") || !in_list(opts, controller) : strcmp(fstype, "cgroup2") != 0)
            continue;
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2)
            continue;
        unescape_mount(root);
        unescape_mount(point);
        found = 1;
    }
    fclose(f);
    return found;
}

/* Our group's path in `controller`'s hierarchy (NULL: the unified one), from /proc/self/cgroup. */
static int own_path(const char *controller, char path[PATH_MAX])
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrls = c1 + 1;
        found = controller ? in_list(ctrls, controller) : !strcmp(line, "0") && !*ctrls;
        if (found)
            snprintf(path, PATH_MAX, "%s", c2 + 1);
    }
    fclose(f);
    return found;
}

/* Our own group in `controller`'s hierarchy as a directory under a mount we can see. */
static int own_dir(const char *controller, char *out, size_t outlen)
{
    char path[PATH_MAX], root[PATH_MAX], point[PATH_MAX];
    if (!own_path(controller, path) || !find_mount(controller, root, point))
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

int cg_find_own(struct cg_set *g, struct err *e)
{
    static const char *const v1[] = CGB_V1_CONTROLLERS;
    char dir[PATH_MAX];
    if (own_dir("cpu", dir, sizeof dir)) {
        for (size_t k = 0; k < sizeof v1 / sizeof v1[0]; k++)
            if (own_dir(v1[k], dir, sizeof dir) && cg_add_dir(g, v1[k], dir, e) != 0)
                return -1;
        return 0;
    }
    if (own_dir(NULL, dir, sizeof dir)) {
        g->v2 = 1;
        return cg_add_dir(g, "", dir, e);
    }
    return errorf(e, "cannot find this process's own cgroup: /proc/self/cgroup names no group under a cgroup mount this "
                     "process can see (mount the container's cgroups, e.g. docker run without --cgroupns=host on v2)");
}

static int join_one(const char *dir, pid_t pid, struct err *e)
{
    char file[PATH_MAX + 16], line[32];
    snprintf(file, sizeof file, "%s/cgroup.procs", dir);
    int len = snprintf(line, sizeof line, "%ld\n", (long)pid);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errorf(e, "cannot join cgroup %s: %s", file, strerror(errno));
    /* cgroupfs reports a refused move (e.g. a v2 group with children) as a write error. */
    ssize_t n = write(fd, line, (size_t)len);
    int saved = errno;
    if (close(fd) != 0 && n == len)
        return errorf(e, "cannot join cgroup %s: %s", file, strerror(errno));
    if (n != len)
        return errorf(e, "cannot join cgroup %s: %s", file, n < 0 ? strerror(saved) : "short write");
    return 0;
}

int cg_join(const struct cg_set *g, pid_t pid, struct err *e)
{
    for (int k = 0; k < g->ndirs; k++) {
        int seen = 0;
        for (int m = 0; m < k; m++)
            seen |= !strcmp(g->dirs[m].path, g->dirs[k].path);
        if (!seen && join_one(g->dirs[k].path, pid, e) != 0)
            return -1;
    }
    return 0;
}
