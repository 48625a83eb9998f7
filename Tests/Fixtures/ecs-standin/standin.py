#!/usr/bin/env python3
"""Plays ECS's and the ALB's part next to moto, for Panda's tests and demo.

moto keeps ECS services and ELBv2 load balancers as records only: it runs no
containers, registers no targets, and an ALB's DNSName does not resolve. This
program fills the gap:

* ECS: every poll it makes the number of containers it runs for each service in
  moto equal ``desiredCount``, for the service's current task definition, with
  the local Docker Engine (``docker run -d -p 127.0.0.1::PORT IMAGE``), and
  registers each in the service's target groups as ``BRIDGE_IP:CONTAINER_PORT``
  (as ECS does for awsvpc tasks). moto keys targets by Id alone, so one Id
  (127.0.0.1) with several ports cannot work: a second registration replaces
  the first and a deregistration removes both. The proxy keeps a private map
  from BRIDGE_IP:CONTAINER_PORT to the published 127.0.0.1:HOSTPORT. A task definition
  change starts the new containers first, then deregisters and removes the old
  ones (ECS's default 100 %/200 % rolling update; if the new ones cannot start,
  the old ones keep serving). Containers that exit by themselves (or at once)
  are deregistered, removed and kept as stopped tasks (exit code and reason
  from ``docker inspect``) in ``GET /_standin/state`` and the log; a task that
  keeps failing is restarted ever more slowly (0.5 s doubling up to 15 s).
  moto's describe-target-health says ``healthy`` for every registered target
  at once; the stand-in registers a container once it accepts TCP connections.
* ALB: an HTTP/1.1 reverse proxy on 127.0.0.1. A request's Host header
  ``DNSNAME[:PORT]`` (port 80 by default) names the load balancer and the
  listener; its default forward action (``TargetGroupArn`` or
  ``ForwardConfig.TargetGroups`` with weights) picks the target group and a
  registered target (round robin). No load balancer or listener: 404; no
  targets: 503; a target that does not answer: 502 (504 after a timeout).
  The routing table is rebuilt from moto on every poll, in a thread of its own.
* Control (Host ``standin`` or a path under ``/_standin/``):
  ``POST /_standin/fault?port=80&status=500`` answers every request for
  listener port 80 (of any load balancer) with that status;
  ``DELETE /_standin/fault?port=80`` clears it; ``GET /_standin/state`` shows
  services, containers, stopped tasks, routes, faults and poll timings.

Prints ``standin ready proxy=127.0.0.1:PORT`` on stdout once serving; the log
goes to stderr. SIGTERM/SIGINT (or ``--watch-pid`` gone): stop polling,
deregister (best effort), remove every container labelled
``panda-standin.instance=<instance id>``, exit 0. One stand-in per moto: two on
the same moto would both run containers for its services.
"""

import argparse
import http.client
import http.server
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

import boto3
from botocore.config import Config

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailers", "transfer-encoding", "upgrade", "proxy-connection",
}
DOCKER_TIMEOUT = 60
READY_TIMEOUT = 5.0


def log(message):
    stamp = time.strftime("%H:%M:%S", time.localtime()) + ".%03d" % (int(time.time() * 1000) % 1000)
    sys.stderr.write("%s standin: %s\n" % (stamp, message))
    sys.stderr.flush()


def short(arn):
    """The readable end of an ARN: `name:revision`, `service`, `targetgroup-name`."""
    if not arn:
        return arn
    if ":targetgroup/" in arn:
        return arn.split(":targetgroup/", 1)[1].split("/", 1)[0]
    return arn.rsplit("/", 1)[-1]


