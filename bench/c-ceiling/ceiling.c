/*
 * ceiling.c - the "ceiling" for Panda's benchmarks: the smallest C server on
 * GNU libmicrohttpd 0.9.75 that answers the same bytes as the Swift
 * http-probe-server (bench/http-probe-server). Whatever Panda adds on top of
 * libmicrohttpd shows up as the distance to this server.
 *
 * Contract (shared with http-probe-server):
 *   ceiling --port 0 [--address 127.0.0.1]
 *   prints "listening on 127.0.0.1:<port>" once listening, serves until
 *   SIGTERM/SIGINT, exits 0.
 *   GET  /json       200 {"code":200,"message":"ok","data":{...}}
 *   POST /json       reads the whole body, same answer as GET /json
 *   GET  /events     SSE stream: ": connected\nretry: 5000\n\n", then every
 *                    broadcast as "data: <payload>\n\n"
 *   POST /broadcast  body = payload; answers {"streams":<count>}
 *   GET  /stats      {"streams":<open streams>}
 *   GET  PATH        with --serve PATH STATUS FILE (repeatable): STATUS and the
 *                    bytes of FILE as application/json, e.g. Panda's exact
 *                    answer of one of its routes, read once at start
 *
 * Build: cc -O2 -o ceiling ceiling.c -lmicrohttpd -lpthread
 *
 * Design notes (see /work/shared/DESIGN.md, "libmicrohttpd facts"):
 *  - MHD runs in external epoll mode, driven by the loop in main(): MHD_run(),
 *    then ppoll() MHD's epoll fd for readability (see run_once()). MHD's own internal epoll thread stalls
 *    when one epoll_wait returns exactly 128 events (it waits again with an
 *    infinite timeout before handling them), which 10,000 SSE streams can hit;
 *    in external mode MHD_run's inner epoll_wait has a zero timeout.
 *  - Responses are queued on the 2nd handler call, never the 1st: queueing
 *    on the 1st call makes MHD answer "Connection: close".
 *  - An SSE reader with nothing to send suspends its connection; a broadcast
 *    resumes it. Reader and broadcaster share one mutex and a `suspended`
 *    flag, and only a suspended connection is resumed. (Here both run on the
 *    MHD thread, so the mutex is uncontended; it keeps the code correct if a
 *    broadcast ever comes from another thread.)
 *  - MHD 0.9.75 drops MHD_USE_ITC in external mode (daemon.c: "useless if we
 *    are using 'external' select"), so MHD_resume_connection() does NOT wake
 *    the loop, and MHD_get_timeout() does not know about it either. MHD only
 *    picks resumed connections up at the start of the next MHD_run(). Hence
 *    `resume_pending`: whoever resumes sets it and the loop runs MHD again
 *    at once. All resumes here happen on the loop's own thread (inside the
 *    /broadcast handler, or at shutdown); a resume from another thread would
 *    also need its own wake-up fd (e.g. an eventfd polled next to MHD's).
 *  - MHD_stop_daemon() with a suspended connection aborts, so shutdown first
 *    finishes and resumes every stream and waits until they are all freed.
 */
#define _GNU_SOURCE
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <time.h>

static const char JSON_BODY[] =
    "{\"code\":200,\"message\":\"ok\",\"data\":{\"service\":\"panda\",\"status\":\"UP\"}}";
static const char JSON_TYPE[] = "application/json; charset=utf-8";
static const char SSE_PREAMBLE[] = ": connected\nretry: 5000\n\n";
#define MAX_PAYLOAD 4096

/* ---------------------------------------------------------------- SSE */

/* One open /events stream. Owned by its MHD response; freed by stream_free()
 * when MHD destroys the response (connection closed or stream finished). */
