/* The launcher's command line: parsed whole before anything acts, so a bad option costs nothing. */
#ifndef CGBENCH_LAUNCHER_ARGS_H
#define CGBENCH_LAUNCHER_ARGS_H

#include "cgroup.h"

struct launch_opts {
    struct cg_set groups; /* --cgroup-dir ... | --cgroup self */
    uint64_t interval_ns; /* --sample-interval-us; 0: none */
    const char *report_to; /* --report FILE|- ; NULL: none */
    int ns; /* --ns, NS_* bits */
    const char *hostname;
    const char *chdir_to;
    int watch_stdin;
    const char *metrics; /* --metrics FILE: the metrics protocol's file, relayed in the report; NULL: none */
    char **cmd; /* PROGRAM ARGS..., NULL-terminated */
};

/* Fills `o` from argv; a bad command line exits with CGB_EXIT_LAUNCH and one line, --help prints usage. */
void args_parse(int argc, char **argv, struct launch_opts *o);

#endif
