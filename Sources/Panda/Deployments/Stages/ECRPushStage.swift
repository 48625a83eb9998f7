import Foundation
import Tools

/// Stage 2: make sure the ECR repository exists, log docker in with a private config,
/// tag and push the image built in stage 1.
public struct ECRPushStage: Stage {
    public let number = 2
    public let name = "Push to ECR"
    public let usesAWS = true
    public let failureCode = ErrorCode.ecrPushFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let request = context.request
        guard let localImage = context.facts.localImage, let tag = context.facts.imageName else {
            throw StageFailure("No image was built", errorCode: .unexpectedError)
        }
        context.publish(.pushing)

        let aws = context.awsCLI
        let repository = ImageNaming.repository(owner: request.owner, repo: request.repo)
        // The login password does not depend on the repository: both are asked for at once.
        async let pendingPassword = loginPassword(aws: aws, context: context)
        let (repositoryURI, setsLifecycle) = try await ensureRepository(repository, context: context)
        context.publish(.repositoryReady, details: ["repository": .string(repository), "repositoryUri": .string(repositoryURI)])
        // The lifecycle policy does not hold up the push.
        async let lifecycleSet: Void = setsLifecycle ? keepNewestImages(in: repository, context: context) : ()

        let override = context.configuration.aws.registryHostOverride
        let registryHost = override.isEmpty ? String(repositoryURI.prefix { $0 != "/" }) : override
        let password = try await pendingPassword
        let dockerConfig = try Self.privateDockerConfig(in: context.workspace)
        // The registry token lives in that config only as long as the push needs it.
        defer { try? FileManager.default.removeItem(atPath: dockerConfig) }
        let docker = context.docker(configDirectory: dockerConfig)
        let login = try await context.run(docker.login(registry: registryHost, username: "AWS", password: password))
        guard login.succeeded else {
            throw StageFailure("docker login to \(registryHost) failed: \(login.stderrTail(maxLines: 3, maxBytes: 500))")
        }
        context.publish(.registryLoggedIn, details: ["registry": .string(registryHost)])

        let remoteImage = "\(registryHost)/\(repository):\(tag)"
        let tagged = try await context.run(docker.tag(localImage, remoteImage))
        guard tagged.succeeded else { throw StageFailure("docker tag failed: \(tagged.stderrTail(maxLines: 3, maxBytes: 500))") }

        let relay = BuildLogRelay(context: context, message: .pushOutput)
        let push = try await context.run(
            docker.push(remoteImage, timeout: .seconds(context.configuration.deployments.stageTimeoutSeconds)),
            onLine: { relay.receive($0) })
        relay.flush()
        guard push.succeeded else { throw StageFailure("docker push failed:\n\(relay.lastLines(5))") }
        let digest = Self.digest(fromPushOutput: push.stdout)
        try await lifecycleSet
        context.record {
            $0.imageURI = remoteImage
            $0.imageDigest = digest
        }
        context.publish(.imagePushed, details: ["uri": .string(remoteImage), "digest": .string(digest)])
    }

    /// The repository's URI, and whether the lifecycle policy is to be set on it now.
    private func ensureRepository(_ repository: String, context: DeploymentContext) async throws -> (uri: String, setsLifecycle: Bool) {
        let settings = context.configuration.aws
        let described = try await context.aws(tolerating: ["RepositoryNotFoundException"]) {
            $0.ecr.describeRepositories(names: [repository])
        }
        if let uri = described?["repositories"]?.arrayValue.first?["repositoryUri"]?.stringValue {
            // The first deployment of the application in this process applies the configured
            // lifecycle to a repository created before (a setting may have changed since);
            // later ones, whose stage 3 facts are known, do not spend a call on it.
            return (uri, await context.infrastructureFacts.load(context.request.applicationKey) == nil)
        }
        // Another deployment of the same repository may create it first: then look again.
        let created = try await context.aws(tolerating: ["RepositoryAlreadyExistsException"]) {
            $0.ecr.createRepository(name: repository, scanOnPush: settings.ecrScanOnPush, immutableTags: settings.ecrImmutableTags,
                                    tags: context.applicationTags)
        }
        let repositoryJSON = if let created {
            created["repository"]
        } else {
            try await context.aws { $0.ecr.describeRepositories(names: [repository]) }["repositories"]?.arrayValue.first
        }
        guard let uri = repositoryJSON?["repositoryUri"]?.stringValue, !uri.isEmpty else {
            throw StageFailure("ECR answered without a repository URI")
        }
        return (uri, created != nil)
    }

    private func keepNewestImages(in repository: String, context: DeploymentContext) async throws {
        try await context.aws { $0.ecr.keepNewestImages(repository: repository, keep: context.configuration.aws.ecrKeepImages) }
    }

    private func loginPassword(aws: AWSCLI, context: DeploymentContext) async throws -> Secret {
        let result = try await context.run(aws.ecr.getLoginPassword())
        let password = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, !password.isEmpty else {
            throw StageFailure("ECR get-login-password failed: \(AWSCLI.errorReason(fromStderr: result.stderr))")
        }
        return Secret(password)
    }

    /// `latest: digest: sha256:… size: 528` → `sha256:…`
    static func digest(fromPushOutput output: String) -> String? {
        guard let range = output.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression) else { return nil }
        return String(output[range])
    }

    /// A per-deployment `DOCKER_CONFIG`: credentials never reach the host's docker config
    /// nor another deployment's.
    private static func privateDockerConfig(in workspace: Workspace) throws -> String {
        let path = workspace.path("docker-config")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return path
    }
}
