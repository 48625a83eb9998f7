/*
 * sse_load.c - SSE fan-out load client for Panda's benchmarks.
 *
 *   sse_load --port P --streams N --events K [--pid PID] [--window W]
 *            [--connect-timeout S] [--event-timeout S]
 *
 * --payload-bytes B pads each broadcast to about B bytes (to match the size of
 * real events). Opens N concurrent "GET /events" streams to 127.0.0.1:P (HTTP/1.1,
 * keep-alive) and measures:
 *   - connect-all time: from the first connect() until every stream has
 *     received its "retry: 5000" preamble line;
 *   - server RSS per stream (with --pid): VmRSS of PID before connecting and
 *     after all streams are connected, difference / N;
 *   - fan-out delay: K times, POST /broadcast with payload = CLOCK_MONOTONIC
 *     nanoseconds at send time, wait until all N streams have the event (or
 *     --event-timeout), and record receipt - send for each stream.
 * Prints a human-readable report and one machine-readable "RESULT k=v ..."
 * line. Never asserts: missing events and failed streams are counted.
 *
 *   sse_load --port P --streams N --follow PATH [--pid PID] [--event-timeout S]
 *
 * Follow mode: the N streams subscribe to PATH (one real deployment's events on
 * Panda) instead of /events, and nothing is broadcast: the server publishes by
 * itself. An event's send time is the time in its `id:`, a UUIDv7 (RFC 9562:
 * Unix milliseconds plus a 12-bit fraction of a millisecond, CLOCK_REALTIME),
 * and receipt is CLOCK_REALTIME on arrival. Only events published after every
 * stream was connected count (the rest is history replayed on connect). Ends
 * when every stream has had its `done`/`error` event, or after
 * --event-timeout seconds.
 *
 * Follow mode also prints the live events' publish offsets (ms after the first,
 * `offsets_ms=0,3,4,...` in RESULT). Broadcast mode with --schedule-ms LIST sends
 * broadcast i at that offset after the first instead of after the previous
 * fan-out: the ceiling then gets events at the pace a deployment published them
 * (bursts included), and a broadcast may overtake the last one's fan-out.
 *
 * It is single-threaded and cheap on purpose (it shares the machine's cores
 * with the server): one level-triggered epoll loop, reads into one shared
 * buffer, a small per-stream state machine (HTTP headers, chunked
 * transfer decoding, SSE lines), no per-event allocation.
 * Only ever connects to 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR_MAX 4096   /* response header bytes we accept per stream */
#define LINE_MAX 512   /* longest SSE line we keep (payload <= 256 bytes) */
#define BROADCAST_ID UINT32_MAX

/* Per-stream parse state. */
enum conn_state { C_CONNECTING, C_HEADERS, C_BODY, C_DEAD };
enum chunk_state { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_CR };

struct conn {
    int fd;
    enum conn_state state;
    int chunked;                 /* Transfer-Encoding: chunked */
    int connected;               /* preamble ("retry:") received */
    enum chunk_state ch;
    uint64_t ch_left;            /* bytes left in the current chunk */
    char *hdr;                   /* header bytes until "\r\n\r\n" */
    size_t hdr_len;
    uint16_t line_len;
    char line[LINE_MAX];
    int32_t last_event;          /* index of the last event received */
    uint64_t frame_sent_rt;      /* follow mode: send time of the frame being read */
    int32_t live_frames;         /* follow mode: live events received */
    int ended;                   /* follow mode: its done/error event arrived */
};

static struct conn *conns;
static int nconns, window = 256, epfd;
static int port;
static int connected_count, dead_count, inflight;

/* Current broadcast round. */
static int cur_event = -1;
static uint64_t cur_sent_ns;
static int cur_received;
/* Every broadcast's send time (its payload), by index; deliveries are matched on it. */
static uint64_t sent_ns[256];
static int nsent;
static size_t received_total;
static uint64_t *delays;         /* ns, one per (event, stream) received */
static size_t ndelays;
static uint64_t stray_events;    /* data lines that matched no current event */

