import Testing
import Tools

@Suite struct CommandTests {
    @Test func defaults() {
        let command = Command("git", arguments: ["status"])
        #expect(command.executable == "git")
        #expect(command.arguments == ["status"])
        #expect(command.environment == .safe)
        #expect(command.workingDirectory == nil)
        #expect(command.stdin == nil)
        #expect(command.timeout == Command.defaultTimeout)
        #expect(command.redactions.isEmpty)
    }

    @Test func secretsFromEnvironmentStdinAndRedactionsAreCollected() {
        let command = Command(
            "aws",
            environment: .safe.setting("AWS_SECRET_ACCESS_KEY", secret: Secret("key")).setting("AWS_REGION", "eu-west-1"),
            stdin: .secret(Secret("pw")),
            redactions: [Secret("token")]
        )
        #expect(Set(command.secrets.map { $0.reveal() }) == ["key", "pw", "token"])
        #expect(command.redacting(Secret("more")).secrets.count == 4)
    }

    @Test func safeEnvironmentInheritsOnlyTheAllowlist() {
        let parent = ["PATH": "/bin", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "leak", "PANDA_API_KEY": "leak"]
        let resolved = Command.Environment.safe.setting("FOO", "bar").resolved(inheriting: parent)
        #expect(resolved == ["PATH": "/bin", "HOME": "/root", "FOO": "bar"])
    }

    @Test func cleanEnvironmentHasOnlyExplicitVariables() {
        let parent = ["PATH": "/bin", "HOME": "/root"]
        let resolved = Command.Environment.clean(["A": "1"]).setting("B", secret: Secret("2")).resolved(inheriting: parent)
        #expect(resolved == ["A": "1", "B": "2"])
    }

    @Test func inheritAllExceptDropsPrefixedVariables() {
        let parent = ["PATH": "/bin", "AWS_ACCESS_KEY_ID": "x", "AWS_PROFILE": "y", "LANG": "C"]
        let resolved = Command.Environment.inheritingAll(except: ["AWS_"]).setting("AWS_REGION", "us-east-1")
            .resolved(inheriting: parent)
        #expect(resolved == ["PATH": "/bin", "LANG": "C", "AWS_REGION": "us-east-1"])
    }

    @Test func textInputIsUTF8Bytes() {
        #expect(Command.Input.text("hé") == .bytes([0x68, 0xC3, 0xA9]))
    }
}
