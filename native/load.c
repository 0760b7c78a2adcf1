/* cgbench-load: the load generator that drives a service from outside its limits. Open loop by default:
 * requests arrive on a schedule fixed in advance (a constant rate, steps of rates, or Poisson arrivals)
 * and each is timed from when it should have been sent, so a stalled server cannot hide its queue
 * (coordinated omission, corrected as wrk2 does); closed loop on request. HTTP/1.1 keep-alive or raw
 * TCP request/response over N connections, one epoll thread per CPU it is given; latencies in a
 * mergeable log-bucketed histogram (histogram.h); prints one JSON line (see usage()). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common.h"
#include "histogram.h"
#include "http.h"

#define LAT_BITS 8       /* 0.4 % buckets for the figures */
#define SERIES_BITS 4    /* 6 % buckets for the per-interval tail: cheap enough to keep thousands */
#define MAX_INTERVALS 4000
#define HOUSEKEEP_NS 10000000ull   /* time-outs, reconnects and the stop flag are checked this often */
#define SETUP_NS 2000000000ull     /* connections get this long to open before the schedule starts */
#define RETRY_FIRST_NS 10000000ull /* a refused connection is tried again after this, */
#define RETRY_MAX_NS 1000000000ull /* then after twice as long each time, up to this */
#define MAX_STEPS 64
#define RBUF 65536

enum proto { PROTO_HTTP, PROTO_TCP };
enum conn_state { C_CONNECTING, C_IDLE, C_BUSY, C_WAIT_RETRY };

/* One phase of the schedule: the warm-up (not recorded) or a step at one rate. */
struct phase {
    uint64_t start, end;   /* absolute, ns */
    double rate;           /* requests/s in total; 0 in closed loop */
    int step;              /* index into steps, -1 for the warm-up */
};

struct step_stats {
    uint64_t sent, ok, unsent;
    uint64_t answered;     /* answers (not errors) that arrived within the step's window, whenever sent */
    uint64_t err_status, err_timeout, err_read, err_write, err_parse;
    struct hist latency, lag;
};

struct interval {
    uint64_t ok, errors;
    struct hist *latency;  /* allocated on first use */
};

struct conn {
    int fd;
    enum conn_state state;
    uint64_t idle_since;   /* when it last became free: the start of any wait a request had for it */
    uint64_t sent_ns;      /* the current request's actual send time (for the time-out) */
    uint64_t start_ns;     /* what its latency is measured from */
    uint64_t intended_ns;  /* its place in the schedule (picks its step and interval) */
    uint64_t retry_at;
    uint64_t backoff_ns;
    size_t written;
    int writing;
    uint64_t got;          /* TCP mode: response bytes so far */
    struct http_resp http;
    struct conn *next_idle;
};

struct thread {
    int index, cpu;
    pthread_t tid;
    struct conn *conns;
    int nconns;
    struct conn *idle_head, *idle_tail;
    int busy;
    int ep;
    /* schedule */
    int ph;                /* current phase index */
    uint64_t k;            /* requests issued in this phase so far (constant arrivals) */
    uint64_t next_intended;
    uint64_t rng;
    /* results */
    struct step_stats steps[MAX_STEPS];
    struct interval *series;
    uint64_t err_connect, reconnects, bytes_read;
    uint64_t cpu_ns, wall_ns;
    char *rbuf;
};

/* Options, fixed before the threads start. */
static enum proto proto = PROTO_HTTP;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static char *request;
static size_t request_len;
static int head_request;
static uint64_t response_bytes;         /* TCP: fixed-size responses when > 0 */
static int response_delim = '\n';       /* TCP: otherwise a response ends with this byte */
static int closed_loop;
static int poisson;
static double rates[MAX_STEPS];
static int nrates;
static uint64_t duration_ns = 10000000000ull, warmup_ns, timeout_ns = 2000000000ull, interval_ns = 100000000ull;
static int nconnections = 10, nthreads;
static int cpus[1024], ncpus;
static struct phase phases[MAX_STEPS + 1];
static int nphases;
static uint64_t t0, measure_start, sends_end, drain_end;
static unsigned nintervals;
static volatile sig_atomic_t interrupted;
static int precise_timer = 1;
static pthread_barrier_t ready_barrier, go_barrier;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- schedule ---------------------------------------------------------------------------------- */

