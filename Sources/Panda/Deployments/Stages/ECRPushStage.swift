import Foundation
import Tools

/// Stage 2: make sure the ECR repository exists, log docker in with a private config,
/// tag and push the image built in stage 1.
public struct ECRPushStage: Stage {
    public let number = 2
    public let name = "Push to ECR"
    public let failureCode = ErrorCode.ecrPushFailed

    public init() {}

    public func run(in context: DeploymentContext) async throws {
        let request = context.request
        guard let localImage = context.facts.localImage, let tag = context.facts.imageName else {
            throw StageFailure("No image was built", errorCode: .unexpectedError)
        }
        context.publish("[Stage 2] ECR에 이미지 Push 중 - ECR로 이미지 Push 중...")

        let aws = context.awsCLI
        let repository = ImageNaming.repository(owner: request.owner, repo: request.repo)
        let repositoryURI = try await ensureRepository(repository, aws: aws, context: context)
        context.publish("[Stage 2] ECR 리포지토리 확인 완료", details: ["repository": .string(repository), "repositoryUri": .string(repositoryURI)])

        let override = context.configuration.aws.registryHostOverride
        let registryHost = override.isEmpty ? String(repositoryURI.prefix { $0 != "/" }) : override
        let password = try await loginPassword(aws: aws, context: context)
        let docker = DockerCLI(configDirectory: try Self.privateDockerConfig(in: context.workspace))
        let login = try await context.run(docker.login(registry: registryHost, username: "AWS", password: password))
        guard login.succeeded else {
            throw StageFailure("docker login to \(registryHost) failed: \(login.stderrTail(maxLines: 3, maxBytes: 500))")
        }
        context.publish("[Stage 2] ECR 로그인 완료", details: ["registry": .string(registryHost)])

        let remoteImage = "\(registryHost)/\(repository):\(tag)"
        let tagged = try await context.run(docker.tag(localImage, remoteImage))
        guard tagged.succeeded else { throw StageFailure("docker tag failed: \(tagged.stderrTail(maxLines: 3, maxBytes: 500))") }

        let relay = BuildLogRelay(context: context, message: "[Stage 2] Docker push 출력")
        let push = try await context.run(
            docker.push(remoteImage, timeout: .seconds(context.configuration.deployments.stageTimeoutSeconds)),
            onLine: { relay.receive($0) })
        relay.flush()
        guard push.succeeded else { throw StageFailure("docker push failed:\n\(relay.lastLines(5))") }
        let digest = Self.digest(fromPushOutput: push.stdout)
        context.record {
            $0.imageURI = remoteImage
            $0.imageDigest = digest
        }
        context.publish("[Stage 2] 이미지 Push 완료", details: ["uri": .string(remoteImage), "digest": .string(digest)])
    }

    private func ensureRepository(_ repository: String, aws: AWSCLI, context: DeploymentContext) async throws -> String {
        let described = try await context.run(aws.command("ecr", "describe-repositories", ["--repository-names", repository]))
        if described.succeeded {
            return try Self.repositoryURI(described.stdout, key: "repositories")
        }
        guard described.stderr.contains("RepositoryNotFoundException") else {
            throw StageFailure("ECR describe-repositories failed: \(AWSIdentityValidator.reason(fromStderr: described.stderr, secrets: []))")
        }
        let settings = context.configuration.aws
        let created = try await context.run(aws.command("ecr", "create-repository", [
            "--repository-name", repository,
            "--image-scanning-configuration", "scanOnPush=\(settings.ecrScanOnPush)",
            "--image-tag-mutability", settings.ecrImmutableTags ? "IMMUTABLE" : "MUTABLE",
        ]))
        if created.succeeded {
            return try Self.repositoryURI(created.stdout, key: "repository")
        }
        // Another deployment of the same repository created it in the meantime.
        if created.stderr.contains("RepositoryAlreadyExistsException") {
            let again = try await context.run(aws.command("ecr", "describe-repositories", ["--repository-names", repository]))
            if again.succeeded { return try Self.repositoryURI(again.stdout, key: "repositories") }
        }
        throw StageFailure("ECR create-repository failed: \(AWSIdentityValidator.reason(fromStderr: created.stderr, secrets: []))")
    }

    private func loginPassword(aws: AWSCLI, context: DeploymentContext) async throws -> Secret {
        let result = try await context.run(aws.command("ecr", "get-login-password", []).withoutOutputFormat())
        let password = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.succeeded, !password.isEmpty else {
            throw StageFailure("ECR get-login-password failed: \(AWSIdentityValidator.reason(fromStderr: result.stderr, secrets: []))")
        }
        return Secret(password)
    }

    static func repositoryURI(_ json: String, key: String) throws -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let repository: [String: Any]? = if key == "repositories" {
            (object?[key] as? [[String: Any]])?.first
        } else {
            object?[key] as? [String: Any]
        }
        guard let uri = repository?["repositoryUri"] as? String, !uri.isEmpty else {
            throw StageFailure("ECR answered without a repository URI")
        }
        return uri
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

extension Command {
    /// `get-login-password` prints the bare password; `--output json` does not apply.
    func withoutOutputFormat() -> Command {
        var command = self
        if let index = command.arguments.lastIndex(of: "--output"), index + 1 < command.arguments.count {
            command.arguments.removeSubrange(index...(index + 1))
        }
        return command
    }
}
