#!/usr/bin/env python3
"""The dashboard in a real browser: headless Chromium (Debian's chromium + chromium-driver)
driven by Selenium, against the real `panda` binary and the demo fixtures (git server,
GitHub API fixture, moto, registry, ECS/ALB stand-in; see demo/fixtures/main.swift).

Through the page only, like a user: gives the API key, connects GitHub (first with a wrong
token: the error must show next to the token field) and AWS, deploys v1 and watches stage
events arrive while it runs, deploys v2 (blue v1 vs green v2, both measured), deploys a
broken Dockerfile and reads the errorCode, then starts one more and cancels it.

Forced reconnects: Panda runs with `events.maxStreamSeconds=3`, so it closes every event
stream after 3 s, as it does after 5 minutes in production; the browser reconnects with
Last-Event-ID several times per deployment. The page must show every event exactly once
(ids unique, as many as the result's eventCount) and must not have needed its own
duplicate filter (a resumed stream sends only what came after Last-Event-ID).

Also: a shared link (`/?deployment=id`) opens that deployment, a list row opens by keyboard,
every control has a label, nothing scrolls sideways at 375 px, and the browser console has
no errors beyond the one 400 the wrong token causes. PNG screenshots go to --screenshots.

Usage: dashboard_test.py [--bin .build/debug] [--screenshots DIR]
Stops everything it started (panda, the fixtures and their containers, the browser).
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(text):
    print(f"browser-test: {text}", flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_for_file_line(path, process, seconds, what):
    """Waits until `path` has a complete first line; fails early when `process` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as handle:
                line = handle.readline()
            if line.endswith("\n"):
                return line.strip()
        if process.poll() is not None:
            raise Failure(f"{what} exited with {process.returncode} before it was ready")
        time.sleep(0.1)
    raise Failure(f"{what} was not ready after {seconds} s")


def stop(process, grace, what):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        log(f"{what} (pid {process.pid}) did not stop in {grace} s; killing it")
        process.kill()
        process.wait()