static double next_uniform(struct thread *t)
{
    /* xorshift64*: plenty for arrival gaps, no locks, reproducible per thread */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return (double)((t->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* Places the thread's next request: constant arrivals are computed from the phase start (no drift),
 * Poisson ones add an exponential gap to the last. UINT64_MAX once the schedule is over. */
static void schedule_next(struct thread *t)
{
    for (;;) {
        if (t->ph >= nphases) {
            t->next_intended = UINT64_MAX;
            return;
        }
        const struct phase *p = &phases[t->ph];
        double gap = 1e9 * nthreads / p->rate;
        uint64_t at;
        if (poisson) {
            uint64_t from = t->k == 0 ? p->start : t->next_intended;
            at = from + (uint64_t)(-log(1.0 - next_uniform(t)) * gap);
        } else {
            at = p->start + (uint64_t)((double)t->index * gap / nthreads + (double)t->k * gap);
        }
        if (at < p->end) {
            t->k++;
            t->next_intended = at;
            return;
        }
        t->ph++;
        t->k = 0;
    }
}

static int phase_of(uint64_t at)
{
    for (int i = nphases - 1; i >= 0; i--)
        if (at >= phases[i].start)
            return i;
    return 0;
}

static struct step_stats *step_of(struct thread *t, uint64_t intended)
{
    int s = phases[phase_of(intended)].step;
    return s < 0 ? NULL : &t->steps[s];
}

/* The step whose window holds `at`, or NULL in the warm-up and after the last step: answers are booked there
 * by their arrival, so a backlog drained after the schedule ends does not count as the step's throughput. */
static struct step_stats *step_during(struct thread *t, uint64_t at)
{
    const struct phase *p = &phases[phase_of(at)];
    return p->step < 0 || at >= p->end ? NULL : &t->steps[p->step];
}

static struct interval *interval_of(struct thread *t, uint64_t at)
{
    uint64_t i = at > t0 ? (at - t0) / interval_ns : 0;
    if (i >= nintervals)
        i = nintervals - 1;
    return &t->series[i];
}

/* ---- connections ------------------------------------------------------------------------------- */

static void idle_push(struct thread *t, struct conn *c, uint64_t now)
{
    c->state = C_IDLE;
    c->idle_since = now;
    c->next_idle = NULL;
    if (t->idle_tail)
        t->idle_tail->next_idle = c;
    else
        t->idle_head = c;
    t->idle_tail = c;
}

static struct conn *idle_pop(struct thread *t)
{
    struct conn *c = t->idle_head;
    if (c) {
        t->idle_head = c->next_idle;
        if (!t->idle_head)
            t->idle_tail = NULL;
    }
    return c;
}

static void idle_remove(struct thread *t, struct conn *c)
{
    struct conn **pp = &t->idle_head, *prev = NULL;
    while (*pp && *pp != c) {
        prev = *pp;
        pp = &(*pp)->next_idle;
    }
    if (!*pp)
        return;
    *pp = c->next_idle;
    if (t->idle_tail == c)
        t->idle_tail = prev;
}

/* A connection that could not be opened: counted, closed, and opened again by housekeep() after a back-off
 * that doubles from RETRY_FIRST_NS up to RETRY_MAX_NS while the server keeps refusing (a connect resets it). */
static void retry_later(struct thread *t, struct conn *c, uint64_t now)
{
    t->err_connect++;
    close(c->fd);
    c->fd = -1;
    c->state = C_WAIT_RETRY;
    c->backoff_ns = c->backoff_ns ? (c->backoff_ns * 2 < RETRY_MAX_NS ? c->backoff_ns * 2 : RETRY_MAX_NS) : RETRY_FIRST_NS;
    c->retry_at = now + c->backoff_ns;
}

static void conn_open(struct thread *t, struct conn *c, uint64_t now)
{
    c->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die(EXIT_ENV, "socket: %s (raise the open-files limit or use fewer --connections)", strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = C_CONNECTING;
    c->writing = 0;
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
    if (connect(c->fd, (struct sockaddr *)&addr, addrlen) < 0 && errno != EINPROGRESS) {
        retry_later(t, c, now);
        return;
    }
    epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Drops the connection (and its request, counted by the caller) and opens a new one. */
static void conn_reset(struct thread *t, struct conn *c, uint64_t now)
{
    if (c->state == C_IDLE)
        idle_remove(t, c);
    if (c->state == C_BUSY)
        t->busy--;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    t->reconnects++;
    conn_open(t, c, now);
}

static void want_write(struct thread *t, struct conn *c, int on)
{
    struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
    epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->writing = on;
}

static void count_error(struct thread *t, struct conn *c, uint64_t now, uint64_t *(*which)(struct step_stats *))
{
    struct step_stats *s = step_of(t, c->intended_ns);
    if (s)
        (*which(s))++;
    interval_of(t, now)->errors++;
}

static uint64_t *err_read(struct step_stats *s) { return &s->err_read; }
static uint64_t *err_write(struct step_stats *s) { return &s->err_write; }
static uint64_t *err_parse(struct step_stats *s) { return &s->err_parse; }
static uint64_t *err_timeout(struct step_stats *s) { return &s->err_timeout; }

static void conn_write(struct thread *t, struct conn *c, uint64_t now)
{
    while (c->written < request_len) {
        ssize_t n = send(c->fd, request + c->written, request_len - c->written, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                if (!c->writing)
                    want_write(t, c, 1);
                return;
            }
            count_error(t, c, now, err_write);
            conn_reset(t, c, now);
            return;
        }
        c->written += (size_t)n;
    }
    if (c->writing)
        want_write(t, c, 0);
}

/* Sends the request placed at `intended` on an idle connection. Its latency starts at the intended time
 * less the generator's own lateness: when the connection was free at the intended time, the wait was
 * only the generator waking up (reported as lag); when it was busy, the request queued behind the
 * server's previous answer, and that wait is the server's. */
static void dispatch(struct thread *t, struct conn *c, uint64_t intended)
{
    uint64_t s = now_ns();
    uint64_t queued = c->idle_since > intended ? c->idle_since - intended : 0;
    uint64_t free_at = c->idle_since > intended ? c->idle_since : intended;
    c->state = C_BUSY;
    t->busy++;
    c->intended_ns = intended;
    c->sent_ns = s;
    c->start_ns = s - queued;
    c->written = 0;
    c->got = 0;
    if (proto == PROTO_HTTP)
        http_begin(&c->http, head_request);
    struct step_stats *st = step_of(t, intended);
    if (st) {
        st->sent++;
        if (!closed_loop)
            hist_record(&st->lag, s > free_at ? s - free_at : 0);
    }
    conn_write(t, c, s);
}

static void complete(struct thread *t, struct conn *c, uint64_t now, int keep)
{
    struct step_stats *st = step_of(t, c->intended_ns);
    int ok = proto == PROTO_TCP || c->http.status < 400;
    if (st) {
        if (ok) {
            st->ok++;
            hist_record(&st->latency, now - c->start_ns);
        } else
            st->err_status++;
    }
    struct step_stats *during = ok ? step_during(t, now) : NULL;
    if (during)
        during->answered++;
    struct interval *iv = interval_of(t, c->intended_ns);
    if (ok) {
        if (!iv->latency) {
            iv->latency = malloc(sizeof *iv->latency);
            if (!iv->latency || hist_init(iv->latency, SERIES_BITS) < 0)
                die(EXIT_ENV, "out of memory for the latency series");
        }
        hist_record(iv->latency, now - c->start_ns);
        interval_of(t, now)->ok++;
    } else
        interval_of(t, now)->errors++;
    t->busy--;
    if (!keep) {
        /* the server closes after this answer: a reconnect, not an error */
        c->state = C_WAIT_RETRY;
        conn_reset(t, c, now);
        return;
    }
    if (closed_loop) {
        if (now < sends_end && !interrupted) {
            c->idle_since = now;
            dispatch(t, c, now_ns());
        } else
            idle_push(t, c, now);
        return;
    }
    if (t->next_intended <= now && now < drain_end && !interrupted) {
        c->idle_since = now;
        uint64_t at = t->next_intended;
        schedule_next(t);
        dispatch(t, c, at);
    } else
        idle_push(t, c, now);
}

static void conn_readable(struct thread *t, struct conn *c)
{
    for (;;) {
        ssize_t n = recv(c->fd, t->rbuf, RBUF, 0);
        uint64_t now = now_ns();
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            if (c->state == C_BUSY)
                count_error(t, c, now, err_read);
            conn_reset(t, c, now);
            return;
        }
        if (n == 0) {
            if (c->state == C_BUSY && proto == PROTO_HTTP && c->http.state == HTTP_UNTIL_EOF)
                complete(t, c, now, 0);
            else {
                if (c->state == C_BUSY)
                    count_error(t, c, now, err_read);
                conn_reset(t, c, now);
            }
            return;
        }
        t->bytes_read += (uint64_t)n;
        if (c->state != C_BUSY) {
            /* an answer nobody asked for: the stream is out of step */
            conn_reset(t, c, now);
            return;
        }
        if (proto == PROTO_HTTP) {
            long used = http_feed(&c->http, t->rbuf, (size_t)n);
            if (used < 0 || (used < n && c->http.state == HTTP_DONE)) {
                count_error(t, c, now, err_parse);
                conn_reset(t, c, now);
                return;
            }
            if (c->http.state == HTTP_DONE)
                complete(t, c, now, c->http.keep_alive);
        } else {
            int done;
            if (response_bytes) {
                c->got += (uint64_t)n;
                done = c->got >= response_bytes;
                if (c->got > response_bytes) {
                    count_error(t, c, now, err_parse);
                    conn_reset(t, c, now);
                    return;
                }
            } else {
                const char *d = memchr(t->rbuf, response_delim, (size_t)n);
                done = d != NULL;
                if (d && d != t->rbuf + n - 1) {
                    count_error(t, c, now, err_parse);
                    conn_reset(t, c, now);
                    return;
                }
            }
            if (done)
                complete(t, c, now, 1);
        }
        if (n < RBUF)
            return;
    }
}

static void conn_event(struct thread *t, struct conn *c, uint32_t events, uint64_t now)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (events & (EPOLLERR | EPOLLHUP))) {
            epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
            retry_later(t, c, now);
            return;
        }
        if (!(events & EPOLLOUT))
            return;
        c->backoff_ns = 0;
        want_write(t, c, 0);
        idle_push(t, c, now);
        return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        conn_readable(t, c);
        if (c->state == C_CONNECTING)
            return;
    }
    if ((events & EPOLLOUT) && c->state == C_BUSY && c->writing)
        conn_write(t, c, now);
}

