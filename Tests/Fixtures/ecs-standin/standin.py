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
import random
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone

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

    def __init__(self, container_id, service_arn, cluster_arn, taskdef_arn, image, container_port, host_port, bridge_ip,
                 service_name=None, container_name=None, task_arn=None):
        self.container_id = container_id
        self.service_name = service_name
        self.container_name = container_name or "app"
        self.task_arn = task_arn
        self.service_arn = service_arn
        self.cluster_arn = cluster_arn
        self.taskdef_arn = taskdef_arn
        self.image = image
        self.container_port = container_port
        self.host_port = host_port
        self.bridge_ip = bridge_ip
        self.target_groups = []  # registered in these, in moto
        self.started_at = time.time()
        self.health = {}  # target group arn -> HealthState

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
            "taskArn": self.task_arn,
            "health": {group: state.state for group, state in self.health.items()},
        }


class HealthState:
    """A target's health in one target group, judged as the ALB judges it: `initial` until one
    check passes (then `healthy`: "after your target is registered, it must pass one health check
    to be considered healthy") or UnhealthyThresholdCount fail in a row (then `unhealthy`);
    afterwards HealthyThresholdCount and UnhealthyThresholdCount checks in a row move it."""

    def __init__(self):
        self.state = "initial"
        self.passes = 0
        self.failures = 0
        self.last_check = None
        self.codes = []  # the last few answers, e.g. ["404", "timeout"]

    def record(self, passed, code, healthy_threshold, unhealthy_threshold):
        self.codes = (self.codes + [code])[-5:]
        if passed:
            self.passes, self.failures = self.passes + 1, 0
            if self.state == "initial" or self.passes >= healthy_threshold:
                self.state = "healthy"
        else:
            self.failures, self.passes = self.failures + 1, 0
            if self.failures >= unhealthy_threshold:
                self.state = "unhealthy"

    def reason(self):
        """ELBv2's Reason and Description for the state."""
        if self.state == "initial":
            return "Elb.InitialHealthChecking", "Initial health checks in progress"
        if self.state == "unhealthy":
            if self.codes and self.codes[-1].isdigit():
                return "Target.ResponseCodeMismatch", "Health checks failed with these codes: [%s]" % self.codes[-1]
            return "Target.Timeout", "Request timed out"
        return None, None


class PlacementFailure(Exception):
    """ECS could not place or launch a task: the service gets an event, no task is stopped."""


def matcher_accepts(matcher, status):
    """ELBv2's HttpCode matcher: `200`, `200,302` or `200-399`."""
    for part in (matcher or "200").split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            if int(low) <= status <= int(high):
                return True
        elif part and int(part) == status:
            return True
    return False


def epoch(value=None):
    return round(value if value is not None else time.time(), 3)