class Environment:
    """The fixtures and panda, started like scripts/demo.sh starts them, and stopped again."""

    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix="panda-browser-test-")
        os.chmod(self.work, 0o700)
        self.fixtures = None
        self.panda = None
        self.api_key = "browser-" + secrets.token_hex(12)

    def start(self):
        fixtures_tmp = os.path.join(self.work, "fixtures-tmp")
        os.mkdir(fixtures_tmp, 0o700)
        with open(os.path.join(self.work, "fixtures.json"), "w") as out, \
                open(os.path.join(self.work, "fixtures.log"), "w") as err:
            self.fixtures = subprocess.Popen([os.path.join(self.bin_dir, "panda-demo-fixtures")], cwd=ROOT,
                                             stdout=out, stderr=err, env={**os.environ, "TMPDIR": fixtures_tmp})
        self.info = json.loads(wait_for_file_line(os.path.join(self.work, "fixtures.json"), self.fixtures, 180, "the fixtures"))
        log(f"fixtures ready in {self.info['startupSeconds']} s")

        settings = list(self.info["pandaSettings"]) + [
            "health.intervalMilliseconds=500", "health.pollIntervalSeconds=1",
            # Streams end 3 s after they open, like the 5-minute limit in production: forced
            # reconnects with Last-Event-ID, several per deployment. Browsers come back after 500 ms.
            "events.maxStreamSeconds=3", "events.retryMilliseconds=500", "events.closeAfterTerminalSeconds=1",
            # Its own store: the checkout's ./data (the default) may hold other runs' deployments.
            "storage.directory=" + os.path.join(self.work, "data"),
        ]
        arguments = [os.path.join(self.bin_dir, "panda"), "serve", "--port", "0"]
        for setting in settings:
            arguments += ["--set", setting]
        # The key goes through the environment, never the command line.
        environment = {name: value for name, value in os.environ.items() if not name.startswith("PANDA_")}
        environment["PANDA_AUTH_API_KEYS"] = self.api_key
        with open(os.path.join(self.work, "panda.out"), "w") as out, open(os.path.join(self.work, "panda.log"), "w") as err:
            self.panda = subprocess.Popen(arguments, cwd=ROOT, stdout=out, stderr=err, env=environment)
        line = wait_for_file_line(os.path.join(self.work, "panda.out"), self.panda, 30, "panda")
        check(line.startswith("panda listening on "), f"unexpected first line from panda: {line}")
        self.url = line.removeprefix("panda listening on ")
        log(f"panda at {self.url}")

    def commit(self, query):
        request = urllib.request.Request(f"{self.info['control']}/_demo/commit?{query}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def api(self, path):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.api_key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def stop(self, failed):
        stop(self.panda, 15, "panda")
        stop(self.fixtures, 90, "the fixtures")
        if failed:
            for name in ("panda.log", "fixtures.log"):
                path = os.path.join(self.work, name)
                if os.path.exists(path):
                    with open(path) as handle:
                        lines = handle.readlines()[-25:]
                    print(f"--- last lines of {name}\n" + "".join(lines), file=sys.stderr)
        leftovers = os.listdir(os.path.join(self.work, "fixtures-tmp")) if os.path.isdir(os.path.join(self.work, "fixtures-tmp")) else []
        shutil.rmtree(self.work, ignore_errors=True)
        registry = getattr(self, "info", {}).get("registry")
        if registry:
            containers = subprocess.run(["docker", "ps", "-a", "--format", "{{.Image}}"], capture_output=True, text=True).stdout
            left = [line for line in containers.splitlines() if line.startswith(registry + "/")]
            check(not left, f"containers left behind: {left}")
        check(not leftovers, f"the fixtures left files behind: {leftovers}")


class Dashboard:
    """The page, through Selenium."""

    def __init__(self, url, screenshots):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--window-size=1280,1000", "--lang=en-US"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(service=service, options=options)
        self.url = url
        self.screenshots = screenshots
        self.console = []

    def quit(self):
        self.driver.quit()

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def wait(self, condition, seconds, what):
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.2).until(lambda _: condition())
        except Exception as error:
            self.screenshot("failure")
            raise Failure(f"timed out after {seconds} s waiting for {what}") from error

    def text(self, selector):
        return self.js("return document.querySelector(arguments[0])?.textContent ?? ''", selector)

    def fill(self, form, values):
        for name, value in values.items():
            field = self.find(f"#{form} [name='{name}']")
            field.clear()
            field.send_keys(value)

    def submit(self, form):
        self.find(f"#{form} button[type='submit']").click()

    def screenshot(self, name):
        os.makedirs(self.screenshots, exist_ok=True)
        path = os.path.join(self.screenshots, f"{name}.png")
        # The whole page, not only the window.
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        import base64
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        log(f"screenshot {path}")

    def console_errors(self, allowed=()):
        """Severe console entries since the last call, except `allowed` substrings (expected answers)."""
        entries = self.driver.get_log("browser")
        self.console += entries
        return [entry["message"] for entry in entries
                if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allowed)]

    def detail_state(self):
        return self.js("""
            const events = [...document.querySelectorAll('#events li')].map((li) => li.dataset.eventId);
            const stream = document.querySelector('#stream-state').dataset;
            return {
              events, status: document.querySelector('#detail-status').textContent,
              ended: !!document.querySelector('#events li.event-done, #events li.event-error'),
              stages: [...document.querySelectorAll('#timeline li')].map((li) => li.dataset.state),
              times: [...document.querySelectorAll('#timeline .stage-time')].map((span) => span.textContent),
              opens: Number(stream.opens || 0), duplicates: Number(stream.duplicates || 0),
              result: Object.fromEntries([...document.querySelectorAll('#result dd')].map((dd) => [dd.dataset.field, dd.textContent])),
            };
        """)


