import Foundation
import Testing
import Tools

/// All of these run real child processes.
@Suite struct ProcessRunnerTests {
    let runner = ProcessRunner(logger: .quiet, terminationGrace: .milliseconds(500))

    private func shell(_ script: String, timeout: Duration = .seconds(30)) -> Command {
        Command("sh", arguments: ["-c", script], timeout: timeout)
    }

    @Test func capturesOutputStatusAndDuration() async throws {
        let result = try await runner.run(shell("echo hello; echo oops >&2; sleep 0.2"))
        #expect(result.status == .exited(0))
        #expect(result.succeeded)
        #expect(result.stdout == "hello\n")
        #expect(result.stderr == "oops\n")
        #expect(result.duration >= .milliseconds(200))
        #expect(result.duration < .seconds(60))  // measured, not the runner's timeout
        #expect(result.processID > 0)
    }

    /// With a niceness, a child runs that much lower in CPU priority (coreutils `nice` with no
    /// arguments prints its own), and a timeout still ends its whole group.
    @Test func childrenRunAtTheRunnersNiceness() async throws {
        let niced = ProcessRunner(logger: .quiet, terminationGrace: .milliseconds(500), niceness: 7)
        let base = Int(try await runner.run(Command("nice", timeout: .seconds(30))).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let lowered = Int(try await niced.run(Command("nice", timeout: .seconds(30))).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(base != nil && lowered == min(19, (base ?? 0) + 7), "base \(String(describing: base)), niced \(String(describing: lowered))")

        await #expect(throws: ProcessError.self) {
            _ = try await niced.run(shell("sleep 30 & echo $! > /dev/null; sleep 30", timeout: .milliseconds(300)))
        }
    }

    @Test func nonZeroExitSurfacesStatusAndStderr() async throws {
        let result = try await runner.run(shell("echo working; echo 'fatal: bad ref' >&2; exit 3"))
        #expect(result.status == .exited(3))
        #expect(result.stderr == "fatal: bad ref\n")
        #expect(throws: ProcessError.failed(executable: "sh", status: .exited(3), stderrTail: "fatal: bad ref")) {
            try result.checked()
        }
        do {
            _ = try result.checked()
        } catch {
            #expect(error.description == "sh failed with exit status 3: fatal: bad ref")
        }
    }