class StandIn:
    def __init__(self, endpoint, region, poll_interval, instance_id, strictness=None):
        strictness = strictness or {}
        # How strictly it plays AWS (see the README): IAM propagation delay, stopped-task retention,
        # health-check time scale (1.0 = real seconds), share of API calls throttled.
        self.iam_propagation_seconds = float(strictness.get("iam_propagation_seconds", 0))
        self.stopped_retention_seconds = float(strictness.get("stopped_retention_seconds", 3600))
        self.health_time_scale = float(strictness.get("health_time_scale", 1.0))
        self.throttle_share = float(strictness.get("throttle_share", 0))
        self.throttle_counter = 0
        self.api_calls = 0
        self.throttled_calls = 0
        self.events = {}  # service arn -> [event dicts], newest last
        # role name -> when a role created through the API proxy can first be assumed: the
        # propagation delay in force when the role was created (a later change does not move it).
        self.role_assumable_at = {}
        self.placement_faults = {}  # service name (or "*") -> reason
        self.api_faults = {}  # API action -> {"skip": calls to let through first, "count": calls to fail, "code", "message"}
        self.grace_periods = {}  # service arn or name -> healthCheckGracePeriodSeconds moto dropped
        self.target_health = {}  # (target group arn, id, port) -> state, for the ALB's routing
        self.group_settings = {}  # target group arn -> its health check settings
        self.subnet_turn = {}  # service arn -> placements so far (tasks go round the service's subnets)
        self.internet_checked_at = 0.0
        self.account = "123456789012"
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
        self.timings = {"ecsPolls": 0, "routesPolls": 0, "healthPolls": 0}
        self.errors = {"ecs": None, "routes": None, "health": None}
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
        self.iam = session.client("iam", endpoint_url=endpoint, config=config)
        self.ec2 = session.client("ec2", endpoint_url=endpoint, config=config)
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
            self.taskdefs[key] = (chosen.get("image"), port, definition.get("taskDefinitionArn", arn),
                                  definition.get("executionRoleArn"), chosen.get("name") or container_name)
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
                        "network": (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {},
                        "grace": service.get("healthCheckGracePeriodSeconds")
                        or self.grace_periods.get(service["serviceArn"]) or 0,
                    }
                    self.account = service["serviceArn"].split(":")[4]
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
        image, port, taskdef_arn, role_arn, container_name = self.describe_taskdef(spec["taskdef"], spec["containerName"])
        if not image or not port:
            raise RuntimeError("task definition %s has no image or containerPort" % spec["taskdef"])
        name = spec["name"]
        placement = self.placement_faults.get(name) or self.placement_faults.get("*")
        if placement:
            self.add_event(service_arn, "(service %s) was unable to place a task. Reason: %s." % (name, placement))
            raise PlacementFailure(placement)
        if role_arn and not self.role_assumable(role_arn):
            self.add_event(service_arn, (
                "(service %s) failed to launch a task with (error ECS was unable to assume the role '%s' that was "
                "provided for this task. Please verify that the role being passed has the proper trust relationship "
                "and that the IAM user you are using has permissions to pass the role.)") % (name, role_arn))
            raise PlacementFailure("role %s cannot be assumed" % role_arn)
        task_arn = "arn:aws:ecs:%s:%s:task/%s/%s" % (self.region, self.account, short(spec["cluster"]), uuid.uuid4().hex)
        subnet = self.next_subnet(service_arn, spec)
        if subnet and not self.subnet_reaches_internet(subnet, spec["network"].get("assignPublicIp") == "ENABLED"):
            reason = ("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
                      "%s: failed to do request: Head \"https://%s\": dial tcp 10.0.0.1:443: i/o timeout") % (
                          image, image.split("/", 1)[0])
            now = time.time()
            self.record_stopped({
                "taskArn": task_arn, "service": service_arn, "serviceName": name, "cluster": spec["cluster"],
                "taskdef": spec["taskdef"], "image": image, "containerName": container_name, "containerPort": port,
                "stoppedReason": reason, "stopCode": "TaskFailedToStart", "exitCode": None, "containerReason": reason,
                "createdAt": now, "startedAt": None, "stoppedAt": now, "subnet": subnet, "targetGroups": [],
            })
            log("task of %s in %s cannot pull its image: no route to an internet gateway" % (name, subnet))
            raise RuntimeError("task %s stopped: CannotPullContainerError" % task_arn.rsplit("/", 1)[1])
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
                now = time.time()
                self.record_stopped({
                    "id": container, "shortId": container[:12], "taskArn": task_arn, "service": service_arn,
                    "serviceName": name, "cluster": spec["cluster"], "image": image, "taskdef": spec["taskdef"],
                    "containerName": container_name, "containerPort": port, "hostPort": None,
                    "stoppedReason": reason, "stopCode": "EssentialContainerExited", "exitCode": code,
                    "createdAt": now, "startedAt": now, "stoppedAt": now, "targetGroups": [],
                })
                log("stopped %s of %s at start: %s (exit code %s)" % (container[:12], short(service_arn), reason, code))
                raise RuntimeError("task %s exited at start (exit code %s)" % (container[:12], code))
            raise error
        task = Task(container, service_arn, spec["cluster"], spec["taskdef"], image, port, host_port, bridge_ip,
                    service_name=name, container_name=container_name, task_arn=task_arn)
        task.subnet = subnet
        with self.lock:
            self.tasks[container] = task
            self.addresses[(bridge_ip, port)] = host_port
        self.add_event(service_arn, "(service %s) has started 1 tasks: (task %s)." % (name, task_arn.rsplit("/", 1)[1]))
        log("started %s for %s (%s, %s) on 127.0.0.1:%d" % (container[:12], short(service_arn), short(spec["taskdef"]),
                                                              image, host_port))
        self.wait_until_accepting(task)
        return task

    # MARK: What AWS checks before a task runs

    def add_event(self, service_arn, message):
        """A service event, newest last; the same message again only after 10 s (ECS repeats them too)."""
        with self.lock:
            events = self.events.setdefault(service_arn, [])
            if events and events[-1]["message"] == message and time.time() - events[-1]["createdAt"] < 10:
                return
            events.append({"id": uuid.uuid4().hex, "createdAt": epoch(), "message": message})
            del events[:-100]
        log("event: %s" % message)

    def record_stopped(self, record):
        """ECS lists a stopped task for about an hour."""
        with self.lock:
            self.stopped.append(record)
            horizon = time.time() - self.stopped_retention_seconds
            self.stopped[:] = [r for r in self.stopped if (r.get("stoppedAt") or 0) >= horizon][-1000:]

    def role_assumable(self, role_arn):
        """A role exists and was created at least iam_propagation_seconds ago (IAM is eventually consistent)."""
        name = role_arn.rsplit("/", 1)[-1]
        if time.time() < self.role_assumable_at.get(name, 0):
            return False
        try:
            self.iam.get_role(RoleName=name)
            return True
        except Exception:
            return False

    def service_linked_role_ready(self):
        if time.time() < self.role_assumable_at.get("AWSServiceRoleForECS", 0):
            return False
        roles = self.iam.list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/").get("Roles", [])
        return any(role["RoleName"] == "AWSServiceRoleForECS" for role in roles)

    def next_subnet(self, service_arn, spec):
        subnets = spec["network"].get("subnets") or []
        if not subnets:
            return None
        turn = self.subnet_turn.get(service_arn, 0)
        self.subnet_turn[service_arn] = turn + 1
        return subnets[turn % len(subnets)]

    def subnet_reaches_internet(self, subnet_id, public_ip):
        """Pulling from ECR needs 0.0.0.0/0 to an internet gateway (with a public IP) or a NAT gateway."""
        tables = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]).get("RouteTables", [])
        if not tables:
            subnets = self.ec2.describe_subnets(SubnetIds=[subnet_id]).get("Subnets", [])
            if not subnets:
                return False
            tables = self.ec2.describe_route_tables(Filters=[
                {"Name": "vpc-id", "Values": [subnets[0]["VpcId"]]},
                {"Name": "association.main", "Values": ["true"]}]).get("RouteTables", [])
        for table in tables[:1]:
            for route in table.get("Routes", []):
                if route.get("DestinationCidrBlock") != "0.0.0.0/0":
                    continue
                if route.get("NatGatewayId"):
                    return True
                if (route.get("GatewayId") or "").startswith("igw-") and public_ip:
                    return True
        return False

    def ensure_default_vpc_internet(self):
        """An AWS default VPC has an internet gateway and a 0.0.0.0/0 route to it; moto's has neither."""
        if time.time() - self.internet_checked_at < 5:
            return
        self.internet_checked_at = time.time()
        for vpc in self.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}]).get("Vpcs", []):
            vpc_id = vpc["VpcId"]
            tables = self.ec2.describe_route_tables(Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]).get("RouteTables", [])
            if not tables or any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in tables[0].get("Routes", [])):
                continue
            gateways = self.ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]).get("InternetGateways", [])
            if gateways:
                gateway = gateways[0]["InternetGatewayId"]
            else:
                gateway = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
                self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
            self.ec2.create_route(RouteTableId=tables[0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
            log("default VPC %s: internet gateway %s and 0.0.0.0/0 route, as in AWS" % (vpc_id, gateway))

    # MARK: Target health, probed as the ALB probes

    def settings_of(self, group):
        settings = self.group_settings.get(group)
        if settings is None:
            found = self.elbv2.describe_target_groups(TargetGroupArns=[group]).get("TargetGroups", [])
            settings = found[0] if found else {}
            with self.lock:
                self.group_settings[group] = settings
        return settings

    def check_health(self):
        with self.lock:
            tasks = list(self.tasks.values())
        for task in tasks:
            for group in list(task.target_groups):
                if self.stopping.is_set():
                    return
                settings = self.settings_of(group)
                state = task.health.setdefault(group, HealthState())
                interval = float(settings.get("HealthCheckIntervalSeconds") or 30) * self.health_time_scale
                if state.last_check is not None and time.time() - state.last_check < interval:
                    continue
                state.last_check = time.time()
                timeout = max(0.5, float(settings.get("HealthCheckTimeoutSeconds") or 5) * self.health_time_scale)
                code = self.probe(task, settings.get("HealthCheckPath") or "/", timeout)
                matcher = (settings.get("Matcher") or {}).get("HttpCode") or "200"
                passed = code.isdigit() and matcher_accepts(matcher, int(code))
                before = state.state
                state.record(passed, code, int(settings.get("HealthyThresholdCount") or 5),
                             int(settings.get("UnhealthyThresholdCount") or 2))
                with self.lock:
                    self.target_health[(group, task.bridge_ip, task.container_port)] = state.state
                if state.state != before:
                    log("target %s:%d in %s: %s -> %s (%s)" % (task.bridge_ip, task.container_port, short(group),
                                                              before, state.state, ", ".join(state.codes)))

    @staticmethod
    def probe(task, path, timeout):
        connection = http.client.HTTPConnection("127.0.0.1", task.host_port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"User-Agent": "ELB-HealthChecker/2.0"})
            response = connection.getresponse()
            response.read()
            return str(response.status)
        except socket.timeout:
            return "timeout"
        except Exception:
            return "connection refused"
        finally:
            connection.close()

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

    def stop_task(self, task, reason, exit_code=None, remove=True, stop_code="ServiceSchedulerInitiated"):
        record = task.as_json()
        self.deregister(task)
        with self.lock:
            for group in task.health:
                self.target_health.pop((group, task.bridge_ip, task.container_port), None)
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
            record.update({"service": task.service_arn, "serviceName": task.service_name, "cluster": task.cluster_arn,
                           "containerName": task.container_name, "stoppedReason": reason, "stopCode": stop_code,
                           "exitCode": exit_code, "createdAt": task.started_at, "stoppedAt": time.time()})
        self.record_stopped(record)
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
        self.stop_task(task, reason, exit_code=code, stop_code="EssentialContainerExited")
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
        self.ensure_default_vpc_internet()
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
                    self.stop_task(task, "Container removed outside the stand-in", remove=False,
                                   stop_code="EssentialContainerExited")
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
        # ECS stops a task whose target stays unhealthy past the service's grace period, and starts another.
        for task in list(current):
            unhealthy = [g for g, h in task.health.items() if h.state == "unhealthy"]
            if unhealthy and time.time() - task.started_at >= float(spec["grace"] or 0):
                group = unhealthy[0]
                self.add_event(service_arn, "(service %s) (task %s) is unhealthy in (target-group %s) due to (reason %s)." % (
                    spec["name"], task.task_arn.rsplit("/", 1)[1], group, task.health[group].reason()[1]))
                self.stop_task(task, "Task failed ELB health checks in (target-group %s)" % group)
                self.note_failure(service_arn, spec["taskdef"])
                current.remove(task)
        # New ones first (a rolling update keeps the old ones serving meanwhile).
        for _ in range(spec["desired"] - len(current)):
            if self.stopping.is_set() or time.time() < self.restart_after.get((service_arn, spec["taskdef"]), 0):
                break
            try:
                task = self.start_task(service_arn, spec)
            except PlacementFailure:
                break  # only the service's events tell; ECS tries again later
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
                self.stop_task(task, "Scaling activity initiated by (deployment ecs-svc/%s)" % spec["name"])
        if outdated or excess > 0:
            self.route_wakeup.set()

    # MARK: ALB routing table

    def refresh_routes(self):
        settings = {}
        marker = None
        while True:
            page = self.elbv2.describe_target_groups(**({"Marker": marker} if marker else {}))
            settings.update({g["TargetGroupArn"]: g for g in page.get("TargetGroups", [])})
            marker = page.get("NextMarker")
            if not marker:
                break
        with self.lock:
            self.group_settings = settings
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
            candidates = []
            for g in route["groups"]:
                usable = self.routable(g)
                if g["weight"] > 0 and usable:
                    candidates.append(dict(g, targets=usable))
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

    def routable(self, group):
        """Healthy targets; when every target is unhealthy the ALB fails open and uses them all.
        Targets the stand-in does not probe count as moto says (healthy). Call with the lock held."""
        states = [self.target_health.get((group["arn"], t["id"], t["port"]), "healthy") for t in group["targets"]]
        healthy = [t for t, state in zip(group["targets"], states) if state == "healthy"]
        if not healthy and states and all(state == "unhealthy" for state in states):
            return list(group["targets"])
        return healthy

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
            key = {"ecs": "Ecs", "routes": "Route", "health": "Health"}[name]
            with self.lock:
                self.timings[name + "Polls"] = self.timings.get(name + "Polls", 0) + 1
                self.timings["last%sPollSeconds" % key] = round(elapsed, 4)
                self.timings["max%sPollSeconds" % key] = round(max(self.timings.get("max%sPollSeconds" % key, 0.0), elapsed), 4)
            pause = {"ecs": max(0.05, self.poll_interval - elapsed), "routes": self.poll_interval, "health": 0.1}[name]
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
                "events": {arn: list(events) for arn, events in self.events.items()},
                "placementFaults": dict(self.placement_faults),
                "api": {"calls": self.api_calls, "throttled": self.throttled_calls, "throttleShare": self.throttle_share},
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
            if route == "/_standin/placement" and self.command in ("POST", "DELETE"):
                service = (query.get("service") or ["*"])[0]
                with standin.lock:
                    if self.command == "DELETE":
                        standin.placement_faults.pop(service, None)
                    else:
                        standin.placement_faults[service] = (query.get("reason") or [
                            "You've reached the limit on the number of tasks you can run concurrently"])[0]
                return self.reply(200, json.dumps({"placementFaults": standin.placement_faults}) + "\n", "application/json")
            if route == "/_standin/api-fault" and self.command in ("POST", "DELETE"):
                action = (query.get("action") or [""])[0]
                if not action:
                    return self.reply(400, "standin: need action\n")
                with standin.lock:
                    if self.command == "DELETE":
                        standin.api_faults.pop(action, None)
                    else:
                        standin.api_faults[action] = {
                            "skip": int((query.get("skip") or ["0"])[0]), "count": int((query.get("count") or ["1"])[0]),
                            "code": (query.get("code") or ["InternalFailure"])[0],
                            "message": (query.get("message") or ["injected by the stand-in"])[0],
                            "status": int((query.get("status") or ["500"])[0]),
                            "delay": float((query.get("delay") or ["0"])[0]),
                        }
                return self.reply(200, json.dumps({"apiFaults": standin.api_faults}) + "\n", "application/json")
            if route == "/_standin/throttle" and self.command in ("POST", "PUT"):
                try:
                    share = float(query["share"][0])
                except (KeyError, ValueError, IndexError):
                    return self.reply(400, "standin: need share (0.0-1.0)\n")
                with standin.lock:
                    standin.throttle_share = max(0.0, min(1.0, share))
                    standin.throttle_counter = 0
                return self.reply(200, json.dumps({"throttleShare": standin.throttle_share}) + "\n", "application/json")
            if route == "/_standin/iam-propagation" and self.command in ("POST", "PUT"):
                try:
                    seconds = float(query["seconds"][0])
                except (KeyError, ValueError, IndexError):
                    return self.reply(400, "standin: need seconds\n")
                with standin.lock:
                    standin.iam_propagation_seconds = seconds
                return self.reply(200, json.dumps({"iamPropagationSeconds": seconds}) + "\n", "application/json")
            return self.reply(404, "standin: unknown control request %s %s\n" % (self.command, route))

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any

    return Handler


# MARK: The AWS API, as strict as AWS

ELB_NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


class APIReply:
    def __init__(self, status, body, content_type="text/xml"):
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = content_type


def json_error(code, message, status=400):
    return APIReply(status, json.dumps({"__type": code, "message": message}), JSON_CONTENT_TYPE)


def query_error(service, code, message, status=400):
    """The error document of a query-protocol service (EC2 has its own shape)."""
    request = uuid.uuid4()
    if service == "ec2":
        body = "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>" % (
            code, xml_text(message), request)
    else:
        body = ('<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
                '<RequestId>%s</RequestId></ErrorResponse>') % (code, xml_text(message), request)
    return APIReply(status, body)


def xml_text(value):
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


class AWSAPI:
    """Answers what moto answers too leniently and forwards everything else to moto unchanged
    (the Host header included, so moto's signature checks still hold)."""

    def __init__(self, standin, moto_endpoint):
        self.standin = standin
        parsed = urllib.parse.urlsplit(moto_endpoint)
        self.moto_host, self.moto_port = parsed.hostname, parsed.port or 80
        self.handlers = {
            ("ecs", "ListTasks"): self.list_tasks,
            ("ecs", "DescribeTasks"): self.describe_tasks,
            ("ecs", "DescribeServices"): self.describe_services,
            ("ecs", "CreateService"): self.create_service,
            ("ecs", "UpdateService"): self.update_service,
            ("elasticloadbalancing", "DescribeTargetHealth"): self.describe_target_health,
            ("elasticloadbalancing", "CreateLoadBalancer"): self.create_load_balancer,
            ("iam", "CreateRole"): self.create_role,
            ("iam", "CreateServiceLinkedRole"): self.create_service_linked_role,
        }

    @staticmethod
    def identify(headers, body):
        """(service, action, parameters) of a signed AWS request."""
        authorization = headers.get("Authorization") or ""
        service = ""
        if "Credential=" in authorization:
            scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            service = scope[3] if len(scope) > 3 else ""
        target = headers.get("X-Amz-Target")
        if target:
            try:
                parameters = json.loads(body or b"{}")
            except ValueError:
                parameters = {}
            return service, target.rsplit(".", 1)[-1], parameters
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        parameters = {key: values[0] for key, values in form.items()}
        return service, parameters.get("Action", ""), parameters

    def handle(self, method, path, headers, body):
        if path.startswith("/moto-api"):
            return self.forward(method, path, headers, body)
        service, action, parameters = self.identify(headers, body)
        standin = self.standin
        with standin.lock:
            standin.api_calls += 1
            # A steady share, not a random one: the same run throttles the same calls.
            before = int(standin.throttle_counter * standin.throttle_share)
            standin.throttle_counter += 1
            throttle = int(standin.throttle_counter * standin.throttle_share) > before
            if throttle:
                standin.throttled_calls += 1
        if throttle and action:
            log("api: throttled %s %s" % (service, action))
            if headers.get("X-Amz-Target"):
                return json_error("ThrottlingException", "Rate exceeded")
            return query_error(service, "RequestLimitExceeded" if service == "ec2" else "Throttling", "Rate exceeded")
        with standin.lock:
            fault = standin.api_faults.get(action)
            injected = None
            if fault is not None:
                if fault["skip"] > 0:
                    fault["skip"] -= 1
                elif fault["count"] > 0:
                    fault["count"] -= 1
                    injected = fault
        if injected is not None:
            log("api: injected %s for %s" % (injected["code"], action))
            if injected.get("delay"):
                time.sleep(injected["delay"])
            # code=Delay: a slow call that then goes through (the caller may have given up by then).
            if injected["code"] != "Delay":
                if headers.get("X-Amz-Target"):
                    return json_error(injected["code"], injected["message"], injected["status"])
                return query_error(service, injected["code"], injected["message"], injected["status"])
        handler = self.handlers.get((service, action))
        if handler is None:
            return self.forward(method, path, headers, body)
        return handler(parameters, lambda: self.forward(method, path, headers, body))

    def forward(self, method, path, headers, body):
        connection = http.client.HTTPConnection(self.moto_host, self.moto_port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                    continue
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return APIReply(response.status, response.read(), response.getheader("Content-Type") or "text/xml")
        finally:
            connection.close()

    # ECS

    def list_tasks(self, parameters, forward):
        """ECS filters by service and keeps a service's stopped tasks listed for about an hour."""
        standin = self.standin
        service = parameters.get("serviceName")
        cluster = parameters.get("cluster") or "default"
        status = parameters.get("desiredStatus") or "RUNNING"
        with standin.lock:
            records = self.task_records()
        family = parameters.get("family")
        arns = [r["taskArn"] for r in records
                if (r["lastStatus"] == "STOPPED") == (status == "STOPPED")
                and short(r["clusterArn"]) == short(cluster)
                and (not service or r["group"] == "service:" + short(service))
                and (not family or short(r["taskDefinitionArn"]).split(":")[0] == family)]
        return APIReply(200, json.dumps({"taskArns": arns}), JSON_CONTENT_TYPE)

    def task_records(self):
        """Every task the stand-in knows, in describe-tasks shape. Call with the lock held."""
        standin = self.standin
        records = []
        horizon = time.time() - standin.stopped_retention_seconds
        for task in standin.tasks.values():
            records.append(self.task_json(
                task.task_arn, task.cluster_arn, task.service_name, task.taskdef_arn, task.container_name, task.image,
                "RUNNING", task.started_at, task.started_at, None, None, None, None, None))
        for record in standin.stopped:
            if not record.get("taskArn") or (record.get("stoppedAt") or 0) < horizon:
                continue
            records.append(self.task_json(
                record["taskArn"], record.get("cluster"), record.get("serviceName"), record.get("taskdef"),
                record.get("containerName"), record.get("image"), "STOPPED", record.get("createdAt"),
                record.get("startedAt"), record.get("stoppedAt"), record.get("stoppedReason"), record.get("stopCode"),
                record.get("exitCode"), record.get("containerReason")))
        return records

    def task_json(self, arn, cluster, service, taskdef, container, image, status, created, started, stopped, reason,
                  stop_code, exit_code, container_reason):
        cluster_arn = cluster if (cluster or "").startswith("arn:") else "arn:aws:ecs:%s:%s:cluster/%s" % (
            self.standin.region, self.standin.account, cluster)
        task = {
            "taskArn": arn, "clusterArn": cluster_arn, "taskDefinitionArn": taskdef, "group": "service:%s" % service,
            "startedBy": "ecs-svc/%s" % service, "launchType": "FARGATE", "lastStatus": status,
            "desiredStatus": "STOPPED" if status == "STOPPED" else "RUNNING", "createdAt": epoch(created),
            "containers": [{"name": container, "image": image, "lastStatus": status, "taskArn": arn}],
        }
        if started is not None:
            task["startedAt"] = epoch(started)
        if status == "STOPPED":
            task.update({"stoppedAt": epoch(stopped), "stoppedReason": reason, "stopCode": stop_code,
                         "stoppingAt": epoch(stopped), "executionStoppedAt": epoch(stopped)})
            if exit_code is not None:
                task["containers"][0]["exitCode"] = exit_code
            if container_reason:
                task["containers"][0]["reason"] = container_reason
        return task

    def describe_tasks(self, parameters, forward):
        with self.standin.lock:
            records = {r["taskArn"]: r for r in self.task_records()}
        found, failures = [], []
        for arn in parameters.get("tasks") or []:
            match = records.get(arn) or next((r for a, r in records.items() if a.rsplit("/", 1)[-1] == arn), None)
            if match:
                found.append(match)
            else:
                failures.append({"arn": arn, "reason": "MISSING"})
        return APIReply(200, json.dumps({"tasks": found, "failures": failures}), JSON_CONTENT_TYPE)

    def describe_services(self, parameters, forward):
        """Real running counts and the service's events (moto has neither)."""
        reply = forward()
        if reply.status != 200:
            return reply
        answer = json.loads(reply.body)
        standin = self.standin
        with standin.lock:
            for service in answer.get("services", []):
                arn = service.get("serviceArn")
                running = [t for t in standin.tasks.values() if t.service_arn == arn]
                service["runningCount"] = len(running)
                service["pendingCount"] = 0
                service["events"] = list(reversed(standin.events.get(arn, [])))
                if service.get("healthCheckGracePeriodSeconds") is None and arn in standin.grace_periods:
                    service["healthCheckGracePeriodSeconds"] = standin.grace_periods[arn]
        return APIReply(200, json.dumps(answer), JSON_CONTENT_TYPE)

    def create_service(self, parameters, forward):
        standin = self.standin
        if not standin.service_linked_role_ready():
            return json_error("InvalidParameterException",
                              "Unable to assume the service linked role. Please verify that the ECS service linked role exists.")
        mismatch = self.port_mismatch(parameters.get("taskDefinition"), parameters.get("loadBalancers") or [])
        if mismatch:
            return json_error("InvalidParameterException", mismatch)
        reply = forward()
        grace = parameters.get("healthCheckGracePeriodSeconds")
        if reply.status == 200 and grace is not None:
            # moto drops the grace period on create; ECS keeps it.
            arn = json.loads(reply.body)["service"]["serviceArn"]
            with standin.lock:
                standin.grace_periods[arn] = int(grace)
        return reply

    def update_service(self, parameters, forward):
        """ECS refuses a task definition whose container lacks the port the load balancer config names."""
        balancers = parameters.get("loadBalancers")
        if balancers is None and parameters.get("taskDefinition"):
            described = self.standin.ecs.describe_services(cluster=parameters.get("cluster") or "default",
                                                           services=[parameters.get("service")]).get("services", [])
            balancers = described[0].get("loadBalancers") or [] if described else []
        mismatch = self.port_mismatch(parameters.get("taskDefinition"), balancers or [])
        if mismatch:
            return json_error("InvalidParameterException", mismatch)
        reply = forward()
        grace = parameters.get("healthCheckGracePeriodSeconds")
        if reply.status == 200 and grace is not None:
            arn = json.loads(reply.body)["service"]["serviceArn"]
            with self.standin.lock:
                self.standin.grace_periods[arn] = int(grace)
        return reply

    def port_mismatch(self, taskdef, balancers):
        if not taskdef or not balancers:
            return None
        try:
            definition = self.standin.ecs.describe_task_definition(taskDefinition=taskdef)["taskDefinition"]
        except Exception:
            return None
        for balancer in balancers:
            name, port = balancer.get("containerName"), balancer.get("containerPort")
            container = next((c for c in definition.get("containerDefinitions", []) if c.get("name") == name), None)
            if container is None:
                return "The container %s does not exist in the task definition." % name
            ports = [m.get("containerPort") for m in container.get("portMappings") or []]
            if port not in ports:
                return "The container %s did not have a container port %s defined." % (name, port)
        return None

    # ELBv2

    def describe_target_health(self, parameters, forward):
        """From the stand-in's probes: initial, then healthy or unhealthy (moto says healthy at once)."""
        reply = forward()
        if reply.status != 200:
            return reply
        group = parameters.get("TargetGroupArn")
        root = ElementTree.fromstring(reply.body)
        members = []
        for member in root.iter():
            if not member.tag.endswith("member") or member.find("{*}Target") is None:
                continue
            target_id = member.findtext("{*}Target/{*}Id")
            port = member.findtext("{*}Target/{*}Port")
            state = member.findtext("{*}TargetHealth/{*}State") or "healthy"
            reason = description = None
            task = self.task_at(target_id, int(port or 0))
            if task is not None:
                health = task.health.get(group)
                state = health.state if health else "initial"
                reason, description = health.reason() if health else HealthState().reason()
            members.append((target_id, port, state, reason, description))
        body = ['<DescribeTargetHealthResponse xmlns="%s"><DescribeTargetHealthResult><TargetHealthDescriptions>' % ELB_NAMESPACE]
        for target_id, port, state, reason, description in members:
            body.append("<member><Target><Id>%s</Id>%s</Target><HealthCheckPort>%s</HealthCheckPort><TargetHealth><State>%s</State>%s%s</TargetHealth></member>" % (
                xml_text(target_id), "<Port>%s</Port>" % port if port else "", port or "", state,
                "<Reason>%s</Reason>" % reason if reason else "",
                "<Description>%s</Description>" % xml_text(description) if description else ""))
        body.append("</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>%s</RequestId>"
                    "</ResponseMetadata></DescribeTargetHealthResponse>" % uuid.uuid4())
        return APIReply(200, "".join(body))

    def task_at(self, target_id, port):
        with self.standin.lock:
            return next((t for t in self.standin.tasks.values() if (t.bridge_ip, t.container_port) == (target_id, port)), None)

    def create_load_balancer(self, parameters, forward):
        """An ALB takes at most one subnet per Availability Zone, and needs two zones."""
        subnets = [value for key, value in sorted(parameters.items()) if key.startswith("Subnets.member.")]
        if subnets:
            found = {s["SubnetId"]: s["AvailabilityZone"]
                     for s in self.standin.ec2.describe_subnets(SubnetIds=sorted(set(subnets))).get("Subnets", [])}
            zones = [found.get(subnet) for subnet in subnets]
            if len(set(zones)) < len(zones):
                return query_error("elasticloadbalancing", "InvalidConfigurationRequest",
                                   "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
            if len(set(zones)) < 2:
                return query_error("elasticloadbalancing", "InvalidConfigurationRequest",
                                   "At least two subnets in two different Availability Zones must be specified")
        return forward()

    # IAM

    def create_role(self, parameters, forward):
        reply = forward()
        if reply.status == 200 and parameters.get("RoleName"):
            with self.standin.lock:
                self.standin.role_assumable_at[parameters["RoleName"]] = time.time() + self.standin.iam_propagation_seconds
        return reply

    def create_service_linked_role(self, parameters, forward):
        """As IAM names it (moto spells it AWSServiceRoleForecs), and only once."""
        service = parameters.get("AWSServiceName") or ""
        if service != "ecs.amazonaws.com":
            return forward()
        name, path = "AWSServiceRoleForECS", "/aws-service-role/ecs.amazonaws.com/"
        iam = self.standin.iam
        try:
            iam.get_role(RoleName=name)
            return query_error("iam", "InvalidInput",
                               "Service role name %s has been taken in this account, please try a different suffix." % name)
        except iam.exceptions.NoSuchEntityException:
            pass
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                                     "Action": "sts:AssumeRole"}]})
        role = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=trust)["Role"]
        with self.standin.lock:
            self.standin.role_assumable_at[name] = time.time() + self.standin.iam_propagation_seconds
        body = ('<CreateServiceLinkedRoleResponse xmlns="%s"><CreateServiceLinkedRoleResult><Role><Path>%s</Path>'
                '<RoleName>%s</RoleName><RoleId>%s</RoleId><Arn>%s</Arn><CreateDate>%s</CreateDate>'
                '<AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument></Role></CreateServiceLinkedRoleResult>'
                '<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></CreateServiceLinkedRoleResponse>') % (
                    IAM_NAMESPACE, path, name, role["RoleId"], role["Arn"],
                    datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), urllib.parse.quote(trust), uuid.uuid4())
        return APIReply(200, body)