def start_deployment(page, label):
    """Submits the deploy form; returns the new deployment's id, from the page's address."""
    before = page.driver.current_url
    page.submit("deploy-form")
    page.wait(lambda: page.driver.current_url != before and "deployment=dep_" in page.driver.current_url, 30,
              f"{label}: the deployment's address")
    return page.driver.current_url.split("deployment=")[1]


def deploy_and_watch(page, env, label, screenshot_at_stage=None):
    """Deploys through the form, samples the page while it runs; returns (id, samples, final state).
    With `screenshot_at_stage`, saves `dashboard-deployment-running.png` once that stage runs."""
    deployment_id = start_deployment(page, label)
    log(f"{label}: {deployment_id}")
    samples = []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = page.detail_state()
        samples.append(state)
        if screenshot_at_stage and state["stages"][screenshot_at_stage - 1] == "running":
            page.screenshot("dashboard-deployment-running")
            screenshot_at_stage = None
        if state["ended"] and state["result"].get("Status") in ("COMPLETED", "FAILED"):
            break
        time.sleep(0.25)
    else:
        page.screenshot(f"{label}-timeout")
        raise Failure(f"{label}: no end after 600 s")
    final = page.detail_state()
    result = env.api(f"/api/v1/deploy/{deployment_id}/result")["data"]
    # Every event exactly once, none missing, though the stream was cut every 3 s.
    check(len(final["events"]) == len(set(final["events"])), f"{label}: an event is shown twice: {final['events']}")
    check(all(final["events"]), f"{label}: an event without id")
    check(len(final["events"]) == result["eventCount"],
          f"{label}: {len(final['events'])} events shown, the result says {result['eventCount']}")
    check(final["duplicates"] == 0, f"{label}: the stream replayed {final['duplicates']} events already seen (Last-Event-ID ignored?)")
    log(f"{label}: {result['status']} in {result['durationSeconds']} s, {result['eventCount']} events, "
        f"{final['opens']} stream connections")
    return deployment_id, samples, final, result