    @Test func missingExecutableIsReportedByName() async {
        await #expect(throws: ProcessError.executableNotFound("panda-no-such-tool")) {
            try await runner.run(Command("panda-no-such-tool"))
        }
        #expect(ProcessError.executableNotFound("aws").description == "aws: executable not found in PATH")
        await #expect(throws: ProcessError.executableNotFound("/nonexistent/bin/tool")) {
            try await runner.run(Command("/nonexistent/bin/tool"))
        }
    }

    @Test func absolutePathAndWorkingDirectory() async throws {
        var command = Command("/bin/pwd")
        command.workingDirectory = "/tmp"
        let result = try await runner.run(command)
        #expect(result.stdout == "/tmp\n")
    }

    @Test func missingWorkingDirectoryIsAnError() async {
        var command = Command("pwd")
        command.workingDirectory = "/nonexistent/dir"
        do {
            _ = try await runner.run(command)
            Issue.record("expected an error")
        } catch {
            guard case .couldNotRun(let executable, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(executable == "pwd")
        }
    }

    @Test func launchErrorsDoNotRevealSecrets() async {
        // Subprocess rejects the NUL byte and quotes the value in its message.
        let command = Command("env", environment: .clean().setting("TOKEN", secret: Secret("bad\0zebra")))
        do {
            _ = try await runner.run(command)
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("zebra"))
            #expect(error.description.contains("***"))
            #expect(error.description.hasPrefix("env: could not run:"))
        }
    }

    @Test func stdinIsDelivered() async throws {
        let command = Command("cat", stdin: .text("line one\nline two\n"))
        let result = try await runner.run(command)
        #expect(result.stdout == "line one\nline two\n")
    }

    @Test func withoutInputStdinIsClosed() async throws {
        let result = try await runner.run(Command("cat", timeout: .seconds(5)))
        #expect(result.status == .exited(0))
        #expect(result.stdout == "")
    }

    @Test func secretStdinIsDeliveredAndRedactedInOutput() async throws {
        // `sha256sum` proves the child got the clear text; `cat` shows it comes back masked.
        let secret = Secret("s3cr3t-password")
        let digest = try await runner.run(Command("sha256sum", stdin: .secret(secret)))
        let expected = try await runner.run(Command("sha256sum", stdin: .text("s3cr3t-password")))
        #expect(digest.stdout == expected.stdout)
        let echoed = try await runner.run(Command("cat", stdin: .secret(secret)))
        #expect(echoed.stdout == "***")
    }

    @Test func childSeesOnlyTheGivenEnvironment() async throws {
        let clean = try await runner.run(Command("env", environment: .clean(["ONLY": "this"])))
        #expect(clean.stdout == "ONLY=this\n")

        let safe = try await runner.run(Command("env", environment: .safe.setting("EXTRA", "1")))
        let names = Set(safe.stdout.split(separator: "\n").map { String($0.prefix { $0 != "=" }) })
        #expect(names.contains("EXTRA"))
        #expect(names.isSubset(of: Command.Environment.safeKeys.union(["EXTRA"])))
        if ProcessInfo.processInfo.environment["PATH"] != nil {
            #expect(names.contains("PATH"))
        }
    }

    @Test func secretsAreRedactedInStdoutStderrAndLines() async throws {
        // "hunter2" reaches the pipe in two writes 200 ms apart, so in two chunks.
        var command = shell(
            """
            echo "token=$API_TOKEN"; echo "err: $API_TOKEN" >&2
            printf 'pass=hun'; sleep 0.2; printf 'ter2 done\\n'
            """
        )
        command.environment = .safe.setting("API_TOKEN", secret: Secret("tok-SECRET-1"))
        command.redactions = [Secret("hunter2")]

        var lines: [OutputLine] = []
        let result = try await runner.run(command) { lines.append($0) }
        #expect(result.stdout == "token=***\npass=*** done\n")
        #expect(result.stderr == "err: ***\n")
        #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["token=***", "pass=*** done"])
        #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["err: ***"])
    }

    @Test func logsShowTheCommandButNoSecrets() async throws {
        let (logger, store) = RecordingLogHandler.logger()
        let runner = ProcessRunner(logger: logger)
        var command = Command("echo", arguments: ["--flag", "hunter2"])
        command.environment = .safe.setting("TOKEN", secret: Secret("env-secret"))
        command.redactions = [Secret("hunter2")]
        let result = try await runner.run(command)
        #expect(result.stdout == "--flag ***\n")
        let logged = store.all
        #expect(logged.contains("echo"))
        #expect(logged.contains("--flag"))
        #expect(!logged.contains("hunter2"))
        #expect(!logged.contains("env-secret"))
        #expect(!logged.contains("TOKEN"))
        // Each command is a debug line, not info: a deployment runs dozens of them.
        #expect(store.lines.withLock { $0 }.contains { $0.hasPrefix("debug running process") })
        #expect(!store.lines.withLock { $0 }.contains { $0.hasPrefix("info ") })
    }

    @Test func streamedLinesArriveInOrderAndAsProduced() async throws {
        // The child waits for a file that the test creates only once it has received a
        // line: if lines were not streamed while the child runs, this would time out.
        let gate = FileManager.default.temporaryDirectory.appendingPathComponent("panda-gate-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: gate) }
        var command = shell(
            "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; while [ ! -e '\(gate)' ]; do sleep 0.05; done; echo last"
        )
        command.timeout = .seconds(20)
        var lines: [OutputLine] = []
        let result = try await runner.run(command) { line in
            if lines.isEmpty { _ = FileManager.default.createFile(atPath: gate, contents: nil) }
            lines.append(line)
        }
        #expect(result.status == .exited(0))
        #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["out1", "out2", "out3", "out4", "out5", "last"])
        #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["err1", "err2", "err3", "err4", "err5"])
        #expect(result.stdout.hasSuffix("out5\nlast\n"))
    }

    @Test func outputBeyondTheLimitKeepsTheTail() async throws {
        var command = shell("i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done")
        command.outputLimit = 4096
        let result = try await runner.run(command)
        #expect(result.status == .exited(0))
        #expect(result.stdoutTruncated)
        #expect(!result.stderrTruncated)
        #expect(result.stdout.utf8.count <= 4096)
        #expect(result.stdout.hasSuffix("line19998\nline19999\n"))
    }

    @Test func timeoutKillsChildAndGrandchild() async throws {
        let command = shell("sleep 300 & echo $!; sleep 300", timeout: .seconds(1))
        var grandchild: Int32?
        let start = ContinuousClock.now
        do {
            _ = try await runner.run(command) { line in grandchild = Int32(line.text) }
            Issue.record("expected a timeout")
        } catch {
            let elapsed = ContinuousClock.now - start
            guard case .timedOut(let after, let partial) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(after == .seconds(1))
            #expect(elapsed < .seconds(60))  // killed, not left to run its 300 s
            #expect(partial.status == .signaled(SIGTERM))
            #expect(error.description == "sh: timed out after 1s")
            let pid = try #require(grandchild)
            #expect(partial.stdout == "\(pid)\n")
            #expect(await ProcessTable.survivors(ofGroup: partial.processID) == [])
            #expect(!ProcessTable.isAlive(pid))
        }
    }

    @Test func processIgnoringSIGTERMIsKilled() async throws {
        let command = shell("trap '' TERM; echo ready; sleep 300", timeout: .milliseconds(500))
        let start = ContinuousClock.now
        do {
            _ = try await runner.run(command)
            Issue.record("expected a timeout")
        } catch {
            let elapsed = ContinuousClock.now - start
            guard case .timedOut(_, let partial) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(partial.status == .signaled(SIGKILL))
            #expect(partial.stdout == "ready\n")
            #expect(elapsed >= .seconds(1))  // timeout + grace
            #expect(elapsed < .seconds(60))  // killed, not left to run its 300 s
            #expect(await ProcessTable.survivors(ofGroup: partial.processID) == [])
        }
    }

    @Test func grandchildIgnoringSIGTERMDoesNotOutliveItsGroup() async throws {
        // The leader dies of SIGTERM, so Subprocess's teardown stops early; the
        // grandchild ignores SIGTERM and keeps stdout open. The run must still
        // return promptly and the grandchild must be killed.
        let runner = ProcessRunner(logger: .quiet, terminationGrace: .seconds(10))
        let command = shell("(trap '' TERM; exec sleep 300) & echo $!; sleep 300", timeout: .milliseconds(500))
        var grandchild: Int32?
        let start = ContinuousClock.now
        do {
            _ = try await runner.run(command) { line in grandchild = Int32(line.text) }
            Issue.record("expected a timeout")
        } catch {
            #expect(ContinuousClock.now - start < .seconds(60))  // not held up by the 300 s sleep
            guard case .timedOut(_, let partial) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            let pid = try #require(grandchild)
            #expect(await ProcessTable.survivors(ofGroup: partial.processID) == [])
            #expect(!ProcessTable.isAlive(pid))
        }
    }

    @Test func leftoverGrandchildDoesNotDelayANormalExit() async throws {
        let start = ContinuousClock.now
        let result = try await runner.run(shell("sleep 300 & echo started"))
        #expect(ContinuousClock.now - start < .seconds(60))  // not held up by the 300 s sleep
        #expect(result.status == .exited(0))
        #expect(result.stdout == "started\n")
        #expect(await ProcessTable.survivors(ofGroup: result.processID) == [])
    }

    @Test func cancellationTearsTheGroupDown() async throws {
        let (pids, sink) = AsyncStream.makeStream(of: Int32.self)
        let runner = self.runner
        let task = Task {
            // The PID is printed once the background child exists, so the group has two members by then.
            try await runner.run(Command("sh", arguments: ["-c", "sleep 300 & echo $$; sleep 300"])) { line in
                if let pid = Int32(line.text) { sink.yield(pid) }
            }
        }
        var iterator = pids.makeAsyncIterator()
        let groupID = try #require(await iterator.next())
        // `sh` has forked the background sleep; the foreground one may take a moment to appear.
        let deadline = ContinuousClock.now + .seconds(5)
        while ProcessTable.liveMembers(ofGroup: groupID).count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(ProcessTable.liveMembers(ofGroup: groupID).count >= 2)

        let cancelledAt = ContinuousClock.now
        task.cancel()
        let outcome = await task.result
        #expect(ContinuousClock.now - cancelledAt < .seconds(60))  // torn down, not left to run
        switch outcome {
        case .success:
            Issue.record("expected cancellation")
        case .failure(let error):
            #expect(error as? ProcessError == .cancelled)
        }
        #expect(await ProcessTable.survivors(ofGroup: groupID) == [])
    }

    @Test func alreadyCancelledTaskDoesNotSpawn() async {
        let runner = self.runner
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await runner.run(Command("true"))
        }
        let outcome = await task.result
        if case .failure(let error) = outcome {
            #expect(error as? ProcessError == .cancelled)
        } else {
            Issue.record("expected cancellation")
        }
    }
}