def make_api_handler(api):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            try:
                reply = api.handle(self.command, self.path, self.headers, body)
            except Exception as error:
                log("api: %s %s failed: %s" % (self.command, self.path, error))
                reply = APIReply(500, "standin api error: %s\n" % error, "text/plain")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

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
    parser.add_argument("--api-port", type=int, default=0, help="the AWS API (moto behind the stand-in's rules)")
    parser.add_argument("--iam-propagation-seconds", type=float, default=0,
                        help="a role created through the API cannot be assumed for this long")
    parser.add_argument("--stopped-task-retention", type=float, default=3600)
    parser.add_argument("--health-time-scale", type=float, default=1.0,
                        help="target group health check intervals and timeouts are multiplied by this")
    parser.add_argument("--throttle-share", type=float, default=0, help="share of API calls answered ThrottlingException")
    parser.add_argument("--watch-pid", type=int, default=None,
                        help="stop (and clean up) when this process is gone, e.g. the test runner")
    arguments = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "standin")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "standin")
    instance = arguments.instance_id or uuid.uuid4().hex[:12]
    standin = StandIn(arguments.moto_endpoint, arguments.region, max(0.05, arguments.poll_interval), instance, {
        "iam_propagation_seconds": arguments.iam_propagation_seconds,
        "stopped_retention_seconds": arguments.stopped_task_retention,
        "health_time_scale": arguments.health_time_scale,
        "throttle_share": arguments.throttle_share,
    })

    signal.signal(signal.SIGTERM, lambda *_: standin.shutdown())
    signal.signal(signal.SIGINT, lambda *_: standin.shutdown())

    server = Server(("127.0.0.1", arguments.proxy_port), make_handler(standin))
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True).start()
    api_server = Server(("127.0.0.1", arguments.api_port), make_api_handler(AWSAPI(standin, arguments.moto_endpoint)))
    api_port = api_server.server_address[1]
    threading.Thread(target=api_server.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True).start()
    try:
        standin.refresh_routes()
    except Exception as error:
        log("first routing refresh failed: %s" % error)
    routes = threading.Thread(target=standin.loop, args=("routes", standin.refresh_routes, standin.route_wakeup),
                              daemon=True)
    ecs = threading.Thread(target=standin.loop, args=("ecs", standin.reconcile), daemon=True)
    health = threading.Thread(target=standin.loop, args=("health", standin.check_health), daemon=True)
    routes.start()
    ecs.start()
    health.start()
    log("instance %s, moto %s, region %s, poll every %.2f s" % (instance, arguments.moto_endpoint, arguments.region,
                                                                  standin.poll_interval))
    sys.stdout.write("standin ready proxy=127.0.0.1:%d api=127.0.0.1:%d\n" % (port, api_port))
    sys.stdout.flush()

    while not standin.stopping.is_set():
        standin.stopping.wait(1.0)
        if arguments.watch_pid and not process_exists(arguments.watch_pid):
            log("process %d is gone" % arguments.watch_pid)
            standin.shutdown()
    log("stopping")
    ecs.join(timeout=DOCKER_TIMEOUT)
    routes.join(timeout=15)
    health.join(timeout=15)
    server.shutdown()
    api_server.shutdown()
    standin.cleanup()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
