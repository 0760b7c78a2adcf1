/* cgbench-echo: a server whose service time is known, for measuring the load generator and services
 * under limits: each request (a line, or an HTTP request's head) costs W us of the serving thread's
 * own CPU (so a quota stretches it) and/or S us of sleep, then is answered (the line echoed, or a
 * small 200). One epoll thread per --threads, each with its own SO_REUSEPORT socket. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common.h"

#define BUF 8192
static const char HTTP_OK[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";

struct client {
    int fd;
    size_t len;
    char buf[BUF];
};

static uint64_t work_us, sleep_us, nthreads = 1;
static int http;
static struct sockaddr_in addr;
static uint64_t served[1024];

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts_to_ns(&ts);
}

/* The request's cost: CPU spun on the thread's own clock (which stops while the group is throttled,
 * so each request really needs W us of CPU), then the sleep. */
static void serve_one(void)
{
    if (work_us) {
        uint64_t until = thread_cpu_ns() + work_us * 1000;
        do {
            for (unsigned i = 0; i < 256; i++)
                __asm__ volatile("" : : "r"(i) : "memory");
        } while (thread_cpu_ns() < until);
    }
    if (sleep_us) {
        struct timespec ts = ns_to_ts(sleep_us * 1000);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            /* a client that does not read its answers: wait for room rather than drop bytes */
            struct timespec ts = { 0, 100000 };
            nanosleep(&ts, NULL);
            continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Answers every complete request in the buffer; keeps a partial one. -1 closes the connection. */
static int drain(struct client *c, uint64_t *count)
{
    size_t off = 0;
    for (;;) {
        char *end;
        size_t used;
        if (http) {
            end = memmem(c->buf + off, c->len - off, "\r\n\r\n", 4);
            used = end ? (size_t)(end - (c->buf + off)) + 4 : 0;
        } else {
            end = memchr(c->buf + off, '\n', c->len - off);
            used = end ? (size_t)(end - (c->buf + off)) + 1 : 0;
        }
        if (!end)
            break;
        serve_one();
        if (http ? send_all(c->fd, HTTP_OK, sizeof HTTP_OK - 1) : send_all(c->fd, c->buf + off, used))
            return -1;
        (*count)++;
        off += used;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return c->len == BUF ? -1 : 0; /* a request larger than the buffer is refused */
}

static int listen_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        die(EXIT_ENV, "socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die(EXIT_USAGE, "cannot listen on %s:%d: %s", inet_ntoa(addr.sin_addr), ntohs(addr.sin_port), strerror(errno));
    if (listen(fd, 1024) < 0)
        die(EXIT_ENV, "listen: %s", strerror(errno));
    return fd;
}

static void *serve(void *arg)
{
    uintptr_t index = (uintptr_t)arg;
    int lfd = listen_socket();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            struct client *c = evs[i].data.ptr;
            if (!c) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                    continue;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                c = calloc(1, sizeof *c);
                if (!c) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                continue;
            }
            ssize_t r = recv(c->fd, c->buf + c->len, BUF - c->len, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || (c->len += (size_t)r, drain(c, &served[index])) < 0) {
                close(c->fd);
                free(c);
            }
        }
    }
    return NULL;
}

static void usage(void)
{
    printf("usage: cgbench-echo [--listen ADDR:PORT] [--threads N] [--work-us W] [--sleep-us S] [--http]\n"
           "  Serves on ADDR:PORT (default 127.0.0.1:0: a free port, printed on stderr as\n"
           "  'cgbench-echo: listening on ADDR:PORT'). Each request costs W us of the thread's CPU (default 0)\n"
           "  and S us of sleep (default 0) on one of N threads (default 1): a line is echoed back, or with\n"
           "  --http any request head gets a 3-byte 200. On SIGTERM or SIGINT prints one JSON line:\n"
           "  workload, wall_ns, cpu_ns, ops (requests answered), threads, work_us, sleep_us; exits 0.\n");
    exit(0);
}

int main(int argc, char **argv)
{
    prog_name = "cgbench-echo";
    const char *listen_at = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help"))
            usage();
        else if (!strcmp(a, "--listen"))
            listen_at = opt_value(argc, argv, &i);
        else if (!strcmp(a, "--threads"))
            nthreads = parse_u64(a, opt_value(argc, argv, &i), 1, 1024);
        else if (!strcmp(a, "--work-us"))
            work_us = parse_u64(a, opt_value(argc, argv, &i), 0, 10000000);
        else if (!strcmp(a, "--sleep-us"))
            sleep_us = parse_u64(a, opt_value(argc, argv, &i), 0, 10000000);
        else if (!strcmp(a, "--http"))
            http = 1;
        else
            die(EXIT_USAGE, "unknown option '%s' (try --help)", a);
    }
    const char *colon = strrchr(listen_at, ':');
    char host[64];
    if (!colon || (size_t)(colon - listen_at) >= sizeof host)
        die(EXIT_USAGE, "--listen: '%s' is not ADDR:PORT", listen_at);
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen_at), listen_at);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)parse_u64("--listen", colon + 1, 0, 65535));
    if (inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host, &addr.sin_addr) != 1)
        die(EXIT_USAGE, "--listen: '%s' is not an IPv4 address", host);

    /* Port 0: the first socket picks a free port, the others share it (SO_REUSEPORT). */
    if (addr.sin_port == 0) {
        int fd = listen_socket();
        socklen_t len = sizeof addr;
        getsockname(fd, (struct sockaddr *)&addr, &len);
        close(fd);
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    uint64_t c0 = process_cpu_ns(), t0 = now_ns();
    for (uint64_t t = 0; t < nthreads; t++) {
        pthread_t tid;
        int err = pthread_create(&tid, NULL, serve, (void *)(uintptr_t)t);
        if (err)
            die(EXIT_ENV, "cannot create thread: %s", strerror(err));
    }
    /* Ready once every thread's socket listens: connect to each would be racy, so wait for the port to
     * accept (the first socket alone is enough for a client; the rest share the load as they come). */
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
        close(fd);
        if (ok)
            break;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "cgbench-echo: listening on %s:%d\n", inet_ntoa(addr.sin_addr), ntohs(addr.sin_port));
    int sig;
    sigwait(&stop, &sig);
    uint64_t ops = 0;
    for (uint64_t t = 0; t < nthreads; t++)
        ops += __atomic_load_n(&served[t], __ATOMIC_RELAXED);
    struct json j;
    json_begin(&j);
    json_str(&j, "workload", "echo");
    json_u64(&j, "wall_ns", now_ns() - t0);
    json_u64(&j, "cpu_ns", process_cpu_ns() - c0);
    json_u64(&j, "ops", ops);
    json_u64(&j, "threads", nthreads);
    json_u64(&j, "work_us", work_us);
    json_u64(&j, "sleep_us", sleep_us);
    json_end(&j);
    json_print(&j);
    return 0;
}
