import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PandaTestSupport
import Testing
import Tools

/// Proves the real test components work, with real clients (git, docker, curl-like HTTP).
enum FixtureTests {}

// MARK: - TestProcess and FreePort

extension FixtureTests {
    @Suite struct Processes {
        @Test func startsWaitsAndStopsByPID() async throws {
            let process = try TestProcess.start(name: "sleeper", executable: "sleep", arguments: ["60"])
            defer { try? FileManager.default.removeItem(at: process.logFile) }
            #expect(process.isRunning)
            try await process.waitUntilReady { true }
            #expect(await process.stop(grace: .seconds(2)))
            #expect(!process.isRunning)
            #expect(!TestProcess.isAlive(pid: process.pid))
        }

        @Test func stopEscalatesToSIGKILL() async throws {
            // A shell that ignores SIGTERM; the whole group gets SIGKILL after the grace.
            let process = try TestProcess.start(
                name: "stubborn", executable: "/bin/sh", arguments: ["-c", "trap '' TERM; echo started; while :; do sleep 1; done"])
            defer { try? FileManager.default.removeItem(at: process.logFile) }
            try await process.waitUntilReady { process.logTail().contains("started") }
            let clock = ContinuousClock()
            let start = clock.now
            #expect(await process.stop(grace: .milliseconds(300)))
            #expect(start.duration(to: clock.now) < .seconds(3))
            #expect(!process.isRunning)
        }

        @Test func readinessFailsFastWhenTheProcessDies() async throws {
            let process = try TestProcess.start(
                name: "quitter", executable: "/bin/sh", arguments: ["-c", "echo going away; exit 3"])
            defer { try? FileManager.default.removeItem(at: process.logFile) }
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: TestFixtureError.self) {
                try await process.waitUntilReady(timeout: .seconds(20)) { false }
            }
            #expect(start.duration(to: clock.now) < .seconds(15), "it waited out its 20 s instead of seeing the exit")
            #expect(error?.description.contains("exited before it was ready") == true)
            #expect(error?.description.contains("going away") == true)
        }

        @Test func freePortsAreFreeLoopbackPorts() throws {
            let first = try FreePort.next()
            let second = try FreePort.next()
            #expect(first > 0 && second > 0)
            #expect(!FreePort.isListening(first))
        }
    }
}

// MARK: - GitFixture with the real git client

extension FixtureTests {
    @Suite struct Git {
        static let token = Secret("ghp_fixture-token-0123456789")

        private func withGit(_ body: (GitFixture, TestTemporaryDirectory) async throws -> Void) async throws {
            let git = try await GitFixture.start(token: Self.token)
            let scratch = try TestTemporaryDirectory(prefix: "panda-clone")
            do {
                try await body(git, scratch)
            } catch {
                await git.stop()
                scratch.remove()
                throw error
            }
            await git.stop()
            scratch.remove()
        }

