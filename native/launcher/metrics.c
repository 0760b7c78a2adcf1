/* The metrics protocol's file (metrics.h): made before the workload starts, read once it has exited. */
#define _GNU_SOURCE /* mkostemp */
#include "metrics.h"

#include <limits.h>
#include <sys/stat.h>

#include "../protocol.h"

int metrics_prepare(const char *path, char *made, struct err *e)
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir || path[0] != '/')
        return errorf(e, "--metrics %s: give an absolute path shorter than %d bytes", path, PATH_MAX);
    /* A container image may lack the directory: make each missing one, from the top. */
    for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return errorf(e, "--metrics: cannot make %s: %s", dir, strerror(errno));
        *p = '/';
    }
    snprintf(made, PATH_MAX, "%s", path);
    size_t n = strlen(made);
    int fd = n >= 6 && !strcmp(made + n - 6, "XXXXXX") ? mkostemp(made, O_CLOEXEC)
                                                        : open(made, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return errorf(e, "--metrics: cannot create %s: %s", path, strerror(errno));
    /* The workload may run as another user: let it append whatever the umask says. */
    fchmod(fd, 0666);
    close(fd);
    if (setenv(CGB_METRICS_ENV, made, 1) != 0)
        return errorf(e, "--metrics: cannot set %s: %s", CGB_METRICS_ENV, strerror(errno));
    return 0;
}

void metrics_each(const char *path, void (*fn)(void *arg, const char *line, size_t len), void *arg)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    /* One line more than allowed tells the harness there were too many. */
    for (int k = 0; k <= CGB_MAX_METRIC_LINES && (n = getline(&line, &cap, f)) >= 0; k++) {
        size_t len = (size_t)n;
        if (len && line[len - 1] == '\n')
            len--;
        fn(arg, line, len < CGB_MAX_METRIC_LINE ? len : CGB_MAX_METRIC_LINE);
    }
    free(line);
    fclose(f);
    unlink(path);
}