/* Time-outs and reconnects. */
static void housekeep(struct thread *t, uint64_t now)
{
    for (int i = 0; i < t->nconns; i++) {
        struct conn *c = &t->conns[i];
        if (c->state == C_BUSY && now > c->sent_ns + timeout_ns) {
            count_error(t, c, now, err_timeout);
            conn_reset(t, c, now);
        } else if (c->state == C_WAIT_RETRY && now >= c->retry_at)
            conn_open(t, c, now);
    }
}

static int wait_events(struct thread *t, struct epoll_event *evs, int max, uint64_t wake, uint64_t now)
{
    uint64_t d = wake > now ? wake - now : 0;
    if (precise_timer) {
        struct timespec ts = ns_to_ts(d);
        int n = epoll_pwait2(t->ep, evs, max, &ts, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        precise_timer = 0; /* kernels before 5.11: whole milliseconds, rounded up, as wrk2 does */
    }
    return epoll_wait(t->ep, evs, max, (int)((d + 999999) / 1000000));
}

static void *thread_main(void *arg)
{
    struct thread *t = arg;
    if (t->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(t->cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0)
            die(EXIT_USAGE, "--cpus: cannot run on CPU %d: %s", t->cpu, strerror(errno));
    }
    /* The default 50 us timer slack would land in every open-loop send time. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct epoll_event evs[256];
    uint64_t now = now_ns();
    for (int i = 0; i < t->nconns; i++)
        conn_open(t, &t->conns[i], now);
    uint64_t setup_end = now + SETUP_NS;
    /* Until every connection is open or has failed once (those retry during the run). */
    while (!interrupted && (now = now_ns()) < setup_end) {
        int pending = 0;
        for (int i = 0; i < t->nconns; i++)
            pending += t->conns[i].state == C_CONNECTING;
        if (!pending)
            break;
        int n = wait_events(t, evs, 256, now + HOUSEKEEP_NS, now);
        now = now_ns();
        for (int i = 0; i < n; i++)
            conn_event(t, evs[i].data.ptr, evs[i].events, now);
        housekeep(t, now);
    }
    pthread_barrier_wait(&ready_barrier);
    pthread_barrier_wait(&go_barrier);

    uint64_t cpu0 = 0;
    {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        cpu0 = ts_to_ns(&ts);
    }
    schedule_next(t);
    uint64_t next_housekeep = t0 + HOUSEKEEP_NS;
    for (;;) {
        now = now_ns();
        if (interrupted)
            break;
        /* After the last step: the queue left behind is still sent and answered, until the drain ends. */
        if (now >= sends_end && ((t->busy == 0 && t->next_intended >= sends_end) || now >= drain_end))
            break;
        if (closed_loop) {
            if (now >= t0 && now < sends_end)
                for (struct conn *c; (c = idle_pop(t));)
                    dispatch(t, c, now);
        } else {
            while (t->next_intended <= now && now < drain_end && t->idle_head) {
                uint64_t at = t->next_intended;
                schedule_next(t);
                dispatch(t, idle_pop(t), at);
            }
        }
        if (now >= next_housekeep) {
            housekeep(t, now);
            next_housekeep = now + HOUSEKEEP_NS;
        }
        uint64_t wake = next_housekeep;
        if (closed_loop && now < t0 && t0 < wake)
            wake = t0;
        if (!closed_loop && t->idle_head && t->next_intended < wake)
            wake = t->next_intended;
        if (sends_end > now && sends_end < wake)
            wake = sends_end;
        int n = wait_events(t, evs, 256, wake, now);
        if (n < 0 && errno != EINTR)
            die(EXIT_ENV, "epoll: %s", strerror(errno));
        now = now_ns();
        for (int i = 0; i < n; i++)
            conn_event(t, evs[i].data.ptr, evs[i].events, now);
    }
    now = now_ns();
    /* What the schedule placed before the end but had not gone out when the drain ended: the server (or
     * the generator) fell behind by that many requests. Still outstanding then: time-outs. */
    if (!closed_loop && !interrupted)
        while (t->next_intended < sends_end) {
            struct step_stats *st = step_of(t, t->next_intended);
            if (st)
                st->unsent++;
            schedule_next(t);
        }
    if (!interrupted)
        for (int i = 0; i < t->nconns; i++)
            if (t->conns[i].state == C_BUSY)
                count_error(t, &t->conns[i], now, err_timeout);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    t->cpu_ns = ts_to_ns(&ts) - cpu0;
    t->wall_ns = now - t0;
    for (int i = 0; i < t->nconns; i++)
        if (t->conns[i].fd >= 0)
            close(t->conns[i].fd);
    return NULL;
}

/* ---- options ----------------------------------------------------------------------------------- */

static void parse_hostport(const char *opt, const char *s, char *host, size_t hostlen)
{
    const char *colon;
    char h[256];
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            die(EXIT_USAGE, "%s: '%s' is not [IPv6]:PORT", opt, s);
        snprintf(h, sizeof h, "%.*s", (int)(end - s - 1), s + 1);
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            die(EXIT_USAGE, "%s: '%s' has no :PORT", opt, s);
        snprintf(h, sizeof h, "%.*s", (int)(colon - s), s);
    }
    uint64_t port = parse_u64(opt, colon + 1, 1, 65535);
    const char *ip = !strcmp(h, "localhost") ? "127.0.0.1" : h;
    memset(&addr, 0, sizeof addr);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        addrlen = sizeof *a4;
    } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        addrlen = sizeof *a6;
    } else
        die(EXIT_USAGE, "%s: '%s' is not an IP address (give a numeric address or localhost)", opt, h);
    snprintf(host, hostlen, "%s", s);
}