        @Test func rightTokenClonesFilesSymlinksAndModes() async throws {
            try await withGit { git, scratch in
                let commit = try await git.makeRepository(
                    owner: "octo", repo: "hello", branch: "main",
                    files: ["README.md": "hello\n", "bin/run.sh": "#!/bin/sh\necho run\n", "docs/a.txt": "a\n"],
                    symlinks: ["link-to-readme": "README.md"],
                    executableFiles: ["bin/run.sh"])
                let destination = scratch.appending("hello")
                let result = try await GitFixture.clone(
                    url: git.cloneURL(owner: "octo", repo: "hello"), branch: "main", token: Self.token, into: destination)
                #expect(result.succeeded, "\(result.stderr)")
                #expect(try String(contentsOf: destination.appendingPathComponent("README.md"), encoding: .utf8) == "hello\n")
                #expect(FileManager.default.isExecutableFile(atPath: destination.appendingPathComponent("bin/run.sh").path))
                #expect(!FileManager.default.isExecutableFile(atPath: destination.appendingPathComponent("docs/a.txt").path))
                #expect(try FileManager.default.destinationOfSymbolicLink(
                    atPath: destination.appendingPathComponent("link-to-readme").path) == "README.md")
                #expect(await git.headCommit(owner: "octo", repo: "hello", branch: "main") == commit)
                #expect(try await clonedHead(destination) == commit)
                // The token came as Basic auth password with the credential helper's user name, and a shallow clone.
                #expect(git.requests.contains { $0.user == "x-access-token" && $0.path.hasSuffix("/git-upload-pack") })
                #expect(git.requests.allSatisfy { !$0.path.contains(Self.token.reveal()) })
                #expect(try await shallow(destination))
            }
        }

        @Test func wrongTokenFailsWithAuthenticationFailed() async throws {
            try await withGit { git, scratch in
                try await git.makeRepository(owner: "octo", repo: "hello", files: ["README.md": "hello\n"])
                let result = try await GitFixture.clone(
                    url: git.cloneURL(owner: "octo", repo: "hello"), branch: "main",
                    token: Secret("ghp_wrong"), into: scratch.appending("hello"))
                #expect(!result.succeeded)
                #expect(result.stderr.contains("Authentication failed"), "\(result.stderr)")
                #expect(!result.stderr.contains("ghp_wrong"))
                #expect(git.requests.contains { $0.status == 401 })
            }
        }

        @Test func missingBranchFails() async throws {
            try await withGit { git, scratch in
                try await git.makeRepository(owner: "octo", repo: "hello", files: ["README.md": "hello\n"])
                let result = try await GitFixture.clone(
                    url: git.cloneURL(owner: "octo", repo: "hello"), branch: "nope", token: Self.token,
                    into: scratch.appending("hello"))
                #expect(!result.succeeded)
                #expect(result.stderr.contains("Remote branch nope not found"), "\(result.stderr)")
            }
        }

        @Test func missingRepositoryFailsWithNotFound() async throws {
            try await withGit { git, scratch in
                for url in [git.cloneURL(owner: "octo", repo: "ghost"), "\(git.baseURL)/octo/ghost"] {
                    let result = try await GitFixture.clone(
                        url: url, branch: "main", token: Self.token, into: scratch.appending(UUID().uuidString))
                    #expect(!result.succeeded)
                    #expect(result.stderr.contains("repository '\(url)/' not found"), "\(result.stderr)")
                }
            }
        }

        @Test func slashBranchSecondVersionAndURLWithoutDotGit() async throws {
            try await withGit { git, scratch in
                let first = try await git.makeRepository(owner: "octo", repo: "app", files: ["VERSION": "1\n"])
                let feature = try await git.commit(
                    owner: "octo", repo: "app", branch: "feature/x",
                    change: RepositoryChange(files: ["VERSION": "feature\n", "new/file.txt": "x\n"], message: "Feature"))
                let second = try await git.commit(
                    owner: "octo", repo: "app", branch: "main", change: RepositoryChange(files: ["VERSION": "2\n"]))
                #expect(Set([first, feature, second]).count == 3)
                #expect(try await git.branches(owner: "octo", repo: "app").sorted() == ["feature/x", "main"])

                let featureClone = scratch.appending("feature")
                let featureResult = try await GitFixture.clone(
                    url: git.cloneURL(owner: "octo", repo: "app"), branch: "feature/x", token: Self.token, into: featureClone)
                #expect(featureResult.succeeded, "\(featureResult.stderr)")
                #expect(try String(contentsOf: featureClone.appendingPathComponent("VERSION"), encoding: .utf8) == "feature\n")
                #expect(FileManager.default.fileExists(atPath: featureClone.appendingPathComponent("new/file.txt").path))
                #expect(try await clonedHead(featureClone) == feature)

                let mainClone = scratch.appending("main")
                let mainResult = try await GitFixture.clone(
                    url: "\(git.baseURL)/octo/app", branch: "main", token: Self.token, into: mainClone)
                #expect(mainResult.succeeded, "\(mainResult.stderr)")
                #expect(try String(contentsOf: mainClone.appendingPathComponent("VERSION"), encoding: .utf8) == "2\n")
                #expect(!FileManager.default.fileExists(atPath: mainClone.appendingPathComponent("new/file.txt").path))
                #expect(try await clonedHead(mainClone) == second)
            }
        }

        @Test func sampleAppRepositoryCarriesBusyboxAndVersion() async throws {
            try await withGit { git, scratch in
                try await git.makeRepository(owner: "panda", repo: "sample", template: SampleApp.files(version: "v7"))
                let clone = scratch.appending("sample")
                let result = try await GitFixture.clone(
                    url: git.cloneURL(owner: "panda", repo: "sample"), branch: "main", token: Self.token, into: clone)
                #expect(result.succeeded, "\(result.stderr)")
                let busybox = clone.appendingPathComponent("busybox").path
                #expect(FileManager.default.isExecutableFile(atPath: busybox))
                #expect(FileManager.default.contents(atPath: busybox) == FileManager.default.contents(atPath: "/bin/busybox"))
                #expect(!FileManager.default.fileExists(atPath: clone.appendingPathComponent("busybox.placeholder").path))
                let index = try String(contentsOf: clone.appendingPathComponent("www/index.html"), encoding: .utf8)
                #expect(index.contains(SampleApp.indexMarker(version: "v7")))
                #expect(FileManager.default.fileExists(atPath: clone.appendingPathComponent("Dockerfile").path))
            }
        }

        @Test func unknownPathsAndMissingCredentialsAreRefused() async throws {
            try await withGit { git, _ in
                try await git.makeRepository(owner: "octo", repo: "hello", files: ["README.md": "hello\n"])
                let refs = URL(string: "\(git.cloneURL(owner: "octo", repo: "hello"))/info/refs?service=git-upload-pack")!
                // curl, not URLSession: on Linux, URLSession never completes a 401 that carries
                // `WWW-Authenticate` when it has no credential to offer.
                let anonymous = try await TestProcess.run(Command(
                    "curl", arguments: ["-s", "-i", "--max-time", "10", refs.absoluteString]))
                #expect(anonymous.stdout.hasPrefix("HTTP/1.1 401"), "\(anonymous.stdout)")
                #expect(anonymous.stdout.contains(#"WWW-Authenticate: Basic realm="GitHub""#))

                var request = URLRequest(url: refs)
                let basic = Data("anyone:\(Self.token.reveal())".utf8).base64EncodedString()
                request.setValue("Basic \(basic)", forHTTPHeaderField: "Authorization")
                let (body, authorized) = try await URLSession.shared.data(for: request)
                #expect((authorized as? HTTPURLResponse)?.statusCode == 200)
                #expect((authorized as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
                    == "application/x-git-upload-pack-advertisement")
                #expect(String(decoding: body, as: UTF8.self).contains("refs/heads/main"))

                let (_, unknown) = try await URLSession.shared.data(from: URL(string: "\(git.baseURL)/nothing/here")!)
                #expect((unknown as? HTTPURLResponse)?.statusCode == 404)
            }
        }

        @Test func responseDelayLetsACloneTimeOut() async throws {
            try await withGit { git, scratch in
                try await git.makeRepository(owner: "octo", repo: "slow", files: ["README.md": "slow\n"])
                git.setResponseDelay(.seconds(3))
                await #expect(throws: ProcessError.self) {
                    _ = try await GitFixture.clone(
                        url: git.cloneURL(owner: "octo", repo: "slow"), branch: "main", token: Self.token,
                        into: scratch.appending("slow"), timeout: .milliseconds(500))
                }
                git.setResponseDelay(.zero)
            }
        }

        private func clonedHead(_ clone: URL) async throws -> String {
            try await TestProcess.run(Command(
                "git", arguments: ["-C", clone.path, "rev-parse", "HEAD"],
                environment: .clean(["PATH": "/usr/bin:/bin", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"])
            )).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        private func shallow(_ clone: URL) async throws -> Bool {
            try await TestProcess.run(Command(
                "git", arguments: ["-C", clone.path, "rev-parse", "--is-shallow-repository"],
                environment: .clean(["PATH": "/usr/bin:/bin", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"])
            )).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "true"
        }
    }
}

// MARK: - RegistryFixture over its HTTP API

extension FixtureTests {
    @Suite struct Registry {
        @Test func demandsBasicAuthAndStopsClean() async throws {
            let registry = try await RegistryFixture.start()
            #expect(registry.port != 5000)
            let anonymous = try await TestProcess.run(Command(
                "curl", arguments: ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "\(registry.baseURL)/v2/"]))
            #expect(anonymous.stdout == "401")
            #expect(try await registry.request(path: "v2/").status == 200)
            #expect(try await registry.catalog() == [])
            #expect(try await registry.tags(repository: "octo-hello") == [])
            #expect(try await registry.tagExists(repository: "octo-hello", tag: "nope") == false)

            let wrong = try await RegistryFixture.start(password: Secret("not-the-token"))
            #expect(try await wrong.request(path: "v2/").status == 200)
            await wrong.stop()

            // Stopped means its process is gone. (Its port is no proof: in this parallel test
            // process another fixture may bind the freed number at once, as seen in CI.)
            let pid = registry.pid
            await registry.stop()
            #expect(!TestProcess.isAlive(pid: pid))
        }
    }
}

// MARK: - Docker Engine: build, run and push the sample app

extension FixtureTests {
    @Suite(.serialized) struct Docker {
        static let token = Secret("ghp_docker-fixture-token")

        /// Clone the sample app from the git fixture, build it, run it, probe it, push it.
        @Test func sampleAppBuildsRunsAndPushes() async throws {
            try await DockerEngine.shared.ensureRunning()
            #expect(await DockerEngine.isAnswering())

            let git = try await GitFixture.start(token: Self.token)
            let registry = try await RegistryFixture.start()
            let scratch = try TestTemporaryDirectory(prefix: "panda-docker")
            let image = DockerEngine.uniqueTag("sample")
            let remote = "\(registry.host)/panda-sample:v2-\(UUID().uuidString.prefix(6).lowercased())"
            var containers: [String] = []
            defer { scratch.remove() }
            do {
                try await git.makeRepository(owner: "panda", repo: "sample", template: SampleApp.files(version: "v2"))
                let clone = scratch.appending("clone")
                let cloned = try await GitFixture.clone(
                    url: git.cloneURL(owner: "panda", repo: "sample"), branch: "main", token: Self.token, into: clone)
                try #require(cloned.succeeded, "\(cloned.stderr)")

                try await DockerEngine.build(tag: image, context: clone)
                #expect(await DockerEngine.imageExists(image))

                let port = try FreePort.next()
                let container = try await DockerEngine.runDetached(image: image, hostPort: port)
                containers.append(container)
                let base = "http://127.0.0.1:\(port)"
                let health = try await eventuallyGet("\(base)\(SampleApp.healthPath)")
                #expect(health.status == 200)
                #expect(health.body == "ok\n")
                let index = try await eventuallyGet("\(base)/")
                #expect(index.status == 200)
                #expect(index.body.contains(SampleApp.indexMarker(version: "v2")))
                #expect(try await eventuallyGet("\(base)/version").body == "v2\n")
                #expect(try await eventuallyGet("\(base)/missing").status == 404)

                // Push with a private client configuration, password on stdin.
                let configDirectory = scratch.appending("docker-config")
                try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
                let badLogin = try await TestProcess.runner.run(DockerEngine.command(
                    ["login", registry.host, "-u", "AWS", "--password-stdin"],
                    configDirectory: configDirectory, stdin: .secret(Secret("wrong-password"))))
                #expect(!badLogin.succeeded)
                #expect(badLogin.stderr.contains("401 Unauthorized"), "\(badLogin.stderr)")
                try await DockerEngine.login(
                    registry: registry.host, username: registry.username, password: registry.password,
                    configDirectory: configDirectory)
                try await DockerEngine.docker(["tag", image, remote])
                try await DockerEngine.push(remote, configDirectory: configDirectory)
                let tag = String(remote.split(separator: ":").last!)
                #expect(try await registry.tagExists(repository: "panda-sample", tag: tag))
                #expect(try await registry.tags(repository: "panda-sample") == [tag])
                #expect(try await registry.manifestDigest(repository: "panda-sample", tag: tag)?.hasPrefix("sha256:") == true)
                #expect(try await registry.catalog() == ["panda-sample"])
                // Round trip: the pushed image pulls back.
                await DockerEngine.removeImages([remote])
                try await registry.pull(repository: "panda-sample", tag: tag, configDirectory: configDirectory)
                #expect(await DockerEngine.imageExists(remote))
            } catch {
                await cleanUp(containers: containers, images: [image, remote], git: git, registry: registry)
                throw error
            }
            await cleanUp(containers: containers, images: [image, remote], git: git, registry: registry)
            #expect(!(await DockerEngine.imageExists(image)))
        }

        /// The broken variants fail (or succeed) the way the pipeline's tests expect.
        @Test func brokenVariantsFailToBuild() async throws {
            try await DockerEngine.shared.ensureRunning()
            let scratch = try TestTemporaryDirectory(prefix: "panda-variants")
            defer { scratch.remove() }
            var images: [String] = []

            func materialise(_ variant: SampleApp.Variant) throws -> URL {
                let folder = scratch.appending(variant.rawValue)
                let template = try SampleApp.files(variant)
                for (path, contents) in template.files {
                    let url = folder.appendingPathComponent(path)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(contents.bytes).write(to: url)
                    if template.executableFiles.contains(path) {
                        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
                    }
                }
                return folder
            }
            func build(_ context: URL, dockerfile: String? = nil) async throws -> (ProcessResult, String) {
                let tag = DockerEngine.uniqueTag("variant")
                images.append(tag)
                var arguments = ["build", "-t", tag]
                if let dockerfile { arguments += ["-f", dockerfile] }
                return (try await TestProcess.runner.run(DockerEngine.command(arguments + [context.path])), tag)
            }

            do {
                let (syntax, _) = try await build(materialise(.dockerfileSyntaxError))
                #expect(!syntax.succeeded)
                #expect(syntax.stderr.contains("unknown instruction"), "\(syntax.stderr)")

                let (failing, _) = try await build(materialise(.failingBuildStep))
                #expect(!failing.succeeded)
                #expect(failing.stderr.contains("missing-file"), "\(failing.stderr)")

                let subdirectory = try materialise(.dockerfileInSubdirectory)
                #expect(!FileManager.default.fileExists(atPath: subdirectory.appendingPathComponent("Dockerfile").path))
                let (nested, nestedTag) = try await build(subdirectory.appendingPathComponent("app"))
                #expect(nested.succeeded, "\(nested.stderr)")
                #expect(await DockerEngine.imageExists(nestedTag))

                let none = try materialise(.noDockerfile)
                #expect(!FileManager.default.fileExists(atPath: none.appendingPathComponent("Dockerfile").path))
                let (missing, _) = try await build(none)
                #expect(!missing.succeeded)

                #expect(try SampleApp.files(.unhealthy).files["www/health"] == nil)
            } catch {
                await DockerEngine.removeImages(images)
                throw error
            }
            await DockerEngine.removeImages(images)
        }

        private func cleanUp(containers: [String], images: [String], git: GitFixture, registry: RegistryFixture) async {
            await DockerEngine.removeContainers(containers)
            await DockerEngine.removeImages(images)
            await git.stop()
            await registry.stop()
        }

        /// GET until the container's port answers (a second at most, usually at once).
        private func eventuallyGet(_ address: String) async throws -> (status: Int, body: String) {
            let deadline = ContinuousClock.now + .seconds(10)
            while true {
                var request = URLRequest(url: URL(string: address)!)
                request.timeoutInterval = 2
                do {
                    let (body, response) = try await URLSession.shared.data(for: request)
                    if let http = response as? HTTPURLResponse {
                        return (http.statusCode, String(decoding: body, as: UTF8.self))
                    }
                } catch where ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                throw TestFixtureError("no HTTP answer from \(address)")
            }
        }
    }
}
