/// SPEC.md §3's stage messages in order, copied here on their own (not from the code), so
/// that a change on either side shows in the tests that compare them.
public enum SpecStageMessages {
    public static let all = [
        "[Stage 1] Dockerfile 탐색 및 Docker Build - Repository 클론 중...",
        "[Stage 1] Repository 클론 완료",
        "[Stage 1] Dockerfile 찾음",
        "[Stage 1] Docker 이미지 빌드 완료",
        "[Stage 2] ECR에 이미지 Push 중 - ECR로 이미지 Push 중...",
        "[Stage 2] ECR 리포지토리 확인 완료",
        "[Stage 2] ECR 로그인 완료",
        "[Stage 2] 이미지 Push 완료",
        "[Stage 3] ECS 배포 시작",
        "[Stage 3] ECS 서비스 생성 완료",
        "[Stage 3] ECS 서비스 업데이트 완료",
        "[Stage 4] CodeDeploy Blue/Green 배포 시작",
        "[Stage 4] Blue 서비스 실행 중",
        "[Stage 4] Green 서비스 시작 중",
        "[Stage 4] Green 서비스 준비 완료",
        "[Stage 4] CodeDeploy Lifecycle Hook: BeforeAllowTraffic",
        "[Stage 4] CodeDeploy Lifecycle Hook: AfterAllowTraffic",
        "[Stage 5] Green 서비스 HealthCheck 및 트래픽 전환",
        "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check {i}/5",
        "[Stage 5] HealthCheck 성공",
        "[Stage 5] 트래픽 전환 중",
        "[Stage 5] 트래픽 전환 완료",
        "[Stage 6] 배포 완료",
    ]

    /// Stages 1 and 2 as a deployment that builds and pushes goes through them, in order.
    public static let buildAndPush = Array(all.prefix(8))
}