/* C escapes in payloads: \n \r \t \0 \\ \xHH. */
static size_t unescape(const char *opt, const char *in, char *out)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p != '\\') {
            out[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case '0': out[n++] = '\0'; break;
        case '\\': out[n++] = '\\'; break;
        case 'x': {
            char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };
            char *end;
            long v = strtol(hex, &end, 16);
            if (end != hex + 2)
                die(EXIT_USAGE, "%s: \\x needs two hex digits", opt);
            out[n++] = (char)v;
            p += 2;
            break;
        }
        default:
            die(EXIT_USAGE, "%s: unknown escape '\\%c' (use \\n \\r \\t \\0 \\\\ \\xHH)", opt, *p ? *p : ' ');
        }
    }
    return n;
}

static uint64_t parse_ms(const char *opt, const char *s, uint64_t min)
{
    return parse_u64(opt, s, min, 86400000) * 1000000ull;
}

static void parse_rates(const char *opt, const char *s)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    nrates = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (nrates == MAX_STEPS)
            die(EXIT_USAGE, "%s: at most %d rates", opt, MAX_STEPS);
        char *end;
        double r = strtod(tok, &end);
        if (end == tok || *end || !(r > 0) || r > 1e8)
            die(EXIT_USAGE, "%s: '%s' is not a rate in requests/s (0 < rate <= 1e8)", opt, tok);
        rates[nrates++] = r;
    }
    if (!nrates)
        die(EXIT_USAGE, "%s: give at least one rate", opt);
}