def run(env, page):
    page.driver.get(env.url + "/")
    check(page.console_errors() == [], "console errors on load")

    # 1. The key, asked once, kept for the tab.
    page.wait(lambda: page.find("#key-section").is_displayed(), 10, "the API key form")
    check(not page.find("#workspace").is_displayed(), "the workspace shows before the key is given")
    page.find("#api-key").send_keys(env.api_key + Keys.ENTER)
    page.wait(lambda: page.find("#workspace").is_displayed(), 10, "the workspace after the key")
    check(page.js("return sessionStorage.getItem('panda.apiKey')") == env.api_key, "the key is not in sessionStorage")

    # Every control is labelled.
    unlabelled = page.js("""
        return [...document.querySelectorAll('input, select')].filter((c) => c.labels.length === 0).map((c) => c.id)
          .concat([...document.querySelectorAll('button')].filter((b) => !b.textContent.trim()).map((b) => b.id));
    """)
    check(unlabelled == [], f"controls without a label: {unlabelled}")

    # 2. GitHub: a wrong token first; Panda's message shows next to the token field.
    github = env.info["github"]
    page.fill("github-form", {"owner": github["owner"], "repo": github["repo"], "branch": github["branch"],
                              "token": "ghp_wrong" + "0" * 27})
    page.submit("github-form")
    page.wait(lambda: page.text("#github-token-error"), 30, "the error next to the token")
    check(page.text("#github-token-error") == "GitHub connection failed: Bad credentials",
          f"token error: {page.text('#github-token-error')!r}")
    check(page.find("#github-token").get_attribute("aria-invalid") == "true", "the token field is not marked invalid")
    errors = page.console_errors(allowed=("/api/v1/connect/github - Failed to load resource: the server responded with a status of 400",))
    check(errors == [], f"console errors after the refused token: {errors}")
    page.fill("github-form", {"token": github["token"]})
    page.submit("github-form")
    page.wait(lambda: page.text("#github-status") == "GitHub 연결에 성공했습니다.", 30, "the GitHub connection")
    check(page.text("#github-token-error") == "", "the old token error stays after success")

    aws = env.info["aws"]
    page.fill("aws-form", {"region": aws["region"], "accessKeyId": aws["accessKeyId"], "secretAccessKey": aws["secretAccessKey"]})
    page.submit("aws-form")
    page.wait(lambda: page.text("#aws-status") == "AWS 연결에 성공했습니다.", 60, "the AWS connection")
    page.wait(lambda: Select(page.find("#deploy-aws")).first_selected_option.get_attribute("value").startswith("aws_"),
              10, "the AWS connection in the deploy form")
    check(page.find("#deploy-branch").get_attribute("value") == github["branch"], "the branch is not filled in")

    # 3. v1: stage events must appear while the deployment runs, not only at its end.
    first_id, samples, final, result = deploy_and_watch(page, env, "deployment 1 (v1)")
    check(result["status"] == "COMPLETED", f"deployment 1: {result['status']} {result['errorMessage']}")
    running = [s for s in samples if not s["ended"] and s["status"] == "IN_PROGRESS" and s["events"]]
    check(running, "no stage event was shown while the deployment ran")
    counts = sorted({len(s["events"]) for s in running})
    check(len(counts) >= 5, f"events did not arrive progressively while running (counts seen: {counts})")
    check(any("running" in s["stages"] for s in running), "no stage was shown as running")
    check(final["opens"] >= 3, f"the stream was reconnected only {final['opens'] - 1} times")
    check(final["stages"] == ["done"] * 6, f"timeline after success: {final['stages']}")
    check(all(t.endswith(" s") or t.endswith(" ms") for t in final["times"]), f"stage times: {final['times']}")
    log_text = page.text("#log")
    check("Successfully built" in log_text or "writing image" in log_text or "Pushed" in log_text,
          f"no build or push output in the log: {log_text[:200]!r}")
    check("\x1b" not in log_text, "ANSI escape codes in the log")
    check(page.console_errors() == [], "console errors during deployment 1")

    # 4. v2: blue (v1) and green (v2) measured side by side.
    env.commit("version=v2")
    second_id, _, final, result = deploy_and_watch(page, env, "deployment 2 (v2)", screenshot_at_stage=5)
    check(result["status"] == "COMPLETED", f"deployment 2: {result['status']} {result['errorMessage']}")
    check(isinstance(result["blueLatencyMs"], int) and isinstance(result["greenLatencyMs"], int),
          f"latencies not measured: {result}")
    check(final["result"].get("Blue latency") == f"{result['blueLatencyMs']} ms"
          and final["result"].get("Green latency") == f"{result['greenLatencyMs']} ms",
          f"latencies on the page: {final['result']}")
    check(final["result"].get("Final service") == "green", f"final service: {final['result']}")
    bars = page.js("return [...document.querySelectorAll('#chart rect.bar')].map((r) => r.getAttribute('class') + ':' + r.getAttribute('height'))")
    check(len(bars) == 4 and sum(1 for bar in bars if bar.startswith("bar blue") and float(bar.split(":")[1]) > 0) >= 1,
          f"chart bars: {bars}")
    page.screenshot("dashboard-deployment-completed")
    check(page.console_errors() == [], "console errors during deployment 2")

    # 5. A broken Dockerfile: errorCode, stage and message, prominent.
    env.commit("version=v3&variant=dockerfileSyntaxError")
    failed_id, _, final, result = deploy_and_watch(page, env, "deployment 3 (broken Dockerfile)")
    check(result["status"] == "FAILED" and result["errorCode"] == "DOCKER_BUILD_FAILED", f"deployment 3: {result}")
    check(page.find("#failure").is_displayed(), "the failure box is not shown")
    check(page.text("#failure-code") == "DOCKER_BUILD_FAILED", f"failure code: {page.text('#failure-code')!r}")
    check(page.text("#failure-stage").startswith("Stage 1"), f"failure stage: {page.text('#failure-stage')!r}")
    check(page.text("#failure-message") == result["errorMessage"], f"failure message: {page.text('#failure-message')!r}")
    check(final["stages"][0] == "failed", f"timeline after failure: {final['stages']}")
    page.screenshot("dashboard-deployment-failed")
    check(page.console_errors() == [], "console errors during deployment 3")

    # 6. Cancel: the button stops a running deployment.
    env.commit("version=v4")
    start_deployment(page, "deployment 4 (cancelled)")
    page.wait(lambda: page.find("#cancel-button").is_displayed(), 30, "the cancel button")
    page.find("#cancel-button").click()
    page.wait(lambda: page.text("#failure-code") == "DEPLOYMENT_CANCELLED", 120, "the cancelled deployment")
    page.wait(lambda: not page.find("#cancel-button").is_displayed(), 10, "the cancel button to go")
    check(page.console_errors() == [], "console errors while cancelling")

    # 7. The list: newest first, every deployment, and a row opens by keyboard.
    page.wait(lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "#deployment-list a")) == 4, 10, "four rows in the list")
    rows = page.js("return [...document.querySelectorAll('#deployment-list a')].map((a) => a.dataset.deploymentId)")
    check(rows[1:] == [failed_id, second_id, first_id], f"list order: {rows}")
    row = page.find(f"#deployment-list a[data-deployment-id='{first_id}']")
    check("COMPLETED" in row.text and "demo/sample-app" in row.text and "main" in row.text, f"row: {row.text!r}")
    row.send_keys(Keys.ENTER)
    page.wait(lambda: page.text("#detail-title") == f"Deployment {first_id}", 10, "the row opened by keyboard")
    page.wait(lambda: page.detail_state()["result"].get("Status") == "COMPLETED", 20, "deployment 1's result")
    check(page.js("return document.activeElement.id") == "detail-title", "focus did not move to the opened deployment")

    # 8. A shared link, in a fresh page load (same tab: the key is remembered).
    page.driver.get(f"{env.url}/?deployment={second_id}")
    page.wait(lambda: page.detail_state()["result"].get("Green latency", "").endswith("ms"), 20, "the shared deployment")
    check(not page.find("#key-section").is_displayed(), "the key was asked for again")
    page.wait(lambda: len(page.detail_state()["events"]) == result_count(env, second_id), 20, "the shared deployment's events")

    # 9. A phone: 375 px wide, nothing scrolls sideways.
    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": True})
    page.wait(lambda: page.js("return window.innerWidth") == 375, 10, "a 375 px wide viewport")
    overflow = page.js("return document.documentElement.scrollWidth - 375")
    check(overflow <= 0, f"the page is {overflow} px wider than a 375 px screen")
    check(page.js("return document.querySelector('#detail').getBoundingClientRect().top < "
                  "document.querySelector('#deploy-form').getBoundingClientRect().top"),
          "on a phone the deployment is not shown before the forms")
    page.screenshot("dashboard-375px")
    check(page.console_errors() == [], "console errors at the end")


def result_count(env, deployment_id):
    return env.api(f"/api/v1/deploy/{deployment_id}/result")["data"]["eventCount"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build", "browser-screenshots"))
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    env = Environment(os.path.abspath(arguments.bin))
    page = None
    failed = True
    started = time.monotonic()
    try:
        env.start()
        page = Dashboard(env.url, arguments.screenshots)
        run(env, page)
        failed = False
    except Failure as failure:
        print(f"browser-test: FAILED: {failure}", file=sys.stderr)
    finally:
        if page is not None:
            if failed:
                for entry in page.console:
                    print(f"console: {entry['level']} {entry['message']}", file=sys.stderr)
            page.quit()
        try:
            env.stop(failed)
        except Failure as failure:
            print(f"browser-test: FAILED: {failure}", file=sys.stderr)
            failed = True
    log(("FAILED" if failed else "passed") + f" in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
