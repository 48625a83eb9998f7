import Foundation
import Tools

/// Stage 1: shallow clone, find the Dockerfile, `docker build`.
public struct DockerBuildStage: Stage {
    public let number = 1
    public let name = "Dockerfile discovery and build"
    public let failureCode = ErrorCode.dockerBuildFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let request = context.request
        guard let github = request.github else { throw StageFailure("No GitHub connection", errorCode: .unexpectedError) }
        context.publish(.cloning)

        let checkout = context.workspace.path("repo")
        let git = context.git
        let url = "\(context.configuration.github.gitBaseURL.trimmingSuffix("/"))/\(request.owner)/\(request.repo).git"
        let clone = try await context.run(git.shallowClone(
            url: url, branch: request.branch, into: checkout, token: github.token,
            timeout: .seconds(context.configuration.deployments.stageTimeoutSeconds)))
        guard clone.succeeded else {
            throw StageFailure("Failed to clone \(request.owner)/\(request.repo) (branch \(request.branch)): \(Self.gitReason(clone))")
        }
        let head = try await context.run(git.headCommit(in: checkout))
        let commit = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        context.record { $0.commitSHA = commit.isEmpty ? nil : commit }
        context.publish(.cloned, details: ["path": .string(checkout), "commitSha": .string(commit)])

        // A walk of the checkout: blocking, so off the cooperative pool.
        guard let dockerfile = await BlockingWork.run({ DockerfileLocator.locate(in: checkout) }) else {
            throw StageFailure("Dockerfile not found in repository")
        }
        let exposed = (try? String(contentsOfFile: "\(checkout)/\(dockerfile)", encoding: .utf8)).flatMap(DockerfileLocator.exposedPort)
        context.record { $0.containerPort = exposed }
        context.publish(.dockerfileFound, details: ["path": .string(dockerfile)])

        let repository = ImageNaming.repository(owner: request.owner, repo: request.repo)
        let tag = ImageNaming.tag(owner: request.owner, repo: request.repo, branch: request.branch,
                                  epochSeconds: Int(Date().timeIntervalSince1970))
        let localImage = "\(repository):\(tag)"
        let dockerfilePath = "\(checkout)/\(dockerfile)"
        let buildContext = (dockerfilePath as NSString).deletingLastPathComponent

        let keep = context.configuration.docker.keepImagesPerRepository
        context.onFinish { await Self.pruneImages(of: repository, keeping: keep, context: context) }

        // The image must run on the tasks' CPU architecture, whatever this machine's is.
        guard let architecture = CPUArchitecture(context.configuration.aws.cpuArchitecture) else {
            throw StageFailure("aws.cpuArchitecture must be X86_64 or ARM64, not \(context.configuration.aws.cpuArchitecture)",
                               errorCode: .unexpectedError)
        }
        let relay = BuildLogRelay(context: context, message: .buildOutput)
        let build = try await context.run(
            context.docker().build(
                dockerfile: dockerfilePath, tag: localImage, context: buildContext, platform: architecture.dockerPlatform,
                labels: [Self.repositoryLabel: repository],
                timeout: .seconds(context.configuration.deployments.stageTimeoutSeconds)),
            onLine: { relay.receive($0) })
        relay.flush()
        guard build.succeeded else {
            throw StageFailure("Docker build failed:\n\(relay.lastLines(10))")
        }
        context.record {
            $0.imageName = tag
            $0.localImage = localImage
        }
        try await Self.checkPlatform(of: localImage, is: architecture, context: context)
        context.publish(.imageBuilt, details: ["imageName": .string(tag)])
    }

    /// Whether the engine honoured `--platform` is checked, not assumed (older legacy builders
    /// did not for every image): an image for the wrong CPU would be pushed and its tasks would
    /// die with `exec format error` in stage 4. Better to say so here.
    static func checkPlatform(of image: String, is architecture: CPUArchitecture, context: DeploymentContext) async throws {
        let inspected = try await context.run(context.docker().imagePlatform(image))
        let platform = inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard inspected.succeeded, platform == architecture.dockerPlatform else {
            throw StageFailure("Docker built \(platform.isEmpty ? "an image of unknown platform" : platform), but the tasks run on "
                               + "\(architecture.dockerPlatform) (aws.cpuArchitecture \(architecture.rawValue)); this Docker Engine "
                               + "does not build for other platforms: use one with BuildKit, or build on a \(architecture.dockerPlatform) machine")
        }
    }

    /// Images Panda built carry this label, so pruning never touches anything else.
    public static let repositoryLabel = "dev.panda.repository"

    /// Removes all but the newest `keeping` images Panda built for `repository`.
    static func pruneImages(of repository: String, keeping: Int, context: DeploymentContext) async {
        let docker = context.docker()
        guard let listed = try? await context.run(docker.listImages(label: "\(repositoryLabel)=\(repository)")),
              listed.succeeded else { return }
        // Newest first, as docker lists them; one image may carry several tags.
        var seen: [String] = []
        for line in listed.stdout.split(separator: "\n") {
            let id = String(line.split(separator: "\t").first ?? "")
            if !id.isEmpty, !seen.contains(id) { seen.append(id) }
        }
        let stale = Array(seen.dropFirst(keeping))
        guard !stale.isEmpty else { return }
        if let removed = try? await context.run(docker.removeImages(stale)), removed.succeeded {
            context.logger.info("pruned old images", metadata: ["repository": "\(repository)", "count": "\(stale.count)"])
        }
    }

    /// git's own words for why a clone failed: its `fatal:` / `remote:` lines.
    static func gitReason(_ result: ProcessResult) -> String {
        let lines = result.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let telling = lines.filter { $0.hasPrefix("fatal:") || $0.hasPrefix("remote:") || $0.hasPrefix("error:") }
        let chosen = telling.isEmpty ? Array(lines.suffix(3)) : telling
        return chosen.joined(separator: " ").isEmpty ? "git exited with \(result.status)" : chosen.joined(separator: " ")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