struct stream {
    struct stream *prev, *next;    /* in `streams`, under `lock` */
    struct MHD_Connection *conn;
    char *buf;                     /* bytes not yet handed to MHD */
    size_t len, cap;
    int suspended;                 /* reader suspended the connection */
    int finished;                  /* end the stream once buf is drained */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stream *streams;     /* all open streams */
static unsigned stream_count;
static int shutting_down;          /* no new streams once set */
static int resume_pending;         /* a connection was resumed: run MHD again */

/* Appends to s->buf. Caller holds `lock`. */
static int stream_append(struct stream *s, const char *p, size_t n)
{
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return -1;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* Wakes a stream that waits for data. Caller holds `lock`. */
static void stream_wake(struct stream *s)
{
    if (s->suspended) {
        s->suspended = 0;
        MHD_resume_connection(s->conn);
        resume_pending = 1;
    }
}

/* MHD content reader: hand out pending bytes; with none, suspend instead of
 * returning 0 (returning 0 without suspending makes MHD spin on a core). */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct stream *s = cls;
    ssize_t n;
    (void)pos;

    pthread_mutex_lock(&lock);
    if (s->len > 0) {
        n = (ssize_t)(s->len < max ? s->len : max);
        memcpy(out, s->buf, (size_t)n);
        memmove(s->buf, s->buf + n, s->len - (size_t)n);
        s->len -= (size_t)n;
    } else if (s->finished) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        s->suspended = 1;
        MHD_suspend_connection(s->conn);
        n = 0;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;

    pthread_mutex_lock(&lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    stream_count--;
    pthread_mutex_unlock(&lock);
    free(s->buf);
    free(s);
}

/* Sends "data: <payload>\n\n" to every stream; returns the stream count. */
static unsigned broadcast(const char *payload, size_t n)
{
    char event[MAX_PAYLOAD + 16];
    size_t len = 0;
    unsigned count;

    memcpy(event, "data: ", 6);
    len = 6;
    memcpy(event + len, payload, n);
    len += n;
    memcpy(event + len, "\n\n", 2);
    len += 2;

    pthread_mutex_lock(&lock);
    for (struct stream *s = streams; s; s = s->next) {
        if (s->finished)
            continue;
        if (stream_append(s, event, len) == 0)
            stream_wake(s);
    }
    count = stream_count;
    pthread_mutex_unlock(&lock);
    return count;
}

static enum MHD_Result open_stream(struct MHD_Connection *conn)
{
    struct stream *s = calloc(1, sizeof *s);
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (!s)
        return MHD_NO;
    s->conn = conn;
    if (stream_append(s, SSE_PREAMBLE, sizeof SSE_PREAMBLE - 1) != 0) {
        free(s);
        return MHD_NO;
    }
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read,
                                          s, stream_free);
    if (!r) {
        free(s->buf);
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");

    pthread_mutex_lock(&lock);
    s->next = streams;
    if (streams)
        streams->prev = s;
    streams = s;
    stream_count++;
    pthread_mutex_unlock(&lock);

    ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r); /* the connection holds its own reference */
    return ret;
}

/* ---------------------------------------------------------------- HTTP */

static struct MHD_Response *json_ok;    /* shared, reused for every /json */

/* --serve PATH STATUS FILE: fixed answers, built once, shared by every request. */
#define MAX_SERVED 16
static struct served {
    const char *path;
    unsigned status;
    struct MHD_Response *response;
} served[MAX_SERVED];
static int served_count;

static int add_served(const char *path, const char *status, const char *file)
{
    FILE *f = fopen(file, "rb");
    char *bytes = NULL;
    long n;

    if (served_count == MAX_SERVED || !f)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(bytes = malloc((size_t)n + 1)) || fread(bytes, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(bytes);
        return -1;
    }
    fclose(f);
    served[served_count].path = path;
    served[served_count].status = (unsigned)atoi(status);
    served[served_count].response =
        MHD_create_response_from_buffer((size_t)n, bytes, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(served[served_count].response, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_TYPE);
    served_count++;
    return 0;
}

/* Per-request state in *req_cls. Most requests only need to know that the
 * first call has happened; /broadcast also collects its body. */
static int seen_marker;
struct body {
    size_t len;
    int too_large;
    char data[MAX_PAYLOAD];
};

static enum MHD_Result answer_json(struct MHD_Connection *conn, unsigned status,
                                   const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_TYPE);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **req_cls)
{
    int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    int is_broadcast = is_post && strcmp(url, "/broadcast") == 0;
    char text[64];
    (void)cls;
    (void)version;

    /* 1st call: headers only. Answering now would cost keep-alive. */
    if (*req_cls == NULL) {
        if (is_broadcast) {
            struct body *b = calloc(1, sizeof *b);
            if (!b)
                return MHD_NO;
            *req_cls = b;
        } else {
            *req_cls = &seen_marker;
        }
        return MHD_YES;
    }

    /* Body chunks: consume them (keep them for /broadcast). */
    if (*upload_size > 0) {
        if (is_broadcast) {
            struct body *b = *req_cls;
            if (b->len + *upload_size <= sizeof b->data) {
                memcpy(b->data + b->len, upload, *upload_size);
                b->len += *upload_size;
            } else {
                b->too_large = 1;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }

    /* Final call: the whole request is in. */
    if (strcmp(url, "/json") == 0 && (is_get || is_post))
        return MHD_queue_response(conn, MHD_HTTP_OK, json_ok);

    for (int i = 0; is_get && i < served_count; i++)
        if (strcmp(url, served[i].path) == 0)
            return MHD_queue_response(conn, served[i].status, served[i].response);

    if (is_get && strcmp(url, "/events") == 0) {
        if (shutting_down)
            return answer_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                               "{\"error\":\"shutting down\"}");
        return open_stream(conn);
    }

    if (is_broadcast) {
        struct body *b = *req_cls;
        size_t n = b->len;
        if (b->too_large)
            return answer_json(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                               "{\"error\":\"payload too large\"}");
        while (n > 0 && (b->data[n - 1] == '\n' || b->data[n - 1] == '\r'))
            n--;
        snprintf(text, sizeof text, "{\"streams\":%u}", broadcast(b->data, n));
        return answer_json(conn, MHD_HTTP_OK, text);
    }

    if (is_get && strcmp(url, "/stats") == 0) {
        pthread_mutex_lock(&lock);
        snprintf(text, sizeof text, "{\"streams\":%u}", stream_count);
        pthread_mutex_unlock(&lock);
        return answer_json(conn, MHD_HTTP_OK, text);
    }

    return answer_json(conn, MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}");
}

static void request_completed(void *cls, struct MHD_Connection *conn,
                              void **req_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    if (*req_cls && *req_cls != &seen_marker)
        free(*req_cls);
    *req_cls = NULL;
}

/* ---------------------------------------------------------------- main */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: ceiling --port PORT [--address 127.0.0.1] "
                    "[--turbo] [--connection-limit N] [--serve PATH STATUS FILE]...\n");
    exit(2);
}