static void parse_cpus(const char *opt, const char *s)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    ncpus = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *dash = strchr(tok, '-');
        if (dash)
            *dash = '\0';
        uint64_t lo = parse_u64(opt, tok, 0, 1023), hi = dash ? parse_u64(opt, dash + 1, lo, 1023) : lo;
        for (uint64_t c = lo; c <= hi; c++) {
            if (ncpus == 1024)
                die(EXIT_USAGE, "%s: too many CPUs", opt);
            cpus[ncpus++] = (int)c;
        }
    }
}

static void usage(void)
{
    printf("usage: cgbench-load (--url http://ADDR:PORT/PATH | --tcp ADDR:PORT) [options]\n"
           "  --rate R[,R...]     open loop (default): R requests/s in total; several rates are steps of\n"
           "                      --duration-ms each. Each request is timed from its place in the schedule.\n"
           "  --closed            closed loop instead: every connection sends again as soon as it is answered\n"
           "  --arrival constant|poisson   spacing of open-loop requests (default constant)\n"
           "  --connections N     (default 10)   --threads T (default: one per --cpus entry, else 1)\n"
           "  --cpus LIST         pin thread i to the i-th CPU of LIST (e.g. 1 or 2-3)\n"
           "  --duration-ms D     per step (default 10000)  --warmup-ms W (default 0, not recorded)\n"
           "  --timeout-ms T      a request unanswered this long is a time-out (default 2000); also how long\n"
           "                      the queue left at the end of the last step may still be sent and answered\n"
           "  --interval-ms I     latency-over-time interval (default 100)\n"
           "  HTTP: --method M (GET)  --header 'K: V' (repeatable)  --body TEXT\n"
           "  TCP:  --payload TEXT (C escapes; default 'ping\\n')  --payload-bytes N (N-1 'x' and '\\n')\n"
           "        --response-bytes N (fixed-size answers; default: an answer ends with --response-delim)\n"
           "        --response-delim C (one byte, C escapes; default '\\n')\n"
           "Prints one JSON line: workload, mode, protocol, threads, connections, arrival, t0_ns (monotonic),\n"
           "wall_ns, cpu_ns (its own CPU), thread_busy_max (highest thread CPU / wall), timer, errors.connect,\n"
           "reconnects, bytes_read, interrupted, steps[] {rate, start_ns, duration_ns, sent, ok, unsent,\n"
           "answered (answers that arrived within the step), errors {status, timeout, read, write, parse},\n"
           "latency, lag} with latency and lag as histograms {bits, count, sum, min, max, buckets: [index,\n"
           "count, ...]} in ns, and series {interval_ns, ok, errors,\n"
           "p50, p90, p99, max} (latency by arrival interval, answers and errors by completion interval).\n");
    exit(0);
}

/* ---- output ------------------------------------------------------------------------------------ */

