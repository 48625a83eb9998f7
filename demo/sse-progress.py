#!/usr/bin/env python3
"""Turns Panda's SSE stream (stdin, e.g. from `curl -N`) into readable progress lines.

    +12.3s  stage 2  [Stage 2] 이미지 Push 완료  uri=127.0.0.1:40123/demo-sample-app:demo-sample-app-main-1764233000

Stops at the `done` or `error` event (exit status 0 or 1). Build and push output events
are shown as indented `│` lines. Elapsed time is measured from the first byte received.
"""
import json
import sys
import time

SKIPPED_DETAILS = {"stage", "lines", "skippedLines"}


def short(value, limit=72):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(data):
    details = data.get("details") or {}
    pairs = ["%s=%s" % (key, short(value)) for key, value in details.items()
             if key not in SKIPPED_DETAILS and value is not None]
    return "  ".join(pairs)


def main():
    started = None
    event, data_lines = "message", []
    for raw in sys.stdin:
        if started is None:
            started = time.monotonic()
        line = raw.rstrip("\r\n")
        if line.startswith(":") or line.startswith("retry:") or line.startswith("id:"):
            continue
        if line.startswith("event:"):
            event = line[6:].strip()
            continue
        if line.startswith("data:"):
            data_lines.append(line[5:].lstrip())
            continue
        if line or not data_lines:
            continue
        # A blank line ends a frame.
        data = json.loads("\n".join(data_lines))
        data_lines = []
        elapsed = "+%5.1fs" % (time.monotonic() - started)
        if event == "stage":
            stage = (data.get("details") or {}).get("stage", "?")
            print("%s  stage %s  %s  %s" % (elapsed, stage, data.get("message", ""), describe(data)), flush=True)
            for output in (data.get("details") or {}).get("lines") or []:
                print("%s│ %s" % (" " * 18, short(output, 100)), flush=True)
        elif event == "done":
            print("%s  done     %s" % (elapsed, data.get("message", "")), flush=True)
            return 0
        elif event == "error":
            print("%s  error    %s  (errorCode=%s, stage=%s)" % (
                elapsed, data.get("message", ""), data.get("errorCode"), data.get("stage")), flush=True)
            return 1
        event = "message"
    print("(the stream ended before a done or error event)", flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main())
