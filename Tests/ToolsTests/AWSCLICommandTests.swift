import Testing
import Tools

@Suite struct AWSCLICommandTests {
    static let credentials = AWSCredentials(
        accessKeyId: Secret("AKIAUNITTESTKEY00001"), secretAccessKey: Secret("unit/secret+key"), sessionToken: Secret("unit-session-token"))

    @Test func buildsWithJSONOutputAndTheCLIsTimeout() {
        let cli = AWSCLI(credentials: Self.credentials, region: "ap-northeast-2", endpointURL: "http://127.0.0.1:5000", timeout: .seconds(20))
        let command = cli.ecr.describeRepositories(names: ["octo-app"])
        #expect(command.executable == "aws")
        #expect(command.arguments == ["ecr", "describe-repositories", "--repository-names", "octo-app", "--output", "json"])
        #expect(command.timeout == .seconds(20))
        #expect(cli.sts.getCallerIdentity(timeout: .seconds(3)).timeout == .seconds(3))
        #expect(cli.sts.getCallerIdentity().arguments == ["sts", "get-caller-identity", "--output", "json"])
    }

    @Test func credentialsRegionAndEndpointTravelOnlyInTheEnvironment() {
        let cli = AWSCLI(credentials: Self.credentials, region: "us-gov-west-1", endpointURL: "http://127.0.0.1:5000")
        let command = cli.sts.getCallerIdentity()
        let resolved = command.environment.resolved(inheriting: ["PATH": "/usr/bin"])
        #expect(resolved["AWS_ACCESS_KEY_ID"] == "AKIAUNITTESTKEY00001")
        #expect(resolved["AWS_SECRET_ACCESS_KEY"] == "unit/secret+key")
        #expect(resolved["AWS_SESSION_TOKEN"] == "unit-session-token")
        #expect(resolved["AWS_DEFAULT_REGION"] == "us-gov-west-1")
        #expect(resolved["AWS_REGION"] == "us-gov-west-1")
        #expect(resolved["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000")
        let arguments = command.arguments.joined(separator: " ")
        for value in ["AKIAUNITTESTKEY00001", "unit/secret+key", "unit-session-token", "us-gov-west-1", "127.0.0.1"] {
            #expect(!arguments.contains(value), "\(value) in arguments")
        }
        // Every secret is registered for redaction.
        #expect(Set(command.secrets.map { $0.reveal() }) == ["AKIAUNITTESTKEY00001", "unit/secret+key", "unit-session-token"])
    }

    @Test func nothingOfTheHostLeaksIn() {
        let host = [
            "PATH": "/host/bin", "HOME": "/root", "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": "AKIAHOST", "AWS_SECRET_ACCESS_KEY": "host-secret", "AWS_SESSION_TOKEN": "host-token",
            "AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "prod", "AWS_ENDPOINT_URL": "http://evil", "AWS_ENDPOINT_URL_STS": "http://evil",
            "AWS_CONFIG_FILE": "/root/.aws/config", "AWS_SHARED_CREDENTIALS_FILE": "/root/.aws/credentials",
            "AWS_CA_BUNDLE": "/x.pem", "AWS_ROLE_ARN": "arn:x", "AWS_WEB_IDENTITY_TOKEN_FILE": "/t",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/x", "HTTPS_PROXY": "http://proxy", "PYTHONPATH": "/evil",
        ]
        let cli = AWSCLI(credentials: AWSCredentials(accessKeyId: Secret("AKIAMINE"), secretAccessKey: Secret("mine")), region: "eu-central-2")
        let resolved = cli.sts.getCallerIdentity().environment.resolved(inheriting: host)
        #expect(resolved == [
            "PATH": "/host/bin", "LANG": "C.UTF-8", "HOME": AWSCLI.isolatedHome,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_STS_REGIONAL_ENDPOINTS": "regional",
            "AWS_PAGER": "", "AWS_CLI_AUTO_PROMPT": "off", "AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5",
            "AWS_DEFAULT_REGION": "eu-central-2", "AWS_REGION": "eu-central-2",
            "AWS_ACCESS_KEY_ID": "AKIAMINE", "AWS_SECRET_ACCESS_KEY": "mine",
        ])
    }

    @Test func retriesAdaptivelyWithTheConfiguredAttempts() {
        let resolved = AWSCLI(credentials: Self.credentials, region: "us-east-1", maxAttempts: 9).sts.getCallerIdentity()
            .environment.resolved(inheriting: [:])
        #expect(resolved["AWS_RETRY_MODE"] == "adaptive")
        #expect(resolved["AWS_MAX_ATTEMPTS"] == "9")
        #expect(AWSCLI(credentials: Self.credentials, region: "us-east-1", maxAttempts: 0).maxAttempts == 1)
    }

    @Test func emptyEndpointAndEmptySessionTokenMeanNone() {
        let credentials = AWSCredentials(accessKeyId: Secret("A"), secretAccessKey: Secret("S"), sessionToken: Secret(""))
        #expect(credentials.sessionToken == nil)
        let resolved = AWSCLI(credentials: credentials, region: "cn-north-1", endpointURL: "").sts.getCallerIdentity()
            .environment.resolved(inheriting: [:])
        #expect(resolved["AWS_ENDPOINT_URL"] == nil)
        #expect(resolved["AWS_SESSION_TOKEN"] == nil)
    }

    @Test func credentialsNeverPrint() {
        let text = "\(Self.credentials) \(String(reflecting: Self.credentials)) \(AWSCLI(credentials: Self.credentials, region: "us-east-1"))"
        #expect(!text.contains("AKIAUNITTESTKEY00001"))
        #expect(!text.contains("unit/secret+key"))
        #expect(!text.contains("unit-session-token"))
    }
}