static void print_u64s(FILE *out, const char *key, const uint64_t *v, unsigned n)
{
    fprintf(out, ",\"%s\":[", key);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, "%s%" PRIu64, i ? "," : "", v[i]);
    fputc(']', out);
}

static void report(struct thread *th, uint64_t wall_ns, uint64_t cpu_ns)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        die(EXIT_ENV, "cannot buffer the report: %s", strerror(errno));
    uint64_t err_connect = 0, reconnects = 0, bytes = 0, ok = 0;
    double busy_max = 0;
    for (int i = 0; i < nthreads; i++) {
        err_connect += th[i].err_connect;
        reconnects += th[i].reconnects;
        bytes += th[i].bytes_read;
        double busy = th[i].wall_ns ? (double)th[i].cpu_ns / (double)th[i].wall_ns : 0;
        if (busy > busy_max)
            busy_max = busy;
    }
    int nsteps = closed_loop ? 1 : nrates;
    for (int s = 0; s < nsteps; s++)
        for (int i = 0; i < nthreads; i++)
            ok += th[i].steps[s].ok;
    fprintf(out, "{\"workload\":\"load\",\"mode\":\"%s\",\"protocol\":\"%s\",\"threads\":%d,\"connections\":%d,",
            closed_loop ? "closed" : "open", proto == PROTO_HTTP ? "http" : "tcp", nthreads, nconnections);
    fprintf(out, "\"arrival\":\"%s\",\"t0_ns\":%" PRIu64 ",\"wall_ns\":%" PRIu64 ",\"cpu_ns\":%" PRIu64 ",\"ops\":%" PRIu64 ",",
            closed_loop ? "closed" : poisson ? "poisson" : "constant", t0, wall_ns, cpu_ns, ok);
    fprintf(out, "\"thread_busy_max\":%.4f,\"timer\":\"%s\",\"errors\":{\"connect\":%" PRIu64 "},\"reconnects\":%" PRIu64
            ",\"bytes_read\":%" PRIu64 ",\"interrupted\":%s,\"steps\":[",
            busy_max, precise_timer ? "ns" : "ms", err_connect, reconnects, bytes, interrupted ? "true" : "false");
    for (int s = 0; s < nsteps; s++) {
        struct step_stats sum = { 0 };
        if (hist_init(&sum.latency, LAT_BITS) < 0 || hist_init(&sum.lag, LAT_BITS) < 0)
            die(EXIT_ENV, "out of memory");
        for (int i = 0; i < nthreads; i++) {
            const struct step_stats *x = &th[i].steps[s];
            sum.sent += x->sent, sum.ok += x->ok, sum.unsent += x->unsent, sum.answered += x->answered;
            sum.err_status += x->err_status, sum.err_timeout += x->err_timeout, sum.err_read += x->err_read;
            sum.err_write += x->err_write, sum.err_parse += x->err_parse;
            hist_add(&sum.latency, &x->latency);
            hist_add(&sum.lag, &x->lag);
        }
        const struct phase *p = &phases[nphases - nsteps + s];
        fprintf(out, "%s{\"rate\":", s ? "," : "");
        if (closed_loop)
            fputs("null", out);
        else
            fprintf(out, "%.6g", p->rate);
        fprintf(out, ",\"start_ns\":%" PRIu64 ",\"duration_ns\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"unsent\":%" PRIu64,
                p->start - t0, p->end - p->start, sum.sent, sum.ok, sum.unsent);
        fprintf(out, ",\"answered\":%" PRIu64, sum.answered);
        fprintf(out, ",\"errors\":{\"status\":%" PRIu64 ",\"timeout\":%" PRIu64 ",\"read\":%" PRIu64 ",\"write\":%" PRIu64
                ",\"parse\":%" PRIu64 "},\"latency\":",
                sum.err_status, sum.err_timeout, sum.err_read, sum.err_write, sum.err_parse);
        hist_json(out, &sum.latency);
        fputs(",\"lag\":", out);
        hist_json(out, &sum.lag);
        fputc('}', out);
        hist_free(&sum.latency);
        hist_free(&sum.lag);
    }
    /* The series, merged over threads, trimmed after the last interval with anything in it. */
    unsigned used = 0;
    uint64_t *cols[6];
    for (int k = 0; k < 6; k++)
        cols[k] = calloc(nintervals, sizeof(uint64_t));
    struct hist h;
    if (hist_init(&h, SERIES_BITS) < 0)
        die(EXIT_ENV, "out of memory");
    for (unsigned v = 0; v < nintervals; v++) {
        hist_reset(&h);
        for (int i = 0; i < nthreads; i++) {
            const struct interval *iv = &th[i].series[v];
            cols[0][v] += iv->ok;
            cols[1][v] += iv->errors;
            if (iv->latency)
                hist_add(&h, iv->latency);
        }
        cols[2][v] = hist_quantile(&h, 0.5);
        cols[3][v] = hist_quantile(&h, 0.9);
        cols[4][v] = hist_quantile(&h, 0.99);
        cols[5][v] = h.max;
        if (cols[0][v] || cols[1][v] || h.count)
            used = v + 1;
    }
    fprintf(out, "],\"series\":{\"interval_ns\":%" PRIu64, interval_ns);
    static const char *names[6] = { "ok", "errors", "p50", "p90", "p99", "max" };
    for (int k = 0; k < 6; k++)
        print_u64s(out, names[k], cols[k], used);
    fputs("}}\n", out);
    fclose(out);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(STDOUT_FILENO, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die(EXIT_ENV, "cannot write the result to stdout: %s", strerror(errno));
        off += (size_t)n;
    }
    free(text);
}