class Docker:
    """The docker CLI, with bounded calls."""

    @staticmethod
    def run(arguments, check=True, timeout=DOCKER_TIMEOUT):
        result = subprocess.run(
            ["docker"] + arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            message = " | ".join(line.strip() for line in result.stderr.splitlines() if line.strip())
            raise RuntimeError("docker %s failed (%d): %s" % (arguments[0], result.returncode, message))
        return result


class Task:
    """One container that stands in for an ECS task."""

    def __init__(self, container_id, service_arn, cluster_arn, taskdef_arn, image, container_port, host_port, bridge_ip):
        self.container_id = container_id
        self.service_arn = service_arn
        self.cluster_arn = cluster_arn
        self.taskdef_arn = taskdef_arn
        self.image = image
        self.container_port = container_port
        self.host_port = host_port
        self.bridge_ip = bridge_ip
        self.target_groups = []  # registered in these, in moto
        self.started_at = time.time()

    def target(self):
        return {"Id": self.bridge_ip, "Port": self.container_port}

    def as_json(self):
        return {
            "id": self.container_id,
            "shortId": self.container_id[:12],
            "hostPort": self.host_port,
            "containerPort": self.container_port,
            "bridgeIp": self.bridge_ip,
            "image": self.image,
            "taskdef": self.taskdef_arn,
            "target": "%s:%d" % (self.bridge_ip, self.container_port),
            "targetGroup": self.target_groups[0] if self.target_groups else None,
            "targetGroups": list(self.target_groups),
            "startedAt": self.started_at,
        }


class StandIn:
    def __init__(self, endpoint, region, poll_interval, instance_id):
        self.endpoint = endpoint
        self.region = region
        self.poll_interval = poll_interval
        self.instance_id = instance_id
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # guards everything below
        self.tasks = {}  # container id -> Task
        self.services = {}  # service arn -> summary for the state
        self.stopped = []  # stopped tasks (exited by themselves or stopped by us)
        self.routes = {}  # (dns lowercased, port) -> route dict
        self.faults = {}  # listener port -> status
        self.rr = {}  # round-robin counters
        self.timings = {"ecsPolls": 0, "routePolls": 0, "lastEcsPollSeconds": None, "lastRoutePollSeconds": None,
                        "maxEcsPollSeconds": 0.0, "maxRoutePollSeconds": 0.0}
        self.errors = {"ecs": None, "routes": None}
        self.route_wakeup = threading.Event()
        # moto keys a target group's targets by Id alone (a second 127.0.0.1:PORT replaces the first), so
        # targets are registered as BRIDGE_IP:CONTAINER_PORT (what ECS does with awsvpc) and the proxy connects
        # to the published 127.0.0.1:HOST_PORT found here; other targets are tried as they are.
        self.addresses = {}  # (bridge ip, container port) -> host port
        self.taskdefs = {}  # arn -> (image, containerPort); task definitions are immutable
        self.failures = {}  # (service, taskdef) -> consecutive task failures (start errors, quick exits)
        self.restart_after = {}  # (service, taskdef) -> time before which no task is started
        config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})
        session = boto3.session.Session(region_name=region)
        self.ecs = session.client("ecs", endpoint_url=endpoint, config=config)
        self.elbv2 = session.client("elbv2", endpoint_url=endpoint, config=config)
        # For the clean-up at exit: one attempt, short timeouts (moto may be gone already).
        self.elbv2_at_exit = session.client("elbv2", endpoint_url=endpoint, config=Config(
            connect_timeout=1, read_timeout=3, retries={"max_attempts": 1, "mode": "standard"}))

    # MARK: ECS

    def list_all(self, method, key, **kwargs):
        items, token = [], None
        while True:
            if token:
                kwargs["nextToken"] = token
            page = method(**kwargs)
            items.extend(page.get(key, []))
            token = page.get("nextToken")
            if not token:
                return items

    def describe_taskdef(self, arn, container_name):
        key = (arn, container_name)
        if key not in self.taskdefs:
            definition = self.ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            containers = definition.get("containerDefinitions") or []
            chosen = next((c for c in containers if container_name and c.get("name") == container_name), None)
            chosen = chosen or (containers[0] if containers else {})
            mappings = chosen.get("portMappings") or []
            port = mappings[0].get("containerPort") if mappings else None
            self.taskdefs[key] = (chosen.get("image"), port, definition.get("taskDefinitionArn", arn))
        return self.taskdefs[key]

    def wanted_services(self):
        """Every service in moto: arn -> (cluster, desired, taskdef arn, target groups, container name)."""
        wanted = {}
        for cluster in self.list_all(self.ecs.list_clusters, "clusterArns"):
            arns = self.list_all(self.ecs.list_services, "serviceArns", cluster=cluster)
            for start in range(0, len(arns), 10):
                described = self.ecs.describe_services(cluster=cluster, services=arns[start:start + 10])
                for service in described.get("services", []):
                    active = service.get("status", "ACTIVE") == "ACTIVE"
                    balancers = service.get("loadBalancers") or []
                    groups = [b["targetGroupArn"] for b in balancers if b.get("targetGroupArn")]
                    name = next((b.get("containerName") for b in balancers if b.get("containerName")), None)
                    wanted[service["serviceArn"]] = {
                        "cluster": cluster,
                        "name": service.get("serviceName"),
                        "desired": int(service.get("desiredCount", 0)) if active else 0,
                        "taskdef": service.get("taskDefinition"),
                        "targetGroups": groups,
                        "containerName": name,
                        "status": service.get("status"),
                    }
        return wanted

    def docker_states(self):
        """This instance's containers: id -> state (running, exited, created, ...)."""
        result = Docker.run(["ps", "-a", "--no-trunc", "--filter", "label=panda-standin.instance=" + self.instance_id,
                             "--format", "{{.ID}}\t{{.State}}"])
        states = {}
        for line in result.stdout.splitlines():
            if "\t" in line:
                container, state = line.split("\t", 1)
                states[container.strip()] = state.strip()
        return states

    def register(self, task, groups):
        for group in groups:
            if group in task.target_groups:
                continue
            self.elbv2.register_targets(TargetGroupArn=group, Targets=[task.target()])
            task.target_groups.append(group)
            log("registered %s (%s:%d -> 127.0.0.1:%d) in %s" % (
                task.container_id[:12], task.bridge_ip, task.container_port, task.host_port, short(group)))

    def deregister(self, task, groups=None):
        for group in list(task.target_groups if groups is None else groups):
            try:
                self.elbv2.deregister_targets(TargetGroupArn=group, Targets=[task.target()])
                log("deregistered %s (%s:%d) from %s" % (task.container_id[:12], task.bridge_ip, task.container_port,
                                                         short(group)))
            except Exception as error:  # the group may be gone
                log("deregister %s from %s failed: %s" % (task.container_id[:12], short(group), error))
            if group in task.target_groups:
                task.target_groups.remove(group)

    def start_task(self, service_arn, spec):
        image, port, taskdef_arn = self.describe_taskdef(spec["taskdef"], spec["containerName"])
        if not image or not port:
            raise RuntimeError("task definition %s has no image or containerPort" % spec["taskdef"])
        container = Docker.run([
            "run", "-d",
            "--label", "panda-standin=1",
            "--label", "panda-standin.instance=" + self.instance_id,
            "--label", "service=" + service_arn,
            "--label", "taskdef=" + spec["taskdef"],
            "-p", "127.0.0.1::%d" % port,
            image,
        ]).stdout.strip()
        try:
            mapped = Docker.run(["port", container, "%d/tcp" % port]).stdout.split()
            host_port = int(mapped[0].rsplit(":", 1)[1])
            bridge_ip = Docker.run(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
                                    container]).stdout.split()
            if not bridge_ip:
                raise RuntimeError("container %s has no bridge IP address" % container[:12])
            bridge_ip = bridge_ip[0]
        except Exception as error:
            state = self.container_state(container)
            Docker.run(["rm", "-f", container], check=False)
            if state.get("Status") in ("exited", "dead"):
                # Died at once: a stopped task, as ECS would show it.
                reason, code = self.stopped_reason(state)
                record = {"id": container, "shortId": container[:12], "service": service_arn, "image": image,
                          "taskdef": spec["taskdef"], "containerPort": port, "hostPort": None,
                          "stoppedReason": reason, "exitCode": code, "startedAt": time.time(),
                          "stoppedAt": time.time(), "targetGroups": []}
                with self.lock:
                    self.stopped.append(record)
                    del self.stopped[:-100]
                log("stopped %s of %s at start: %s (exit code %s)" % (container[:12], short(service_arn), reason, code))
                raise RuntimeError("task %s exited at start (exit code %s)" % (container[:12], code))
            raise error
        task = Task(container, service_arn, spec["cluster"], spec["taskdef"], image, port, host_port, bridge_ip)
        with self.lock:
            self.tasks[container] = task
            self.addresses[(bridge_ip, port)] = host_port
        log("started %s for %s (%s, %s) on 127.0.0.1:%d" % (container[:12], short(service_arn), short(spec["taskdef"]),
                                                              image, host_port))
        self.wait_until_accepting(task)
        return task

    def wait_until_accepting(self, task):
        """Like ECS's container start + the ALB's first health check: wait (bounded) until the app accepts."""
        if not task.bridge_ip:
            return
        deadline = time.time() + READY_TIMEOUT
        while time.time() < deadline and not self.stopping.is_set():
            try:
                with socket.create_connection((task.bridge_ip, task.container_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        log("%s does not accept connections on %s:%d yet; registering anyway" % (
            task.container_id[:12], task.bridge_ip, task.container_port))

    def stop_task(self, task, reason, exit_code=None, remove=True):
        record = task.as_json()
        self.deregister(task)
        with self.lock:
            # The proxy stops sending it requests now, not at the next routing refresh.
            for route in self.routes.values():
                for group in route["groups"]:
                    group["targets"] = [t for t in group["targets"]
                                        if (t["id"], t["port"]) != (task.bridge_ip, task.container_port)]
        if remove:
            Docker.run(["rm", "-f", task.container_id], check=False)
        with self.lock:
            self.tasks.pop(task.container_id, None)
            if self.addresses.get((task.bridge_ip, task.container_port)) == task.host_port:
                del self.addresses[(task.bridge_ip, task.container_port)]
            record.update({"service": task.service_arn, "stoppedReason": reason, "exitCode": exit_code,
                           "stoppedAt": time.time()})
            self.stopped.append(record)
            del self.stopped[:-100]
        log("stopped %s of %s: %s%s" % (task.container_id[:12], short(task.service_arn), reason,
                                        "" if exit_code is None else " (exit code %s)" % exit_code))

    @staticmethod
    def container_state(container):
        try:
            return json.loads(Docker.run(["inspect", "-f", "{{json .State}}", container]).stdout) or {}
        except Exception:
            return {}

    @staticmethod
    def stopped_reason(state):
        if state.get("OOMKilled"):
            reason = "OutOfMemoryError: Container killed due to memory usage"
        elif state.get("Error"):
            reason = "CannotStartContainerError: " + state["Error"]
        else:
            reason = "Essential container in task exited"
        return reason, state.get("ExitCode")

    def exited_by_itself(self, task):
        reason, code = self.stopped_reason(self.container_state(task.container_id))
        self.stop_task(task, reason, exit_code=code)
        # Like ECS's task-launch throttling: a task that keeps dying is restarted ever more slowly.
        quick = time.time() - task.started_at < 10
        self.note_failure(task.service_arn, task.taskdef_arn, first_is_free=not quick)

    def note_failure(self, service_arn, taskdef_arn, first_is_free=False):
        """Counted per service and task definition: a new task definition starts at once."""
        key = (service_arn, taskdef_arn)
        failures = 1 if first_is_free else self.failures.get(key, 0) + 1
        self.failures[key] = failures
        delay = 0 if failures <= 1 else min(15.0, 0.5 * 2 ** (failures - 2))
        self.restart_after[key] = time.time() + delay
        if delay:
            log("%s: next task start in %.1f s (failure %d)" % (short(service_arn), delay, failures))

    def reconcile(self):
        wanted = self.wanted_services()
        states = self.docker_states()
        with self.lock:
            tasks = list(self.tasks.values())
            known = set(self.tasks)
        # Containers that exited by themselves (or vanished).
        for task in tasks:
            state = states.get(task.container_id)
            if state != "running":
                if state is None:
                    self.stop_task(task, "Container removed outside the stand-in", remove=False)
                else:
                    self.exited_by_itself(task)
        # Containers of this instance that it does not know (a run interrupted mid-way).
        for container, state in states.items():
            if container not in known and state != "removing":
                log("removing unknown container %s (%s)" % (container[:12], state))
                Docker.run(["rm", "-f", container], check=False)
        failures = []
        for service_arn, spec in wanted.items():
            if self.stopping.is_set():
                return
            try:
                self.reconcile_service(service_arn, spec)
            except Exception as error:  # one broken service must not stall the others
                failures.append("%s: %s" % (short(service_arn), error))
        # Services that are gone from moto.
        with self.lock:
            orphans = [t for t in self.tasks.values() if t.service_arn not in wanted]
        for task in orphans:
            self.stop_task(task, "Service deleted")
        with self.lock:
            self.services = {
                arn: {
                    "cluster": spec["cluster"], "name": spec["name"], "status": spec["status"],
                    "desiredCount": spec["desired"], "taskDefinition": spec["taskdef"],
                    "targetGroups": spec["targetGroups"],
                    "containers": [t.as_json() for t in self.tasks.values() if t.service_arn == arn],
                }
                for arn, spec in wanted.items()
            }
        if failures:
            raise RuntimeError("; ".join(failures))

    def reconcile_service(self, service_arn, spec):
        with self.lock:
            mine = [t for t in self.tasks.values() if t.service_arn == service_arn]
        current = [t for t in mine if t.taskdef_arn == spec["taskdef"]]
        outdated = [t for t in mine if t.taskdef_arn != spec["taskdef"]]
        # Target groups may change with update-service --load-balancers.
        for task in current:
            gone = [g for g in task.target_groups if g not in spec["targetGroups"]]
            if gone:
                self.deregister(task, gone)
            self.register(task, spec["targetGroups"])
        # New ones first (a rolling update keeps the old ones serving meanwhile).
        for _ in range(spec["desired"] - len(current)):
            if self.stopping.is_set() or time.time() < self.restart_after.get((service_arn, spec["taskdef"]), 0):
                break
            try:
                task = self.start_task(service_arn, spec)
            except Exception:
                self.note_failure(service_arn, spec["taskdef"])
                raise
            self.register(task, spec["targetGroups"])
            current.append(task)
            self.route_wakeup.set()
        # Old ones go once the new ones run (ECS's minimum healthy 100 %): a task definition whose
        # tasks cannot start leaves the old tasks serving.
        if len(current) >= spec["desired"]:
            for task in outdated:
                self.stop_task(task, "Deployment: task definition changed to %s" % short(spec["taskdef"]))
        else:
            outdated = []
        excess = len(current) - spec["desired"]
        if excess > 0:
            for task in sorted(current, key=lambda t: t.started_at)[-excess:]:
                self.stop_task(task, "Scaling activity initiated by (deployment %s)" % spec["name"])
        if outdated or excess > 0:
            self.route_wakeup.set()

    # MARK: ALB routing table

    def refresh_routes(self):
        routes = {}
        group_targets = {}
        balancers = []
        marker = None
        while True:
            page = self.elbv2.describe_load_balancers(**({"Marker": marker} if marker else {}))
            balancers.extend(page.get("LoadBalancers", []))
            marker = page.get("NextMarker")
            if not marker:
                break
        for balancer in balancers:
            dns = (balancer.get("DNSName") or "").lower()
            listeners = self.elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"]).get("Listeners", [])
            for listener in listeners:
                groups = []
                for action in listener.get("DefaultActions") or []:
                    if action.get("Type") != "forward":
                        continue
                    config = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
                    if config:
                        groups = [(g["TargetGroupArn"], int(g.get("Weight", 1))) for g in config]
                    elif action.get("TargetGroupArn"):
                        groups = [(action["TargetGroupArn"], 1)]
                    break
                for group, _ in groups:
                    if group not in group_targets:
                        descriptions = self.elbv2.describe_target_health(TargetGroupArn=group).get(
                            "TargetHealthDescriptions", [])
                        group_targets[group] = [
                            {"id": d["Target"]["Id"], "port": int(d["Target"].get("Port") or 80),
                             "state": (d.get("TargetHealth") or {}).get("State")}
                            for d in descriptions
                            if (d.get("TargetHealth") or {}).get("State") not in ("draining", "unused")
                        ]
                routes[(dns, int(listener["Port"]))] = {
                    "loadBalancer": balancer["LoadBalancerArn"],
                    "listener": listener["ListenerArn"],
                    "groups": [{"arn": g, "weight": w, "targets": group_targets[g]} for g, w in groups],
                }
        with self.lock:
            self.routes = routes

    def pick_target(self, route, key):
        """Weighted choice among groups that have targets (deterministic smooth weighted round robin),
        then round robin among the group's targets. None when no group with weight has targets."""
        with self.lock:
            candidates = [g for g in route["groups"] if g["weight"] > 0 and g["targets"]]
            if not candidates:
                return None
            if len(candidates) == 1:
                group = candidates[0]
            else:
                weights = self.rr.setdefault(("swrr",) + key, {})
                total = sum(g["weight"] for g in candidates)
                for g in candidates:
                    weights[g["arn"]] = weights.get(g["arn"], 0) + g["weight"]
                group = max(candidates, key=lambda g: weights[g["arn"]])
                weights[group["arn"]] -= total
            counter = self.rr.get(("rr", group["arn"]), 0)
            self.rr[("rr", group["arn"])] = counter + 1
            target = group["targets"][counter % len(group["targets"])]
            host_port = self.addresses.get((target["id"], target["port"]))
            if host_port is not None:
                return group["arn"], "127.0.0.1", host_port
            return group["arn"], target["id"], target["port"]

    # MARK: Loops

    def loop(self, name, work, wakeup=None):
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                work()
                if self.errors[name]:
                    log("%s poll recovered" % name)
                self.errors[name] = None
            except Exception as error:
                if str(error) != self.errors[name]:
                    log("%s poll failed: %s" % (name, error))
                self.errors[name] = str(error)
            elapsed = time.monotonic() - started
            key = "Ecs" if name == "ecs" else "Route"
            with self.lock:
                self.timings["ecsPolls" if name == "ecs" else "routePolls"] += 1
                self.timings["last%sPollSeconds" % key] = round(elapsed, 4)
                self.timings["max%sPollSeconds" % key] = round(max(self.timings["max%sPollSeconds" % key], elapsed), 4)
            pause = max(0.05, self.poll_interval - elapsed) if name == "ecs" else self.poll_interval
            if wakeup is not None:
                wakeup.wait(pause)
                wakeup.clear()
            else:
                self.stopping.wait(pause)

    def state(self):
        with self.lock:
            services = dict(self.services)
            # Containers started since the last full poll.
            for task in self.tasks.values():
                entry = services.get(task.service_arn)
                if entry is not None and task.container_id not in [c["id"] for c in entry["containers"]]:
                    entry = dict(entry)
                    entry["containers"] = entry["containers"] + [task.as_json()]
                    services[task.service_arn] = entry
            return {
                "instance": self.instance_id,
                "services": services,
                "stopped": list(self.stopped),
                "faults": {str(p): s for p, s in self.faults.items()},
                "routes": {
                    "%s:%d" % key: {"loadBalancer": r["loadBalancer"], "listener": r["listener"],
                                    "targetGroups": r["groups"]}
                    for key, r in self.routes.items()
                },
                "timings": dict(self.timings),
                "errors": dict(self.errors),
            }

    def shutdown(self):
        self.stopping.set()
        self.route_wakeup.set()

    def cleanup(self):
        with self.lock:
            tasks = list(self.tasks.values())
        deadline = time.time() + 3
        for task in tasks:
            if time.time() > deadline:
                break
            try:
                for group in task.target_groups:
                    self.elbv2_at_exit.deregister_targets(TargetGroupArn=group, Targets=[task.target()])
                    log("deregistered %s from %s" % (task.container_id[:12], short(group)))
            except Exception as error:
                log("deregistration at exit skipped: %s" % error)
                break
        for attempt in range(2):
            try:
                ids = list(self.docker_states())
                if ids:
                    Docker.run(["rm", "-f"] + ids, check=False)
                    log("removed %d container(s)" % len(ids))
            except Exception as error:
                log("cleanup: %s" % error)
            if attempt == 0:
                time.sleep(0.3)  # a docker run interrupted by the signal may still create one


def make_handler(standin):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self):
            return "panda-standin"

        def log_message(self, format, *args):
            pass

        def read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return body
                    body += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def reply(self, status, body, content_type="text/plain; charset=utf-8", headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def handle_any(self):
            body = self.read_body()
            host_header = self.headers.get("Host") or ""
            host, _, port_text = host_header.rpartition(":") if ":" in host_header else (host_header, "", "")
            host = host.strip().lower().rstrip(".")
            if host.startswith("[") and host.endswith("]"):
                host = host[1:-1]
            try:
                port = int(port_text) if port_text else 80
            except ValueError:
                return self.reply(400, "bad Host header\n")
            path = self.path
            if host == "standin" or path.startswith("/_standin/"):
                return self.control(path)
            with standin.lock:
                fault = standin.faults.get(port)
                route = standin.routes.get((host, port))
            if fault is not None:
                return self.reply(fault, "standin: injected fault %d on listener port %d\n" % (fault, port))
            if route is None:
                return self.reply(404, "standin: no load balancer listener for %s:%d\n" % (host, port))
            picked = standin.pick_target(route, (host, port))
            if picked is None:
                return self.reply(503, "standin: 503 Service Temporarily Unavailable (no registered targets)\n")
            group, target_host, target_port = picked
            headers = {}
            for name, value in self.headers.items():
                if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                    continue
                headers[name] = value
            client = self.client_address[0]
            previous = self.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = (previous + ", " + client) if previous else client
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Port"] = str(port)
            if body or self.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            connection = http.client.HTTPConnection(target_host, target_port, timeout=10)
            try:
                # Headers as they came (no Accept-Encoding or Host of http.client's own).
                connection.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers.items():
                    connection.putheader(name, value)
                connection.endheaders(body if body else None)
                response = connection.getresponse()
                data = response.read()
            except socket.timeout:
                return self.reply(504, "standin: 504 Gateway Timeout\n")
            except Exception as error:
                return self.reply(502, "standin: 502 Bad Gateway (%s)\n" % error.__class__.__name__)
            finally:
                connection.close()
            self.log_request(response.status)
            self.send_response_only(response.status, response.reason)
            length = str(len(data))
            for name, value in response.getheaders():
                if name.lower() == "content-length" and self.command == "HEAD":
                    length = value
                if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                    continue
                self.send_header(name, value)
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def control(self, path):
            parsed = urllib.parse.urlsplit(path)
            query = urllib.parse.parse_qs(parsed.query)
            route = parsed.path
            if route == "/_standin/state" and self.command == "GET":
                return self.reply(200, json.dumps(standin.state(), indent=1, sort_keys=True) + "\n", "application/json")
            if route == "/_standin/fault" and self.command in ("POST", "PUT", "DELETE"):
                try:
                    port = int(query["port"][0])
                    status = int(query["status"][0]) if self.command != "DELETE" else None
                except (KeyError, ValueError, IndexError):
                    return self.reply(400, "standin: need port (and status for POST)\n")
                if status is not None and not 100 <= status <= 599:
                    return self.reply(400, "standin: status must be 100...599\n")
                with standin.lock:
                    if status is None:
                        standin.faults.pop(port, None)
                    else:
                        standin.faults[port] = status
                log("fault on port %d: %s" % (port, status if status is not None else "cleared"))
                return self.reply(200, json.dumps({"port": port, "status": status}) + "\n", "application/json")
            return self.reply(404, "standin: unknown control request %s %s\n" % (self.command, route))

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any

    return Handler


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moto-endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--proxy-port", type=int, default=0)
    parser.add_argument("--poll-interval", type=float, default=0.5)
    parser.add_argument("--instance-id", default=None, help="label value for this instance's containers")
    parser.add_argument("--watch-pid", type=int, default=None,
                        help="stop (and clean up) when this process is gone, e.g. the test runner")
    arguments = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "standin")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "standin")
    instance = arguments.instance_id or uuid.uuid4().hex[:12]
    standin = StandIn(arguments.moto_endpoint, arguments.region, max(0.05, arguments.poll_interval), instance)

    signal.signal(signal.SIGTERM, lambda *_: standin.shutdown())
    signal.signal(signal.SIGINT, lambda *_: standin.shutdown())

    server = Server(("127.0.0.1", arguments.proxy_port), make_handler(standin))
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True).start()
    try:
        standin.refresh_routes()
    except Exception as error:
        log("first routing refresh failed: %s" % error)
    routes = threading.Thread(target=standin.loop, args=("routes", standin.refresh_routes, standin.route_wakeup),
                              daemon=True)
    ecs = threading.Thread(target=standin.loop, args=("ecs", standin.reconcile), daemon=True)
    routes.start()
    ecs.start()
    log("instance %s, moto %s, region %s, poll every %.2f s" % (instance, arguments.moto_endpoint, arguments.region,
                                                                  standin.poll_interval))
    sys.stdout.write("standin ready proxy=127.0.0.1:%d\n" % port)
    sys.stdout.flush()

    while not standin.stopping.is_set():
        standin.stopping.wait(1.0)
        if arguments.watch_pid and not process_exists(arguments.watch_pid):
            log("process %d is gone" % arguments.watch_pid)
            standin.shutdown()
    log("stopping")
    ecs.join(timeout=DOCKER_TIMEOUT)
    routes.join(timeout=15)
    server.shutdown()
    standin.cleanup()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
