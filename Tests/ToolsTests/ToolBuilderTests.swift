import Testing
import Tools

/// The exact argv of every git, docker and curl builder.
@Suite struct ToolBuilderTests {
    @Test func git() {
        let git = GitCLI(home: "/w")
        let clone = git.shallowClone(url: "https://github.com/octo/app.git", branch: "main", into: "/w/repo", token: Secret("ghp_x"), timeout: .seconds(60))
        #expect(clone.executable == "git")
        #expect(clone.arguments == [
            "clone", "--depth", "1", "--branch", "main", "--single-branch", "--no-tags", "--", "https://github.com/octo/app.git", "/w/repo",
        ])
        #expect(clone.timeout == .seconds(60))
        let environment = clone.environment.resolved(inheriting: [:])
        #expect(environment["GIT_CONFIG_COUNT"] == "1")
        #expect(environment["GIT_CONFIG_KEY_0"] == "credential.helper")
        #expect(environment["GIT_CONFIG_VALUE_0"] == GitCLI.credentialHelper)
        #expect(!GitCLI.credentialHelper.contains("ghp_x"))
        #expect(environment[GitCLI.tokenVariable] == "ghp_x")
        #expect(!clone.arguments.joined().contains("ghp_x"))
        #expect(git.headCommit(in: "/w/repo").arguments == ["-C", "/w/repo", "rev-parse", "HEAD"])
        #expect(git.headCommit(in: "/w/repo").environment.resolved(inheriting: [:])[GitCLI.tokenVariable] == nil)
    }

    @Test func docker() {
        let docker = DockerCLI(configDirectory: "/w/docker-config")
        #expect(docker.build(dockerfile: "/w/repo/Dockerfile", tag: "app:1", context: "/w/repo", platform: "linux/arm64",
                             labels: ["dev.panda.repository": "app", "a": "b"], timeout: .seconds(600)).arguments == [
            "build", "--force-rm", "--platform", "linux/arm64", "-f", "/w/repo/Dockerfile", "-t", "app:1",
            "--label", "a=b", "--label", "dev.panda.repository=app", "--", "/w/repo",
        ])
        #expect(docker.build(dockerfile: "D", tag: "t", context: "c", timeout: .seconds(1)).arguments
            == ["build", "--force-rm", "-f", "D", "-t", "t", "--", "c"])
        #expect(docker.tag("app:1", "reg/app:1").arguments == ["tag", "app:1", "reg/app:1"])
        let login = docker.login(registry: "reg:5000", username: "AWS", password: Secret("pw"))
        #expect(login.arguments == ["login", "--username", "AWS", "--password-stdin", "reg:5000"])
        #expect(login.stdin == .secret(Secret("pw")))
        #expect(login.environment.resolved(inheriting: [:])["DOCKER_CONFIG"] == "/w/docker-config")
        #expect(docker.push("reg/app:1", timeout: .seconds(5)).arguments == ["push", "reg/app:1"])
        #expect(docker.listImages(label: "k=v").arguments
            == ["image", "ls", "--filter", "label=k=v", "--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.CreatedAt}}"])
        #expect(docker.removeImages(["a", "b"]).arguments == ["image", "rm", "--force", "a", "b"])
        #expect(docker.imagePlatform("app:1").arguments == ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", "--", "app:1"])
    }

    @Test func curl() {
        let probe = CurlCLI(connectTo: [":80:127.0.0.1:9999", ":8080:127.0.0.1:9999"]).probe("http://alb.example/health", timeout: .seconds(5))
        #expect(probe.executable == "curl")
        #expect(probe.arguments == [
            "--silent", "--show-error", "--output", "/dev/null", "--write-out", "%{http_code} %{time_total}",
            "--max-time", "5", "--connect-timeout", "5", "--noproxy", "*",
            "--connect-to", ":80:127.0.0.1:9999", "--connect-to", ":8080:127.0.0.1:9999", "--", "http://alb.example/health",
        ])
        #expect(probe.timeout == .seconds(7))
    }
}