/* Follow mode. */
static const char *follow_path;  /* NULL: broadcast mode */
static uint64_t live_from_rt;    /* events sent after this (realtime ns) are live */
static int ended_count;
static size_t delay_capacity;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_rt_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Send time in a UUIDv7 "xxxxxxxx-xxxx-7fff-..." (realtime ns), 0 if it is not one. */
static uint64_t uuid7_time_ns(const char *p, size_t n)
{
    uint64_t ms = 0, frac = 0;
    int digits = 0;
    if (n < 36 || p[14] != '7')
        return 0;
    for (size_t i = 0; i < 18 && digits < 15; i++) {
        char ch = p[i];
        int v = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : -1;
        if (ch == '-')
            continue;
        if (v < 0)
            return 0;
        if (digits < 12)
            ms = ms * 16 + (uint64_t)v;
        else if (digits > 12)
            frac = frac * 16 + (uint64_t)v; /* digit 12 is the version */
        digits++;
    }
    return ms * 1000000ull + frac * 1000000ull / 4096;
}

/* Follow mode: publish times (CLOCK_REALTIME ns) of the distinct live events, in order. */
#define MAX_EVENTS 256
static uint64_t published_rt[MAX_EVENTS];
static int npublished;

static void note_published(uint64_t sent_rt)
{
    for (int i = npublished - 1; i >= 0; i--)
        if (published_rt[i] == sent_rt)
            return;
    if (npublished < MAX_EVENTS)
        published_rt[npublished++] = sent_rt;
}

static void on_follow_line(struct conn *c, const char *l, size_t n)
{
    if (n >= 3 && memcmp(l, "id:", 3) == 0) {
        size_t skip = 3 + (n > 3 && l[3] == ' ');
        c->frame_sent_rt = uuid7_time_ns(l + skip, n - skip);
    } else if (n >= 6 && memcmp(l, "event:", 6) == 0) {
        const char *v = l + 6 + (n > 6 && l[6] == ' ');
        if (!c->ended && (strncmp(v, "done", 4) == 0 || strncmp(v, "error", 5) == 0)) {
            c->ended = 1;
            ended_count++;
        }
    } else if (n >= 5 && memcmp(l, "data:", 5) == 0) {
        if (live_from_rt && c->frame_sent_rt >= live_from_rt && ndelays < delay_capacity) {
            uint64_t t = now_rt_ns();
            delays[ndelays++] = t > c->frame_sent_rt ? t - c->frame_sent_rt : 0;
            c->live_frames++;
            note_published(c->frame_sent_rt);
        }
    }
}

static long rss_kib(int pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    if (pid <= 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

static struct sockaddr_in server_addr(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

/* ------------------------------------------------------------ streams */

static void conn_kill(struct conn *c)
{
    if (c->state == C_DEAD)
        return;
    if (!c->connected)
        inflight--; /* it was still counted as a handshake in flight */
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->hdr);
    c->hdr = NULL;
    c->state = C_DEAD;
    dead_count++;
}

static int conn_open(int i)
{
    struct conn *c = &conns[i];
    struct sockaddr_in sa = server_addr();
    struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i };

    memset(c, 0, sizeof *c);
    c->last_event = -1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        c->state = C_DEAD;
        dead_count++;
        return -1;
    }
    c->state = C_CONNECTING;
    inflight++;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
        conn_kill(c);
        return -1;
    }
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    return 0;
}

