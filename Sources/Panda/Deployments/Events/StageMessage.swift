/// A stage event's message: SPEC.md §3's Korean text byte for byte (plus Panda's own extra
/// Korean progress messages), written once here. Every stage and the traffic switch publish
/// through these; `specified` is SPEC's list in order, which `api/openapi.json` repeats as
/// the `StageMessage` enum (the tests keep an independent copy of SPEC's list).
public struct StageMessage: Sendable, Hashable, CustomStringConvertible {
    /// The stage the text names (`[Stage n]`).
    public let stage: Int
    /// The whole message, e.g. `[Stage 2] ECR 로그인 완료`.
    public let text: String

    init(_ stage: Int, _ body: String) {
        self.stage = stage
        text = "[Stage \(stage)] \(body)"
    }

    public var description: String { text }

    // MARK: Stage 1 — Dockerfile discovery and build
    public static let cloning = StageMessage(1, "Dockerfile 탐색 및 Docker Build - Repository 클론 중...")
    public static let cloned = StageMessage(1, "Repository 클론 완료")
    public static let dockerfileFound = StageMessage(1, "Dockerfile 찾음")
    public static let imageBuilt = StageMessage(1, "Docker 이미지 빌드 완료")
    /// Beyond SPEC: a batch of `docker build` output lines.
    public static let buildOutput = StageMessage(1, "Docker build 출력")

    // MARK: Stage 2 — push to ECR
    public static let pushing = StageMessage(2, "ECR에 이미지 Push 중 - ECR로 이미지 Push 중...")
    public static let repositoryReady = StageMessage(2, "ECR 리포지토리 확인 완료")
    public static let registryLoggedIn = StageMessage(2, "ECR 로그인 완료")
    public static let imagePushed = StageMessage(2, "이미지 Push 완료")
    /// Beyond SPEC: a batch of `docker push` output lines.
    public static let pushOutput = StageMessage(2, "Docker push 출력")

    // MARK: Stage 3 — ECS
    public static let ecsDeploymentStarted = StageMessage(3, "ECS 배포 시작")
    public static let serviceCreated = StageMessage(3, "ECS 서비스 생성 완료")
    public static let serviceUpdated = StageMessage(3, "ECS 서비스 업데이트 완료")

    // MARK: Stage 4 — blue/green lifecycle
    public static let blueGreenStarted = StageMessage(4, "CodeDeploy Blue/Green 배포 시작")
    public static let blueRunning = StageMessage(4, "Blue 서비스 실행 중")
    public static let greenStarting = StageMessage(4, "Green 서비스 시작 중")
    public static let greenReady = StageMessage(4, "Green 서비스 준비 완료")
    public static let beforeAllowTraffic = StageMessage(4, "CodeDeploy Lifecycle Hook: BeforeAllowTraffic")
    public static let afterAllowTraffic = StageMessage(4, "CodeDeploy Lifecycle Hook: AfterAllowTraffic")

    // MARK: Stage 5 — health check and traffic switch
    public static let healthCheckAndSwitch = StageMessage(5, "Green 서비스 HealthCheck 및 트래픽 전환")
    public static func healthCheckProgress(_ check: Int, of total: Int) -> StageMessage {
        StageMessage(5, "Green 서비스 HealthCheck 진행 중 - Check \(check)/\(total)")
    }
    public static let healthCheckPassed = StageMessage(5, "HealthCheck 성공")
    public static let switchingTraffic = StageMessage(5, "트래픽 전환 중")
    public static let trafficSwitched = StageMessage(5, "트래픽 전환 완료")
    /// Beyond SPEC: the checks through the production listener after the switch.
    public static let afterAllowTrafficVerified = StageMessage(5, "AfterAllowTraffic 검증")

    // MARK: Stage 6
    public static let deploymentCompleted = StageMessage(6, "배포 완료")

    // MARK: Rollback (beyond SPEC), in whichever stage watches production
    public static func rollbackStarted(stage: Int) -> StageMessage { StageMessage(stage, "롤백 시작") }
    public static func rollbackTrafficToBlue(stage: Int) -> StageMessage { StageMessage(stage, "롤백: 트래픽을 Blue로 되돌림") }
    public static func rollbackCompleted(stage: Int) -> StageMessage { StageMessage(stage, "롤백 완료: Green 서비스 중지") }

    /// SPEC.md §3's messages in the order a successful deployment publishes them (stage 3 sends
    /// one of its two); in the check message `{i}` stands for the check number, as SPEC writes it.
    public static let specified: [StageMessage] = [
        .cloning, .cloned, .dockerfileFound, .imageBuilt,
        .pushing, .repositoryReady, .registryLoggedIn, .imagePushed,
        .ecsDeploymentStarted, .serviceCreated, .serviceUpdated,
        .blueGreenStarted, .blueRunning, .greenStarting, .greenReady, .beforeAllowTraffic, .afterAllowTraffic,
        .healthCheckAndSwitch, StageMessage(5, "Green 서비스 HealthCheck 진행 중 - Check {i}/5"),
        .healthCheckPassed, .switchingTraffic, .trafficSwitched,
        .deploymentCompleted,
    ]
}