/* One turn of the event loop: let MHD process what is ready, then sleep
 * until MHD's epoll fd becomes readable (at most `max_ms`, and no longer than
 * MHD's own timeout).
 *  - MHD_run() is repeated while it resumed connections (see the top note).
 *  - MHD_run() comes first because MHD adds the listen socket to its epoll
 *    set only inside MHD_run(); waiting first would sleep forever.
 *  - The wait must be ppoll() on the epoll fd (or a second epoll containing
 *    it), never epoll_wait() on it: MHD registers connections edge-triggered,
 *    so an epoll_wait() here would consume the edge and MHD_run() would
 *    never see it. The next MHD_run() collects the events itself, with a
 *    zero-timeout epoll_wait.
 *  - SIGINT/SIGTERM are blocked except inside ppoll(), so a signal can never
 *    slip in between checking `stop_requested` and going to sleep. */
static void run_once(struct MHD_Daemon *d, int epfd, int max_ms,
                     const sigset_t *wait_mask)
{
    struct pollfd p = { .fd = epfd, .events = POLLIN };
    MHD_UNSIGNED_LONG_LONG to;
    long long timeout = max_ms;
    struct timespec ts;
    int again;

    do {
        MHD_run(d);
        pthread_mutex_lock(&lock);
        again = resume_pending;
        resume_pending = 0;
        pthread_mutex_unlock(&lock);
    } while (again);
    if (MHD_get_timeout(d, &to) == MHD_YES && (timeout < 0 || to < (unsigned long long)timeout))
        timeout = (long long)to;
    ts.tv_sec = timeout / 1000;
    ts.tv_nsec = (timeout % 1000) * 1000000L;
    (void)ppoll(&p, 1, timeout < 0 ? NULL : &ts, wait_mask);
}

int main(int argc, char **argv)
{
    unsigned port = 0, conn_limit = 20000;
    const char *address = "127.0.0.1";
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct sockaddr_in sa;
    struct rlimit rl;
    struct sigaction act;
    sigset_t block, wait_mask;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    int epfd;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--connection-limit") == 0 && i + 1 < argc)
            conn_limit = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--turbo") == 0)
            flags |= MHD_USE_TURBO;
        else if (strcmp(argv[i], "--serve") == 0 && i + 3 < argc) {
            if (add_served(argv[i + 1], argv[i + 2], argv[i + 3]) != 0) {
                fprintf(stderr, "ceiling: cannot serve %s from %s\n", argv[i + 1], argv[i + 3]);
                return 2;
            }
            i += 3;
        }
        else
            usage();
    }

    /* 10,000 streams need 10,000 descriptors: soft limit up to the hard one. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        fprintf(stderr, "ceiling: bad IPv4 address %s\n", address);
        return 2;
    }

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &wait_mask);
    sigdelset(&wait_mask, SIGINT);
    sigdelset(&wait_mask, SIGTERM);
    memset(&act, 0, sizeof act);
    act.sa_handler = on_signal;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    signal(SIGPIPE, SIG_IGN);

    json_ok = MHD_create_response_from_buffer(sizeof JSON_BODY - 1, (void *)JSON_BODY,
                                              MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(json_ok, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_TYPE);

    d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_CONNECTION_LIMIT, conn_limit,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
                         MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "ceiling: MHD_start_daemon failed\n");
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    port = info ? info->port : port;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    epfd = info->epoll_fd;

    printf("listening on %s:%u\n", address, port);
    fflush(stdout);

    while (!stop_requested)
        run_once(d, epfd, -1, &wait_mask);

    /* Shutdown: refuse new streams, end every open one and wake it so MHD
     * can finish it, then wait (bounded) until all are freed. */
    pthread_mutex_lock(&lock);
    shutting_down = 1;
    for (struct stream *s = streams; s; s = s->next) {
        s->finished = 1;
        stream_wake(s);
    }
    pthread_mutex_unlock(&lock);

    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pthread_mutex_lock(&lock);
        unsigned left = stream_count;
        pthread_mutex_unlock(&lock);
        if (left == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= 5) {
            /* A peer that stopped reading keeps its stream; stopping now would
             * abort on a suspended connection only if one is still suspended,
             * and none is (all were resumed above). */
            fprintf(stderr, "ceiling: %u streams still open at shutdown\n", left);
            break;
        }
        run_once(d, epfd, 50, &wait_mask);
    }
    MHD_run(d);
    MHD_stop_daemon(d);
    MHD_destroy_response(json_ok);
    for (int i = 0; i < served_count; i++)
        MHD_destroy_response(served[i].response);
    return 0;
}