/* One complete SSE line (without "\n"). */
static void on_line(struct conn *c, uint64_t t)
{
    const char *l = c->line;
    size_t n = c->line_len;

    if (n >= 6 && memcmp(l, "retry:", 6) == 0) {
        if (!c->connected) {
            c->connected = 1;
            connected_count++;
            inflight--;
        }
    } else if (follow_path) {
        on_follow_line(c, l, n);
    } else if (n >= 5 && memcmp(l, "data:", 5) == 0) {
        uint64_t sent = strtoull(l + 5 + (n > 5 && l[5] == ' '), NULL, 10);
        int e = -1;
        for (int i = nsent - 1; i >= 0; i--)
            if (sent_ns[i] == sent) { e = i; break; }
        if (e >= 0 && e > c->last_event && ndelays < delay_capacity) {
            c->last_event = e;
            delays[ndelays++] = t - sent;
            if (e == cur_event)
                cur_received++;
            received_total++;
        } else {
            stray_events++;
        }
    }
}

/* SSE body bytes (after transfer decoding). */
static void on_body(struct conn *c, const char *p, size_t n, uint64_t t)
{
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\n') {
            if (c->line_len > 0 && c->line[c->line_len - 1] == '\r')
                c->line_len--;
            on_line(c, t);
            c->line_len = 0;
        } else if (c->line_len < LINE_MAX) {
            c->line[c->line_len++] = ch;
        }
    }
}

/* Transfer decoding: raw or chunked. Returns -1 at end of stream. */
static int on_payload(struct conn *c, const char *p, size_t n, uint64_t t)
{
    if (!c->chunked) {
        on_body(c, p, n, t);
        return 0;
    }
    size_t i = 0;
    while (i < n) {
        char ch = p[i];
        switch (c->ch) {
        case CH_SIZE:
        case CH_EXT:
            i++;
            if (ch == '\n') {
                if (c->ch_left == 0)
                    return -1; /* last chunk: the server ended the stream */
                c->ch = CH_DATA;
            } else if (c->ch == CH_SIZE && ch != '\r') {
                int v = (ch >= '0' && ch <= '9') ? ch - '0'
                      : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                      : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
                if (v < 0)
                    c->ch = CH_EXT; /* ';' extensions or junk */
                else
                    c->ch_left = c->ch_left * 16 + (uint64_t)v;
            }
            break;
        case CH_DATA: {
            size_t take = n - i < c->ch_left ? n - i : (size_t)c->ch_left;
            on_body(c, p + i, take, t);
            i += take;
            c->ch_left -= take;
            if (c->ch_left == 0)
                c->ch = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            i++;
            if (ch == '\n')
                c->ch = CH_SIZE;
            break;
        }
    }
    return 0;
}

/* Response headers; returns bytes consumed or -1 on a bad response. */
static long on_headers(struct conn *c, const char *p, size_t n, uint64_t t)
{
    size_t take = n < HDR_MAX - c->hdr_len ? n : HDR_MAX - c->hdr_len;
    char *end;

    if (!c->hdr && !(c->hdr = malloc(HDR_MAX + 1)))
        return -1;
    memcpy(c->hdr + c->hdr_len, p, take);
    c->hdr_len += take;
    c->hdr[c->hdr_len] = 0;
    end = strstr(c->hdr, "\r\n\r\n");
    if (!end)
        return c->hdr_len >= HDR_MAX ? -1 : (long)n;
    if (strncmp(c->hdr, "HTTP/1.1 200", 12) != 0 && strncmp(c->hdr, "HTTP/1.0 200", 12) != 0)
        return -1;
    *end = 0;
    for (char *h = strstr(c->hdr, "\r\n"); h; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "transfer-encoding:", 18) == 0 && strcasestr(h + 20, "chunked"))
            c->chunked = 1;
    /* bytes of this read that belong to the body */
    size_t hdr_total = (size_t)(end - c->hdr) + 4;
    size_t body_from = take - (c->hdr_len - hdr_total);
    free(c->hdr);
    c->hdr = NULL;
    c->state = C_BODY;
    if (on_payload(c, p + body_from, n - body_from, t) < 0)
        return -1;
    return (long)n;
}