static uint64_t tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-load";
    char host[300] = "", path[2048] = "/", method[32] = "GET", headers[8192] = "";
    const char *body = NULL, *payload = NULL;
    uint64_t payload_bytes = 0;
    int have_target = 0, have_rate = 0, threads_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--url")) {
            const char *u = opt_value(argc, argv, &i);
            if (strncmp(u, "http://", 7))
                die(EXIT_USAGE, "--url: '%s' must start with http:// (https is not supported)", u);
            const char *slash = strchr(u + 7, '/');
            char hp[300];
            snprintf(hp, sizeof hp, "%.*s", slash ? (int)(slash - u - 7) : (int)strlen(u + 7), u + 7);
            parse_hostport(a, hp, host, sizeof host);
            snprintf(path, sizeof path, "%s", slash ? slash : "/");
            proto = PROTO_HTTP;
            have_target = 1;
        } else if (!strcmp(a, "--tcp")) {
            parse_hostport(a, opt_value(argc, argv, &i), host, sizeof host);
            proto = PROTO_TCP;
            have_target = 1;
        } else if (!strcmp(a, "--rate")) {
            parse_rates(a, opt_value(argc, argv, &i));
            have_rate = 1;
        } else if (!strcmp(a, "--closed"))
            closed_loop = 1;
        else if (!strcmp(a, "--arrival")) {
            const char *v = opt_value(argc, argv, &i);
            if (!strcmp(v, "poisson"))
                poisson = 1;
            else if (strcmp(v, "constant"))
                die(EXIT_USAGE, "--arrival: '%s' is not constant or poisson", v);
        } else if (!strcmp(a, "--connections"))
            nconnections = (int)parse_u64(a, opt_value(argc, argv, &i), 1, 100000);
        else if (!strcmp(a, "--threads")) {
            nthreads = (int)parse_u64(a, opt_value(argc, argv, &i), 1, 1024);
            threads_given = 1;
        } else if (!strcmp(a, "--cpus"))
            parse_cpus(a, opt_value(argc, argv, &i));
        else if (!strcmp(a, "--duration-ms"))
            duration_ns = parse_ms(a, opt_value(argc, argv, &i), 1);
        else if (!strcmp(a, "--warmup-ms"))
            warmup_ns = parse_ms(a, opt_value(argc, argv, &i), 0);
        else if (!strcmp(a, "--timeout-ms"))
            timeout_ns = parse_ms(a, opt_value(argc, argv, &i), 1);
        else if (!strcmp(a, "--interval-ms"))
            interval_ns = parse_ms(a, opt_value(argc, argv, &i), 1);
        else if (!strcmp(a, "--method"))
            snprintf(method, sizeof method, "%s", opt_value(argc, argv, &i));
        else if (!strcmp(a, "--header")) {
            const char *h = opt_value(argc, argv, &i);
            if (!strchr(h, ':') || strpbrk(h, "\r\n"))
                die(EXIT_USAGE, "--header: '%s' is not 'Name: value'", h);
            size_t used = strlen(headers);
            if (used + strlen(h) + 3 > sizeof headers)
                die(EXIT_USAGE, "--header: too many headers");
            snprintf(headers + used, sizeof headers - used, "%s\r\n", h);
        } else if (!strcmp(a, "--body"))
            body = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--payload"))
            payload = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--payload-bytes"))
            payload_bytes = parse_u64(a, opt_value(argc, argv, &i), 1, 1 << 20);
        else if (!strcmp(a, "--response-bytes"))
            response_bytes = parse_u64(a, opt_value(argc, argv, &i), 1, 1ull << 40);
        else if (!strcmp(a, "--response-delim")) {
            const char *v = opt_value(argc, argv, &i);
            char d[64];
            if (strlen(v) >= sizeof d || unescape(a, v, d) != 1)
                die(EXIT_USAGE, "--response-delim: give exactly one byte (e.g. '\\n')");
            response_delim = (unsigned char)d[0];
        } else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }
    if (!have_target)
        die(EXIT_USAGE, "give a target: --url http://127.0.0.1:PORT/ or --tcp 127.0.0.1:PORT");
    if (closed_loop == have_rate)
        die(EXIT_USAGE, closed_loop ? "--closed and --rate exclude each other (closed loop sends as fast as answers come)"
                                    : "give --rate R (open loop, requests/s) or --closed");
    if (closed_loop && poisson)
        die(EXIT_USAGE, "--arrival poisson needs an open loop (--rate)");
    if (proto == PROTO_TCP && (body || strcmp(method, "GET") || headers[0]))
        die(EXIT_USAGE, "--method, --header and --body are for --url; TCP sends --payload");
    if (proto == PROTO_HTTP && (payload || payload_bytes))
        die(EXIT_USAGE, "--payload and --payload-bytes are for --tcp; HTTP sends --method/--header/--body");
    if (payload && payload_bytes)
        die(EXIT_USAGE, "--payload and --payload-bytes exclude each other");
    if (!threads_given)
        nthreads = ncpus ? ncpus : 1;
    if (nthreads > nconnections)
        die(EXIT_USAGE, "--threads %d is more than --connections %d: every thread needs a connection", nthreads, nconnections);

    if (proto == PROTO_HTTP) {
        head_request = !strcmp(method, "HEAD");
        size_t blen = body ? strlen(body) : 0;
        request = malloc(4096 + sizeof headers + sizeof path + blen);
        if (!request)
            die(EXIT_ENV, "out of memory");
        int n = sprintf(request, "%s %s HTTP/1.1\r\nHost: %s\r\n%s", method, path, host, headers);
        if (body)
            n += sprintf(request + n, "Content-Length: %zu\r\n", blen);
        n += sprintf(request + n, "\r\n");
        if (body)
            memcpy(request + n, body, blen);
        request_len = (size_t)n + blen;
    } else {
        if (payload_bytes) {
            request = malloc(payload_bytes);
            if (!request)
                die(EXIT_ENV, "out of memory");
            memset(request, 'x', payload_bytes - 1);
            request[payload_bytes - 1] = '\n';
            request_len = payload_bytes;
        } else {
            const char *p = payload ? payload : "ping\\n";
            request = malloc(strlen(p) + 1);
            request_len = unescape("--payload", p, request);
            if (!request_len)
                die(EXIT_USAGE, "--payload: empty");
        }
    }

    /* Many connections need many descriptors: take the hard limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct thread *th = calloc((size_t)nthreads, sizeof *th);
    struct conn *conns = calloc((size_t)nconnections, sizeof *conns);
    if (!th || !conns)
        die(EXIT_ENV, "out of memory");
    int nsteps = closed_loop ? 1 : nrates;
    uint64_t total = warmup_ns + (uint64_t)nsteps * duration_ns + timeout_ns;
    if (total / interval_ns + 1 > MAX_INTERVALS)
        interval_ns = ((total / MAX_INTERVALS + 1000000) / 1000000) * 1000000;
    nintervals = (unsigned)(total / interval_ns + 2);
    for (int i = 0, c = 0; i < nthreads; i++) {
        struct thread *t = &th[i];
        t->index = i;
        t->cpu = ncpus ? cpus[i % ncpus] : -1;
        t->nconns = nconnections / nthreads + (i < nconnections % nthreads);
        t->conns = conns + c;
        c += t->nconns;
        for (int k = 0; k < t->nconns; k++)
            t->conns[k].fd = -1;
        t->ep = epoll_create1(EPOLL_CLOEXEC);
        t->rbuf = malloc(RBUF);
        t->series = calloc(nintervals, sizeof *t->series);
        t->rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1) ^ now_ns();
        if (t->ep < 0 || !t->rbuf || !t->series)
            die(EXIT_ENV, "cannot set up thread %d: %s", i, strerror(errno));
        for (int s = 0; s < nsteps; s++)
            if (hist_init(&t->steps[s].latency, LAT_BITS) < 0 || hist_init(&t->steps[s].lag, LAT_BITS) < 0)
                die(EXIT_ENV, "out of memory");
    }
    pthread_barrier_init(&ready_barrier, NULL, (unsigned)nthreads + 1);
    pthread_barrier_init(&go_barrier, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        int err = pthread_create(&th[i].tid, NULL, thread_main, &th[i]);
        if (err)
            die(EXIT_ENV, "cannot create thread %d: %s", i, strerror(err));
    }
    pthread_barrier_wait(&ready_barrier);
    /* The schedule starts a little after every thread is released, so none starts behind. */
    t0 = now_ns() + 1000000;
    measure_start = t0 + warmup_ns;
    nphases = 0;
    if (warmup_ns)
        phases[nphases++] = (struct phase){ t0, measure_start, closed_loop ? 0 : rates[0], -1 };
    for (int s = 0; s < nsteps; s++) {
        uint64_t st = measure_start + (uint64_t)s * duration_ns;
        phases[nphases++] = (struct phase){ st, st + duration_ns, closed_loop ? 0 : rates[s], s };
    }
    sends_end = measure_start + (uint64_t)nsteps * duration_ns;
    drain_end = sends_end + timeout_ns;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    pthread_barrier_wait(&go_barrier);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i].tid, NULL);
    uint64_t wall = now_ns() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    uint64_t cpu = tv_ns(&ru1.ru_utime) + tv_ns(&ru1.ru_stime) - tv_ns(&ru0.ru_utime) - tv_ns(&ru0.ru_stime);
    report(th, wall, cpu);
    return interrupted ? 130 : 0;
}
