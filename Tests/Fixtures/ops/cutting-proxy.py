#!/usr/bin/env python3
"""A TCP proxy that drops event streams mid-frame, to test that clients resume.

    cutting-proxy.py UPSTREAM_PORT CUT_BYTES

Listens on a free loopback port and prints it as the first line on stdout. Each
connection is relayed to 127.0.0.1:UPSTREAM_PORT; when the answer is a
`text/event-stream`, the connection is closed after CUT_BYTES bytes of the answer
(wherever that falls, usually inside an event). On SIGTERM it prints how many
connections it relayed and how many it cut, as JSON, and exits.
"""
import json
import re
import signal
import socket
import sys
import threading

upstream_port, cut_bytes = int(sys.argv[1]), int(sys.argv[2])
counts = {"connections": 0, "cut": 0}
lock = threading.Lock()


def relay(client):
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    done = threading.Event()

    def forward_requests():
        try:
            while not done.is_set():
                data = client.recv(65536)
                if not data:
                    break
                # The server serves only its own host name: the request keeps it, as through a real proxy.
                upstream.sendall(re.sub(rb"(?im)^(host:[ \t]*)[^\r\n]*", rb"\g<1>127.0.0.1:%d" % upstream_port, data))
        except OSError:
            pass
        done.set()

    threading.Thread(target=forward_requests, daemon=True).start()
    sent, streaming, head = 0, False, b""
    try:
        while not done.is_set():
            data = upstream.recv(65536)
            if not data:
                break
            if not streaming and len(head) < 4096:
                head += data
                streaming = b"text/event-stream" in head.split(b"\r\n\r\n")[0].lower()
            if streaming and sent + len(data) >= cut_bytes:
                client.sendall(data[: max(cut_bytes - sent, 0)])
                with lock:
                    counts["cut"] += 1
                break
            client.sendall(data)
            sent += len(data)
    except OSError:
        pass
    done.set()
    for end in (client, upstream):
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        end.close()


def stop(*_):
    print(json.dumps(counts), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
while True:
    connection, _ = server.accept()
    with lock:
        counts["connections"] += 1
    threading.Thread(target=relay, args=(connection,), daemon=True).start()