static void conn_io(struct conn *c, uint32_t events)
{
    static char buf[65536];
    static char req[1024];
    static size_t req_len;
    if (!req_len)
        req_len = (size_t)snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Accept: text/event-stream\r\n\r\n",
                                   follow_path ? follow_path : "/events");

    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || send(c->fd, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len) {
            conn_kill(c);
            return;
        }
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)(c - conns) };
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        c->state = C_HEADERS;
        return;
    }
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            conn_kill(c);
            return;
        }
        uint64_t t = now_ns();
        int bad = c->state == C_HEADERS ? on_headers(c, buf, (size_t)n, t) < 0
                                        : on_payload(c, buf, (size_t)n, t) < 0;
        if (bad) {
            conn_kill(c);
            return;
        }
        if ((size_t)n < sizeof buf)
            return; /* drained; level-triggered epoll reports the rest */
    }
}

/* ---------------------------------------------------------- broadcast */

/* The /broadcast connection: blocking writes (tiny requests), response read
 * inside the epoll loop so stream reads are never held up by it. */
static int bc_fd = -1;
static char bc_buf[4096];
static size_t bc_len;
static int bc_pending;           /* a response is outstanding */
static long bc_last_streams = -1;
static int bc_errors;

static int bc_open(void)
{
    struct sockaddr_in sa = server_addr();
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = BROADCAST_ID };
    int one = 1;

    bc_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bc_fd < 0 || connect(bc_fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (bc_fd >= 0)
            close(bc_fd);
        bc_fd = -1;
        return -1;
    }
    setsockopt(bc_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(bc_fd, F_SETFL, fcntl(bc_fd, F_GETFL) | O_NONBLOCK);
    epoll_ctl(epfd, EPOLL_CTL_ADD, bc_fd, &ev);
    bc_len = 0;
    bc_pending = 0;
    return 0;
}

static void bc_close(void)
{
    if (bc_fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, bc_fd, NULL);
        close(bc_fd);
    }
    bc_fd = -1;
}

static int payload_bytes;        /* --payload-bytes: pad broadcasts to about this size */

/* Sends one broadcast; the payload is the send time (then padding). */
static int bc_send(uint64_t *sent)
{
    char req[4400];
    char body[4096];
    int blen, rlen;

    if (bc_pending) { /* previous response never came: start over */
        bc_close();
        bc_errors++;
    }
    if (bc_fd < 0 && bc_open() != 0)
        return -1;
    *sent = now_ns();
    blen = snprintf(body, sizeof body, "%llu", (unsigned long long)*sent);
    if (blen < payload_bytes)
        body[blen++] = ' ';
    while (blen < payload_bytes && blen < (int)sizeof body - 1)
        body[blen++] = 'x';
    body[blen] = 0;
    rlen = snprintf(req, sizeof req,
                    "POST /broadcast HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
                    blen, body);
    if (send(bc_fd, req, (size_t)rlen, MSG_NOSIGNAL) != rlen) {
        bc_close();
        return -1;
    }
    bc_pending = 1;
    if (nsent < (int)(sizeof sent_ns / sizeof *sent_ns))
        sent_ns[nsent++] = *sent;
    return 0;
}

/* Reads the /broadcast response ({"streams":N}, Content-Length framed). */
static void bc_io(void)
{
    for (;;) {
        ssize_t n = recv(bc_fd, bc_buf + bc_len, sizeof bc_buf - 1 - bc_len, 0);
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            bc_close();
            if (bc_pending)
                bc_errors++;
            return;
        }
        bc_len += (size_t)n;
    }
    bc_buf[bc_len] = 0;
    char *end = strstr(bc_buf, "\r\n\r\n");
    if (!end)
        return;
    char *cl = strcasestr(bc_buf, "content-length:");
    size_t body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t total = (size_t)(end - bc_buf) + 4 + body_len;
    if (bc_len < total)
        return;
    if (strncmp(bc_buf + 9, "200", 3) != 0)
        bc_errors++;
    char *s = strstr(end, "\"streams\":");
    bc_last_streams = s ? strtol(s + 10, NULL, 10) : -1;
    memmove(bc_buf, bc_buf + total, bc_len - total);
    bc_len -= total;
    bc_pending = 0;
}

