#!/usr/bin/env python3
"""Panda's own share of a deployment's wall time, from the result's `stageTimings`.

    analyze.py RESULTS_DIR

RESULTS_DIR holds result-N.json (GET /api/v1/deploy/{id}/result bodies). Per stage: wall
time, child processes (count, summed time), the measured awaited time, and what remains:
Panda's own time. Goal: own time under 2 % of the deployment's wall time.

`awaitedMs` is measured by the engine: the part of the stage's wall time in which at least
one child process ran (git, docker, aws, curl) or a deliberate pause was under way (ECS poll
interval, health-probe spacing, IAM backoff). Concurrent child processes count once, so
`wallMs - awaitedMs` is the time in which Panda waited on nothing but itself: spawning,
parsing, encoding, storing, scheduling. Child processes' summed time is shown beside it;
it exceeds the awaited time where calls run concurrently.
"""
import json
import os
import sys


def table(name, result):
    timings = result.get("stageTimings") or []
    print("%s: %s, %s, %d s (durationSeconds)" % (name, result["deploymentId"], result["status"], result["durationSeconds"]))
    if any("awaitedMs" not in t for t in timings):
        print("  this result has no awaitedMs (a panda from before it was measured)")
        return None
    print("  %-5s %-34s %9s %6s %10s %11s %9s %7s" % (
        "stage", "name", "wall ms", "procs", "child ms", "awaited ms", "own ms", "own %"))
    total_wall = total_awaited = total_child = 0
    for timing in timings:
        own = timing["wallMs"] - timing["awaitedMs"]
        concurrency = timing["childProcessMs"] / timing["awaitedMs"] if timing["awaitedMs"] else 0
        print("  %-5d %-34s %9d %6d %10d %11d %9d %6.2f%%  %s" % (
            timing["stage"], timing["name"][:34], timing["wallMs"], timing["childProcessCount"], timing["childProcessMs"],
            timing["awaitedMs"], own, 100.0 * own / max(1, timing["wallMs"]),
            "child time %.1f× the awaited time (concurrent calls)" % concurrency if concurrency > 1.05 else ""))
        total_wall += timing["wallMs"]
        total_awaited += timing["awaitedMs"]
        total_child += timing["childProcessMs"]
    tools = {}
    for timing in timings:
        for tool, figures in (timing.get("childProcessesByTool") or {}).items():
            tools.setdefault(tool, {})[timing["stage"]] = figures
    if tools:
        stages = [t["stage"] for t in timings]
        print("  child processes by tool (count / ms):")
        print("    %-7s %s %16s" % ("tool", " ".join("%14s" % ("stage %d" % n) for n in stages), "all stages"))
        for tool in sorted(tools):
            cells = [tools[tool].get(n) for n in stages]
            count = sum(c["count"] for c in cells if c)
            ms = sum(c["ms"] for c in cells if c)
            print("    %-7s %s %16s" % (tool, " ".join("%14s" % ("%d / %d" % (c["count"], c["ms"]) if c else "-") for c in cells),
                                        "%d / %d" % (count, ms)))
    total_own = total_wall - total_awaited
    share = 100.0 * total_own / max(1, total_wall)
    print("  %-5s %-34s %9d %6d %10d %11d %9d %6.2f%%" % (
        "all", "", total_wall, sum(t["childProcessCount"] for t in timings), total_child, total_awaited, total_own, share))
    print("  Panda's own time: %d ms of %d ms = %.2f %% of the deployment's wall time (goal < 2 %%: %s)" % (
        total_own, total_wall, share, "met" if share < 2 else "missed"))
    print()
    return share


def main():
    directory = sys.argv[1]
    results = []
    for index in (1, 2):
        path = os.path.join(directory, "result-%d.json" % index)
        if os.path.exists(path):
            results.append(("deployment %d" % index, json.load(open(path))["data"]))
    if not results:
        print("no results in %s" % directory)
        return 1
    first = results[0][1]
    stage3 = next((t for t in first.get("stageTimings", []) if t["stage"] == 3), None)
    print("own time = wall − awaited time; awaited time is measured by the engine: at least one child process")
    print("running or a deliberate pause (poll interval, probe spacing, backoff) under way, concurrent ones once.")
    if stage3 and stage3["childProcessCount"]:
        print("aws CLI calls average %.0f ms each here (Python start-up)." % (stage3["childProcessMs"] / stage3["childProcessCount"]))
    print()
    for name, result in results:
        table(name, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
