/* The launcher's command line (args.h). Every check that needs only the arguments happens here. */
#include "args.h"

#include "../protocol.h"
#include "child.h"

static void usage(void)
{
    printf("usage: cgbench-launch [--cgroup-dir [CONTROLLER=]DIR]... | [--cgroup self]\n"
           "                      [--sample-interval-us N] [--report FILE|-] [--ns LIST] [--hostname NAME]\n"
           "                      [--chdir DIR] [--metrics FILE] [--watch-stdin] -- PROGRAM ARGS...\n"
           "  --cgroup-dir DIR     put PROGRAM in this group before it execs, and sample it: CONTROLLER=DIR\n"
           "                       once per v1 hierarchy (cpu, cpuacct, memory, blkio, pids, cpuset), or one\n"
           "                       DIR on cgroup v2 (host mode)\n"
           "  --cgroup self        sample the group this process is in, found from /proc/self/cgroup and the\n"
           "                       cgroup mounts it sees (container mode)\n"
           "  --sample-interval-us N  read the stat files every N us (1000..10000000) while PROGRAM runs;\n"
           "                       without it, only before PROGRAM starts and after it exits\n"
           "  --report FILE|-      write the report (readings, tick statistics, exit and rusage; see\n"
           "                       protocol.h) to FILE, or to stdout after PROGRAM's own output\n"
           "  --ns LIST            comma list of pid,mnt,uts,ipc,net, or all (default) or none\n"
           "  --hostname NAME      hostname in the uts namespace (default cgbench)\n"
           "  --chdir DIR          working directory of PROGRAM\n"
           "  --metrics FILE       create FILE (and its directory; a name ending in XXXXXX is made unique),\n"
           "                      name it in PROGRAM's environment as CGBENCH_METRICS, and relay the lines\n"
           "                      PROGRAM wrote to it in the report\n"
           "  --watch-stdin        EOF on stdin (the harness is gone) kills PROGRAM; PROGRAM's stdin is\n"
           "                       /dev/null; prints 'CGBENCH-READY <monotonic ns>' on stderr at start\n"
           "  Exits with PROGRAM's exit code, 128+signal if it was killed, 125 if the launcher failed,\n"
           "  126/127 if PROGRAM could not be executed / was not found. SIGINT, SIGTERM and SIGHUP kill\n"
           "  PROGRAM; the report is written all the same.\n");
    exit(0);
}

static void check(int rc, const struct err *e)
{
    if (rc < 0)
        die(CGB_EXIT_LAUNCH, "%s", e->msg);
}

static uint64_t parse_interval(const char *v)
{
    char *end;
    errno = 0;
    unsigned long long us = strtoull(v, &end, 10);
    if (errno || *end || v[0] < '0' || v[0] > '9' || us < CGB_INTERVAL_MIN_US || us > CGB_INTERVAL_MAX_US)
        die(CGB_EXIT_LAUNCH, "--sample-interval-us %s: the interval must be %d..%d us (1 ms to 10 s)", v, CGB_INTERVAL_MIN_US,
            CGB_INTERVAL_MAX_US);
    return us * 1000;
}

static int takes_value(const char *a)
{
    static const char *const names[] = { "--cgroup-dir", "--cgroup",   "--sample-interval-us", "--report",
                                         "--ns",         "--hostname", "--chdir",              "--metrics" };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(a, names[k]))
            return 1;
    return 0;
}

/* One "--name value" option (a name takes_value knows). */
static void take(struct launch_opts *o, const char *a, const char *v)
{
    struct err e;
    if (!strcmp(a, "--cgroup-dir")) {
        const char *eq = strchr(v, '=');
        if (eq && eq != v && v[0] != '/') {
            char ctrl[32];
            snprintf(ctrl, sizeof ctrl, "%.*s", (int)(eq - v), v);
            check(cg_add_dir(&o->groups, ctrl, eq + 1, &e), &e);
        } else {
            check(cg_add_dir(&o->groups, "", v, &e), &e);
        }
    } else if (!strcmp(a, "--cgroup")) {
        if (strcmp(v, "self"))
            die(CGB_EXIT_LAUNCH, "--cgroup: only 'self' is known (or give --cgroup-dir)");
        o->groups.self = 1;
    } else if (!strcmp(a, "--sample-interval-us")) {
        o->interval_ns = parse_interval(v);
    } else if (!strcmp(a, "--report")) {
        o->report_to = v;
    } else if (!strcmp(a, "--ns")) {
        check(o->ns = ns_parse(v, &e), &e);
    } else if (!strcmp(a, "--hostname")) {
        o->hostname = v;
    } else if (!strcmp(a, "--metrics")) {
        o->metrics = v;
    } else {
        o->chdir_to = v;
    }
}

/* What no single option can check: how they combine. */
static void check_combination(struct launch_opts *o)
{
    if (!o->cmd || !o->cmd[0])
        die(CGB_EXIT_LAUNCH, "no PROGRAM given after -- (try --help)");
    if (o->hostname && !(o->ns & NS_UTS))
        die(CGB_EXIT_LAUNCH, "--hostname needs the uts namespace (--ns ...,uts)");
    if (!o->hostname)
        o->hostname = "cgbench";
    struct cg_set *g = &o->groups;
    if (g->self && g->ndirs)
        die(CGB_EXIT_LAUNCH, "give either --cgroup self or --cgroup-dir, not both");
    int named = 0, bare = 0;
    for (int k = 0; k < g->ndirs; k++)
        g->dirs[k].controller[0] ? named++ : bare++;
    if (bare > 1 || (bare && named))
        die(CGB_EXIT_LAUNCH, "--cgroup-dir: give one DIR (cgroup v2) or CONTROLLER=DIR per v1 hierarchy, not a mix");
    g->v2 = bare == 1;
    if (o->metrics && !o->report_to)
        die(CGB_EXIT_LAUNCH, "--metrics needs --report: the lines travel in the report");
    if (o->interval_ns && !g->self && !g->ndirs)
        die(CGB_EXIT_LAUNCH, "--sample-interval-us needs a group to sample (--cgroup-dir or --cgroup self)");
}

void args_parse(int argc, char **argv, struct launch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ns = NS_ALL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            o->cmd = argv + i + 1;
            break;
        }
        if (!strcmp(a, "--help"))
            usage();
        if (!strcmp(a, "--watch-stdin")) {
            o->watch_stdin = 1;
            continue;
        }
        if (!takes_value(a))
            die(CGB_EXIT_LAUNCH, "unknown option '%s' (try --help; PROGRAM goes after --)", a);
        if (i + 1 >= argc)
            die(CGB_EXIT_LAUNCH, "option %s needs a value (try --help)", a);
        take(o, a, argv[++i]);
    }
    check_combination(o);
}