/* ---------------------------------------------------------------- main */

static void loop_once(int timeout_ms)
{
    struct epoll_event ev[512];
    int n = epoll_wait(epfd, ev, 512, timeout_ms);
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u32 == BROADCAST_ID)
            bc_io();
        else
            conn_io(&conns[ev[i].data.u32], ev[i].events);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static void close_all(void)
{
    /* Close with RST (linger 0) so 10,000 client sockets do not sit in
     * TIME_WAIT holding ephemeral ports for the next run. */
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    for (int i = 0; i < nconns; i++)
        if (conns[i].state != C_DEAD) {
            setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(conns[i].fd);
            free(conns[i].hdr);
        }
}

/* What connecting every stream measured; every mode reports it. */
struct setup {
    int connected;
    uint64_t connect_ns;
    long rss_before, rss_after;
    double rss_per_stream;
};

struct spread {
    double p50, p99, max; /* ms */
};

/* Sorts the recorded delays and reads their p50, p99 and maximum. */
static struct spread delay_spread(void)
{
    qsort(delays, ndelays, sizeof *delays, cmp_u64);
    return (struct spread){ pct_ms(delays, ndelays, 0.50), pct_ms(delays, ndelays, 0.99),
                            ndelays ? (double)delays[ndelays - 1] / 1e6 : 0 };
}

/* The machine-readable line every mode ends with; `extra` (" key=value") is appended. */
static void print_result(const struct setup *s, int events, size_t expected, int timeouts, int errors,
                         struct spread d, const char *extra)
{
    printf("RESULT streams=%d connected=%d connect_ms=%.1f rss_before_kib=%ld "
           "rss_after_kib=%ld rss_per_stream_kib=%.2f events=%d delivered=%zu "
           "expected=%zu timeouts=%d errors=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f%s\n",
           nconns, s->connected, (double)s->connect_ns / 1e6, s->rss_before, s->rss_after, s->rss_per_stream,
           events, ndelays, expected, timeouts, errors, d.p50, d.p99, d.max, extra);
    fflush(stdout);
}

/* Follow mode after connecting: read until every stream has ended (or timeout). */
static int follow(const struct setup *setup, double timeout)
{
    int connected = setup->connected;
    live_from_rt = now_rt_ns();
    uint64_t deadline = now_ns() + (uint64_t)(timeout * 1e9);
    while (connected > 0 && ended_count < connected && now_ns() < deadline) {
        int open = 0;
        for (int i = 0; i < nconns; i++)
            open += conns[i].state == C_BODY && !conns[i].ended;
        if (open == 0)
            break;
        loop_once(10);
    }
    int live_events = 0, fewest = -1;
    for (int i = 0; i < nconns; i++) {
        if (!conns[i].connected)
            continue;
        if (conns[i].live_frames > live_events)
            live_events = conns[i].live_frames;
        if (fewest < 0 || conns[i].live_frames < fewest)
            fewest = conns[i].live_frames;
    }
    size_t expected = (size_t)live_events * (size_t)connected;
    struct spread d = delay_spread();
    printf("followed %s: %d live events (published after all %d streams were connected), "
           "%zu deliveries of %zu expected, %d of %d streams saw the end\n",
           follow_path, live_events, connected, ndelays, expected, ended_count, connected);
    printf("delivery delay (publish -> receipt): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", d.p50, d.p99, d.max);
    qsort(published_rt, (size_t)npublished, sizeof *published_rt, cmp_u64);
    char offsets[MAX_EVENTS * 12] = " offsets_ms=0";
    size_t used = strlen(" offsets_ms=");
    int within_10ms = 0;
    for (int i = 0; i < npublished && used + 12 < sizeof offsets; i++) {
        used += (size_t)snprintf(offsets + used, sizeof offsets - used, "%s%llu", i ? "," : "",
                                 (unsigned long long)((published_rt[i] - published_rt[0]) / 1000000));
        if (i > 0 && published_rt[i] - published_rt[i - 1] < 10000000)
            within_10ms++;
    }
    printf("publish pace: %d events over %.0f ms, %d of them within 10 ms of the one before\n", npublished,
           npublished ? (double)(published_rt[npublished - 1] - published_rt[0]) / 1e6 : 0.0, within_10ms);
    print_result(setup, live_events, expected, connected - ended_count, 0, d, offsets);
    close_all();
    return 0;
}

