import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

@Suite(.serialized) struct BuildAndPushStageTests {
    /// Looks, after the push, for the private docker config that held the registry token.
    private struct DockerConfigProbe: Stage {
        let number = 3
        let name = "probe"
        let failureCode = ErrorCode.unexpectedError
        func run(in context: DeploymentContext) async throws {
            let exists = FileManager.default.fileExists(atPath: context.workspace.path("docker-config"))
            context.publish("[Stage 3] probe", details: ["dockerConfigExists": exists ? "yes" : "no"])
        }
    }

    @Test func theRegistryTokenIsGoneRightAfterThePush() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "tokenless", template: SampleApp.files(.valid))
            let (service, githubID, awsID) = await environment.service(
                owner: "octo", repo: "tokenless", pipeline: { _ in [DockerBuildStage(), ECRPushStage(), DockerConfigProbe()] })
            let deployment = try await service.start(githubConnectionID: githubID, awsConnectionID: awsID,
                                                     owner: "octo", repo: "tokenless", branch: "main")
            while !deployment.status.isTerminal { try await Task.sleep(for: .milliseconds(100)) }
            #expect(deployment.status == .completed, "\(deployment.snapshot().failure?.message ?? "")")
            let probe = stageEvents(deployment).first { $0.message == "[Stage 3] probe" }
            #expect(probe?.details["dockerConfigExists"] as? String == "no")
        }
    }

    @Test func sampleAppIsClonedBuiltAndPushed() async throws {
        try await BuildAndPushEnvironment.with { environment in
            let head = try await environment.git.makeRepository(owner: "octo", repo: "sample", template: SampleApp.files(.valid))

            let deployment = try await environment.deploy(owner: "octo", repo: "sample")
            let snapshot = deployment.snapshot()
            #expect(snapshot.status == .completed, "\(snapshot.failure?.message ?? "")")

            let events = stageEvents(deployment).filter { !$0.message.contains("출력") }
            #expect(events.map(\.message) == SpecStageMessages.buildAndPush + ["Deployment completed successfully"])
            #expect(events[1].details["stage"] as? Int == 1)
            #expect((events[1].details["path"] as? String)?.hasSuffix("/repo") == true)
            #expect(events[2].details["path"] as? String == "Dockerfile")
            let tag = try #require(events[3].details["imageName"] as? String)
            #expect(tag.wholeMatch(of: /octo-sample-main-\d{10}/) != nil)
            #expect(events[5].details["repository"] as? String == "octo-sample")
            let uri = try #require(events[7].details["uri"] as? String)
            #expect(uri == "\(environment.registry.host)/octo-sample:\(tag)")
            #expect((events[7].details["digest"] as? String)?.hasPrefix("sha256:") == true)
            #expect(snapshot.facts.commitSHA == head)
            #expect(snapshot.facts.imageURI == uri)

            // The image is in the registry under the expected tag, and ECR knows the repository.
            let tags = try await environment.registry.request(path: "v2/octo-sample/tags/list")
            #expect(String(decoding: tags.body, as: UTF8.self).contains(tag))
            let repositories = try await environment.moto.aws("ecr", "describe-repositories", ["--repository-names", "octo-sample"])
            #expect("\(repositories)".contains("octo-sample"))
            #expect(leftoverWorkspaces(of: deployment).isEmpty)
            // Build output reached the event log, rate-limited.
            #expect(stageEvents(deployment).contains { $0.message == "[Stage 1] Docker build 출력" })
        }
    }

    @Test func dockerfileInASubdirectoryAndABranchWithASlash() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "nested", branch: "feature/x",
                                                         template: SampleApp.files(.dockerfileInSubdirectory))
            let deployment = try await environment.deploy(owner: "octo", repo: "nested", branch: "feature/x")
            #expect(deployment.status == .completed, "\(deployment.snapshot().failure?.message ?? "")")
            let found = stageEvents(deployment).first { $0.message == "[Stage 1] Dockerfile 찾음" }
            #expect(found?.details["path"] as? String == "app/Dockerfile")
            #expect((deployment.facts.imageName ?? "").hasPrefix("octo-nested-feature-x-"))
        }
    }

    @Test(arguments: [
        (SampleApp.Variant.noDockerfile, "Deployment failed: Dockerfile not found in repository"),
        (SampleApp.Variant.dockerfileSyntaxError, "Deployment failed: Docker build failed:"),
        (SampleApp.Variant.failingBuildStep, "Deployment failed: Docker build failed:"),
    ])
    func buildFailuresEndInStageOneWithTheReason(variant: SampleApp.Variant, message: String) async throws {
        try await BuildAndPushEnvironment.with { environment in
            let repo = "broken-\(variant.rawValue.lowercased())"
            _ = try await environment.git.makeRepository(owner: "octo", repo: repo, template: SampleApp.files(variant))
            let deployment = try await environment.deploy(owner: "octo", repo: repo)
            let failure = try #require(deployment.snapshot().failure)
            #expect(failure.message.hasPrefix(message), "\(failure.message)")
            #expect(failure.errorCode == .dockerBuildFailed)
            #expect(failure.stage == 1)
            if variant == .failingBuildStep { #expect(failure.message.contains("missing-file")) }
            if variant == .dockerfileSyntaxError { #expect(failure.message.lowercased().contains("unknown instruction")) }
            #expect(leftoverWorkspaces(of: deployment).isEmpty)
        }
    }

    @Test func cloneFailuresCarryGitsReasonWithoutTheToken() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "sample", template: SampleApp.files(.valid))

            let wrongToken = Secret("ghp_wrongwrongwrong")
            let denied = try await environment.deploy(owner: "octo", repo: "sample", token: wrongToken)
            let deniedMessage = denied.snapshot().failure?.message ?? ""
            #expect(deniedMessage.contains("Authentication failed"), "\(deniedMessage)")
            #expect(denied.snapshot().failure?.errorCode == .dockerBuildFailed)

            let missingBranch = try await environment.deploy(owner: "octo", repo: "sample", branch: "nope")
            #expect(missingBranch.snapshot().failure?.message.contains("Remote branch nope not found") == true)

            let missingRepo = try await environment.deploy(owner: "octo", repo: "ghost")
            #expect(missingRepo.snapshot().failure?.message.contains("not found") == true)

            for deployment in [denied, missingBranch, missingRepo] {
                let everything = deployment.log.events.map(\.data).joined()
                #expect(!everything.contains(wrongToken.reveal()))
                #expect(!everything.contains(environment.gitToken.reveal()))
            }
        }
    }

    @Test func symlinkOutOfTheCheckoutIsNeverFollowed() async throws {
        try await BuildAndPushEnvironment.with { environment in
            // A root Dockerfile that points outside the checkout; the real one is in app/.
            var template = try SampleApp.files(.dockerfileInSubdirectory)
            template.symlinks["Dockerfile"] = "../../../../../../etc/hostname"
            template.symlinks["escape"] = "/etc"
            _ = try await environment.git.makeRepository(owner: "octo", repo: "links", template: template)
            let deployment = try await environment.deploy(owner: "octo", repo: "links")
            let found = stageEvents(deployment).first { $0.message == "[Stage 1] Dockerfile 찾음" }
            #expect(found?.details["path"] as? String == "app/Dockerfile")
            #expect(deployment.status == .completed, "\(deployment.snapshot().failure?.message ?? "")")
        }
    }

    @Test func onlyTheNewestImagesOfARepositoryAreKept() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "prune", template: SampleApp.files(version: "v1"))
            for version in ["v2", "v3"] {
                let first = try await environment.deploy(owner: "octo", repo: "prune") { $0.docker.keepImagesPerRepository = 1 }
                #expect(first.status == .completed)
                _ = try await environment.git.commit(owner: "octo", repo: "prune", change: RepositoryChange(
                    files: SampleApp.files(version: version).files.filter { $0.key.hasPrefix("www/") }, message: version))
                try await Task.sleep(for: .seconds(1))  // a new epoch second: a new tag
            }
            let listed = try await TestProcess.run(DockerCLI().listImages(label: "\(DockerBuildStage.repositoryLabel)=octo-prune"))
            let ids = Set(listed.stdout.split(separator: "\n").compactMap { $0.split(separator: "\t").first })
            #expect(ids.count == 1, "\(listed.stdout)")
        }
    }

    @Test func aFailedBuildLeavesNoContainerBehind() async throws {
        try await BuildAndPushEnvironment.with { environment in
            let marker = "m" + UUID().uuidString.prefix(8).lowercased()
            _ = try await environment.git.makeRepository(owner: "octo", repo: "runfail", template: SampleApp.files(.failingRunStep, version: marker))
            let deployment = try await environment.deploy(owner: "octo", repo: "runfail")
            let failure = try #require(deployment.snapshot().failure)
            #expect(failure.errorCode == .dockerBuildFailed)
            // The legacy builder keeps a failed step's container unless told --force-rm.
            let containers = try await DockerEngine.docker(["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"])
            let left = containers.stdout.split(separator: "\n").filter { $0.contains("failing-run-\(marker)") }
            #expect(left.isEmpty, "\(left)")
            await DockerEngine.removeContainers(left.compactMap { $0.split(separator: " ").first.map(String.init) })
        }
    }

    @Test func theImageIsBuiltForTheTasksCPUArchitectureOrNothingIsPushed() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "armed", template: SampleApp.files(.valid))
            // FROM scratch with no RUN step builds for any platform without emulation where the
            // engine honours --platform (Docker Engine 20.10 here does). An engine that builds for
            // its own CPU instead gets stage 1's refusal, and no image for the wrong CPU is pushed.
            let deployment = try await environment.deploy(owner: "octo", repo: "armed") { $0.aws.cpuArchitecture = "ARM64" }
            let snapshot = deployment.snapshot()
            let image = try #require(snapshot.facts.localImage)
            let inspected = try await DockerEngine.docker(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", image])
            let platform = inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if platform == "linux/arm64" {
                #expect(snapshot.status == .completed, "\(snapshot.failure?.message ?? "")")
            } else {
                #expect(snapshot.failure?.stage == 1 && snapshot.failure?.errorCode == .dockerBuildFailed)
                #expect(snapshot.failure?.message == "Deployment failed: Docker built \(platform), but the tasks run on linux/arm64 "
                        + "(aws.cpuArchitecture ARM64); this Docker Engine does not build for other platforms: use one with "
                        + "BuildKit, or build on a linux/arm64 machine")
                #expect(snapshot.facts.imageURI == nil, "nothing was pushed")
            }

            // The machine's own architecture builds and pushes as before.
            let native = try await environment.deploy(owner: "octo", repo: "armed") { $0.aws.cpuArchitecture = "X86_64" }
            #expect(native.snapshot().status == .completed, "\(native.snapshot().failure?.message ?? "")")

            let refused = try await environment.deploy(owner: "octo", repo: "armed") { $0.aws.cpuArchitecture = "SPARC" }
            #expect(refused.snapshot().failure?.message == "Deployment failed: aws.cpuArchitecture must be X86_64 or ARM64, not SPARC")
        }
    }

    @Test func revokedCredentialsFailAtOnceBeforeAnythingIsBuilt() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "revoked", template: SampleApp.files(.valid))
            // The connection was validated earlier; since then the key was deleted (moto now checks keys).
            try await environment.moto.enableAuthentication(freeRequests: 0)
            let revoked = AWSCredentials(accessKeyId: Secret("AKIAREVOKED000000001"), secretAccessKey: Secret("revoked-secret"))
            let (service, githubID, awsID) = await environment.service(owner: "octo", repo: "revoked", awsCredentials: revoked)
            let deployment = try await service.start(githubConnectionID: githubID, awsConnectionID: awsID, owner: "octo", repo: "revoked", branch: "main")
            let deadline = ContinuousClock.now + .seconds(120)
            while !deployment.status.isTerminal, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let failure = try #require(deployment.snapshot().failure)
            #expect(failure.errorCode == .awsCredentialsInvalid)
            #expect(failure.message.hasPrefix("Deployment failed: AWS credentials are no longer valid: "))
            #expect(!failure.message.contains("revoked-secret"))
            #expect(stageEvents(deployment).allSatisfy { !$0.message.hasPrefix("[Stage") }, "nothing was built")
        }
    }

    @Test func pushFailureIsStageTwoWithECRPushFailed() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "sample", template: SampleApp.files(.valid))
            let closedPort = try FreePort.next()
            let deployment = try await environment.deploy(owner: "octo", repo: "sample") {
                $0.aws.registryHostOverride = "127.0.0.1:\(closedPort)"
            }
            let failure = try #require(deployment.snapshot().failure)
            #expect(failure.errorCode == .ecrPushFailed)
            #expect(failure.stage == 2)
            #expect(failure.message.hasPrefix("Deployment failed: docker login to 127.0.0.1:\(closedPort) failed"))
            #expect(leftoverWorkspaces(of: deployment).isEmpty)
        }
    }

    @Test func concurrentDeploymentsShareNoWorkspaceAndLeakNoSecret() async throws {
        try await BuildAndPushEnvironment.with { environment in
            _ = try await environment.git.makeRepository(owner: "octo", repo: "first", template: SampleApp.files(version: "v1"))
            _ = try await environment.git.makeRepository(owner: "octo", repo: "second", template: SampleApp.files(version: "v2"))

            let secrets = [environment.gitToken.reveal(), RegistryFixture.defaultPassword.reveal(),
                           MotoServer.setupCredentials.secretAccessKey.reveal()]
            let sampler = CommandLineSampler(looking: secrets)
            sampler.start()
            async let first = environment.deploy(owner: "octo", repo: "first")
            async let second = environment.deploy(owner: "octo", repo: "second")
            let deployments = try await [first, second]
            let (samples, leaks) = sampler.stop()

            #expect(deployments.allSatisfy { $0.status == .completed })
            #expect(samples > 10, "sampled \(samples) times")
            #expect(leaks.isEmpty, "\(leaks)")
            let workspaces = deployments.map { stageEvents($0).first { $0.message == "[Stage 1] Repository 클론 완료" }?.details["path"] as? String ?? "" }
            #expect(Set(workspaces).count == 2)
            for deployment in deployments {
                let everything = deployment.log.events.map(\.data).joined()
                for secret in secrets { #expect(!everything.contains(secret)) }
                #expect(leftoverWorkspaces(of: deployment).isEmpty)
            }
        }
    }
}

/// Reads every process's command line in the background, looking for secrets.
final class CommandLineSampler: @unchecked Sendable {
    private let secrets: [String]
    private let lock = NSLock()
    private var running = false
    private var samples = 0
    private var leaks: [String] = []
    private var thread: Thread?

    init(looking secrets: [String]) { self.secrets = secrets }

    func start() {
        running = true
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(pid) != nil {
                    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
                    let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                    for secret in secrets where line.contains(secret) { lock.withLock { leaks.append(line) } }
                }
                lock.withLock { samples += 1 }
                usleep(20_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> (samples: Int, leaks: [String]) {
        lock.withLock {
            running = false
            return (samples, leaks)
        }
    }
}
