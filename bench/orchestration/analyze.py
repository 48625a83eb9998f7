#!/usr/bin/env python3
"""Panda's own share of a deployment's wall time, from the result's `stageTimings`.

    analyze.py RESULTS_DIR

RESULTS_DIR holds result-N.json (GET /api/v1/deploy/{id}/result bodies) and tuning.txt
(the `--set` values the demo used). Per stage: wall time, summed child-process time
(git, docker, aws, curl), the deliberate waits estimated from the configuration, and
what remains: Panda's own time. Goal: own time under 2 % of the deployment's wall time.

Deliberate waits (sleeps between polls and probes), estimated from the configuration
and the number of child processes each stage ran:
  stage 4: ECS readiness polls: 1 update-service, then per poll list-tasks, describe-services,
           describe-target-health (3 calls), `pollIntervalSeconds` between polls; then
           `preTrafficChecks` probes, `intervalMilliseconds` apart.
  stage 5: `checks` probes, `intervalMilliseconds` apart; after the switch,
           `postTrafficChecks` probes, `intervalMilliseconds` apart.
  stage 6: `bakeSeconds` (0 here).
With a blue service, stage 5 probes blue and green at the same time: their summed
child-process time counts that overlap twice, so it is subtracted as well (estimated
as the blue probes' time, taken equal to the green probes' time).
"""
import json
import os
import sys

DEFAULTS = {"health.intervalMilliseconds": 2000, "health.pollIntervalSeconds": 3, "health.checks": 5,
            "health.preTrafficChecks": 1, "health.postTrafficChecks": 3, "health.bakeSeconds": 0}


def load_tuning(directory):
    tuning = dict(DEFAULTS)
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "panda.json")
    try:
        health = json.load(open(config))["health"]
        for key in ("intervalMilliseconds", "pollIntervalSeconds", "checks", "preTrafficChecks", "postTrafficChecks", "bakeSeconds"):
            tuning["health." + key] = health[key]
    except (OSError, KeyError, ValueError):
        pass
    path = os.path.join(directory, "tuning.txt")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                key, value = line.strip().split("=", 1)
                if key in tuning:
                    tuning[key] = float(value)
    return tuning


def waits(stage, timing, tuning, has_blue, timings):
    """(deliberate wait in ms, overlap in ms, how it was estimated)."""
    interval = tuning["health.intervalMilliseconds"]
    poll = tuning["health.pollIntervalSeconds"] * 1000
    count = timing["childProcessCount"]
    if stage == 4:
        pre = int(tuning["health.preTrafficChecks"])
        polls = max(1, (count - 1 - pre) // 3)
        wait = (polls - 1) * poll + max(0, pre - 1) * interval
        return wait, 0, "%d ECS polls: %d × %.0f ms poll interval" % (polls, polls - 1, poll)
    if stage == 5:
        checks = int(tuning["health.checks"])
        post = int(tuning["health.postTrafficChecks"])
        wait = (checks - 1 + max(0, post - 1)) * interval
        overlap = 0
        if has_blue:
            # Probes: checks green + checks blue + post; the rest are 2 modify-listener calls.
            probes = 2 * checks + post
            aws_calls = max(0, count - probes)
            # The aws calls (2 modify-listener) take what an aws call of stage 4 takes on
            # average; the probes share the rest equally; blue's probes overlap green's.
            stage4 = next((t for t in timings if t["stage"] == 4), None)
            aws_ms = stage4["childProcessMs"] / stage4["childProcessCount"] if stage4 and stage4["childProcessCount"] else 0
            probe_ms = max(0.0, (timing["childProcessMs"] - aws_calls * aws_ms) / max(1, probes))
            overlap = int(round(checks * probe_ms))
        return wait, overlap, "%d health checks + %d post-traffic probes, %.0f ms apart%s" % (
            checks, post, interval, "; blue and green probed concurrently" if has_blue else "")
    if stage == 6:
        bake = tuning["health.bakeSeconds"] * 1000
        # Clean-up after the last stage (image pruning) runs outside the stage's wall time, but
        # the engine counts its child processes to the last stage: take out what exceeds the wall.
        cleanup = max(0, timing["childProcessMs"] - timing["wallMs"] - bake)
        return bake, cleanup, "bake time %.0f s%s" % (
            bake / 1000, "; %d ms of clean-up after the stage counted as its child time" % cleanup if cleanup else "")
    return 0, 0, ""


def table(name, result, tuning):
    timings = result.get("stageTimings") or []
    has_blue = result.get("blueUrl") is not None
    rows, total_wall, total_child, total_wait, total_overlap = [], 0, 0, 0, 0
    for timing in timings:
        wait, overlap, how = waits(timing["stage"], timing, tuning, has_blue, timings)
        own = timing["wallMs"] - timing["childProcessMs"] - wait + overlap
        rows.append((timing, wait, overlap, own, how))
        total_wall += timing["wallMs"]
        total_child += timing["childProcessMs"]
        total_wait += wait
        total_overlap += overlap
    total_own = total_wall - total_child - total_wait + total_overlap
    print("%s: %s, %s, %d s (durationSeconds)" % (name, result["deploymentId"], result["status"], result["durationSeconds"]))
    print("  %-5s %-34s %9s %6s %10s %10s %9s %7s" % ("stage", "name", "wall ms", "procs", "child ms", "waits ms", "own ms", "own %"))
    for timing, wait, overlap, own, how in rows:
        note = how + ("; concurrent probes' overlap +%d ms" % overlap if overlap and timing["stage"] == 5 else "")
        print("  %-5d %-34s %9d %6d %10d %10d %9d %6.2f%%  %s" % (
            timing["stage"], timing["name"][:34], timing["wallMs"], timing["childProcessCount"], timing["childProcessMs"],
            wait, own, 100.0 * own / max(1, timing["wallMs"]), note))
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
    share = 100.0 * total_own / max(1, total_wall)
    print("  %-5s %-34s %9d %6d %10d %10d %9d %6.2f%%" % (
        "all", "", total_wall, sum(t["childProcessCount"] for t in timings), total_child, total_wait, total_own, share))
    verdict = "under" if share < 2 else "OVER"
    print("  Panda's own time: %d ms of %d ms = %.2f %% of the deployment's wall time (goal < 2 %%: %s)" % (
        total_own, total_wall, share, verdict))
    print()
    return share


def main():
    directory = sys.argv[1]
    tuning = load_tuning(directory)
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
    print("Deliberate waits are estimated from the configuration (%s) and subtracted;" % ", ".join(
        "%s=%g" % (k.split(".")[1], v) for k, v in tuning.items()))
    print("own time = wall − child processes − deliberate waits (+ corrections: blue/green probes run concurrently")
    print("and are counted twice in child time; clean-up after stage 6 is counted to stage 6). A few ms either way")
    print("are timer granularity and estimation noise (a stage's own time can come out slightly negative).")
    print("Child-process time is each child's wall time from spawn to exit, as the engine measures it.")
    print("aws CLI calls average %.0f ms each here (Python start-up)." % (
        stage3["childProcessMs"] / stage3["childProcessCount"]) if stage3 and stage3["childProcessCount"] else "")
    print()
    worst = 0
    for name, result in results:
        worst = max(worst, table(name, result, tuning))
    return 0


if __name__ == "__main__":
    sys.exit(main())