/* Broadcasts at the given offsets (ms after the first), whatever the fan-out of the
 * previous one; then waits until every live stream has them all (or the timeout). */
static int scheduled(const char *list, const struct setup *setup, double timeout)
{
    uint64_t offsets[256];
    int count = 0;
    for (const char *p = list; *p && count < 256;) {
        offsets[count++] = strtoull(p, (char **)&p, 10) * 1000000ull;
        if (*p == ',')
            p++;
        else
            break;
    }
    int live = 0;
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == C_BODY && conns[i].connected)
            live++;
    uint64_t start = now_ns();
    for (int e = 0; e < count && live > 0; e++) {
        while (now_ns() < start + offsets[e])
            loop_once(1);
        /* the previous /broadcast answer first (the ceiling answers at once) */
        while (bc_pending && bc_fd >= 0 && now_ns() < start + offsets[e] + 1000000000ull)
            loop_once(1);
        cur_event = e;
        uint64_t sent;
        if (bc_send(&sent) != 0)
            bc_errors++;
    }
    size_t expected = (size_t)nsent * (size_t)live;
    uint64_t deadline = now_ns() + (uint64_t)(timeout * 1e9);
    while (received_total < expected && now_ns() < deadline)
        loop_once(10);
    cur_event = -1;
    struct spread d = delay_spread();
    printf("broadcasts: %d sent on the schedule (%d offsets, last at %llu ms), %zu deliveries of %zu expected, "
           "%d errors, %llu stray\n", nsent, count, (unsigned long long)(count ? offsets[count - 1] / 1000000 : 0),
           ndelays, expected, bc_errors, (unsigned long long)stray_events);
    printf("delivery delay: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", d.p50, d.p99, d.max);
    print_result(setup, nsent, expected, received_total < expected, bc_errors, d, "");
    close_all();
    bc_close();
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: sse_load --port P --streams N --events K [--pid PID] "
                    "[--window W] [--connect-timeout S] [--event-timeout S] [--follow PATH] [--payload-bytes B] "
                    "[--schedule-ms OFFSETS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int events = 20, pid = 0;
    const char *schedule = NULL;
    double connect_timeout = 60, event_timeout = 10;
    struct rlimit rl;

    nconns = 1000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--port")) port = atoi(argv[++i]);
        else if (!strcmp(a, "--streams")) nconns = atoi(argv[++i]);
        else if (!strcmp(a, "--events")) events = atoi(argv[++i]);
        else if (!strcmp(a, "--pid")) pid = atoi(argv[++i]);
        else if (!strcmp(a, "--window")) window = atoi(argv[++i]);
        else if (!strcmp(a, "--connect-timeout")) connect_timeout = atof(argv[++i]);
        else if (!strcmp(a, "--event-timeout")) event_timeout = atof(argv[++i]);
        else if (!strcmp(a, "--follow")) follow_path = argv[++i];
        else if (!strcmp(a, "--payload-bytes")) payload_bytes = atoi(argv[++i]);
        else if (!strcmp(a, "--schedule-ms")) schedule = argv[++i];
        else usage();
    }
    if (port <= 0 || port > 65535 || nconns <= 0 || events < 0 || window <= 0)
        usage();

    /* One descriptor per stream, plus a few. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nconns + 16) {
        fprintf(stderr, "sse_load: open-file limit %llu is too low for %d streams\n",
                (unsigned long long)rl.rlim_cur, nconns);
        return 1;
    }

    conns = calloc((size_t)nconns, sizeof *conns);
    /* Follow mode: a deployment publishes a few dozen events; room for 256 each. */
    delay_capacity = (size_t)nconns * (size_t)(follow_path ? 256 : (events > 0 ? events : 1));
    delays = calloc(delay_capacity, sizeof *delays);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || !delays || epfd < 0) {
        perror("sse_load");
        return 1;
    }

    /* --- connect all, at most `window` handshakes in flight at a time so
     * the listen backlog never overflows (a dropped SYN costs a 1 s retry
     * and would measure the kernel, not the server). */
    long rss_before = rss_kib(pid);
    uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(connect_timeout * 1e9);
    int opened = 0;
    while (connected_count + dead_count < nconns && now_ns() < deadline) {
        while (opened < nconns && inflight < window)
            conn_open(opened++);
        loop_once(10);
    }
    struct setup setup = { .connected = connected_count, .connect_ns = now_ns() - t0,
                           .rss_before = rss_before, .rss_after = rss_kib(pid) };
    int connected = setup.connected;
    setup.rss_per_stream = (setup.rss_before >= 0 && setup.rss_after >= 0 && connected > 0)
                               ? (double)(setup.rss_after - setup.rss_before) / connected : -1;

    printf("streams: %d requested, %d connected, %d failed in %.1f ms\n",
           nconns, connected, nconns - connected, (double)setup.connect_ns / 1e6);
    if (pid > 0)
        printf("server RSS: %ld KiB before, %ld KiB after -> %.1f KiB/stream\n",
               setup.rss_before, setup.rss_after, setup.rss_per_stream);

    if (follow_path)
        return follow(&setup, event_timeout);

    if (schedule)
        return scheduled(schedule, &setup, event_timeout);

    /* --- broadcasts: one at a time; next one when every live stream has the
     * current one or after --event-timeout. */
    size_t expected = 0;
    int timed_out_events = 0;
    uint64_t fanout_total_ns = 0;
    for (int e = 0; e < events && connected > 0; e++) {
        int live = 0; /* streams that got the preamble and are still open */
        for (int i = 0; i < nconns; i++)
            if (conns[i].state == C_BODY && conns[i].connected)
                live++;
        if (live == 0)
            break;
        cur_event = e;
        cur_received = 0;
        if (bc_send(&cur_sent_ns) != 0) {
            bc_errors++;
            continue;
        }
        expected += (size_t)live;
        uint64_t ev_deadline = cur_sent_ns + (uint64_t)(event_timeout * 1e9);
        while (cur_received < live && now_ns() < ev_deadline)
            loop_once(10);
        fanout_total_ns += now_ns() - cur_sent_ns;
        if (cur_received < live)
            timed_out_events++;
        /* collect the /broadcast response before the next round */
        while (bc_pending && bc_fd >= 0 && now_ns() < ev_deadline)
            loop_once(10);
    }
    cur_event = -1;

    struct spread d = delay_spread();
    printf("broadcasts: %d sent, %zu deliveries of %zu expected, %d timed out, "
           "%d errors, %llu stray (server saw %ld streams)\n",
           events, ndelays, expected, timed_out_events, bc_errors,
           (unsigned long long)stray_events, bc_last_streams);
    printf("delivery delay: p50 %.3f ms, p99 %.3f ms, max %.3f ms "
           "(mean full fan-out %.3f ms)\n",
           d.p50, d.p99, d.max, events ? (double)fanout_total_ns / events / 1e6 : 0.0);
    print_result(&setup, events, expected, timed_out_events, bc_errors, d, "");

    close_all();
    bc_close();
    free(conns);
    free(delays);
    close(epfd);
    return 0;
}
