import Foundation

/// The application Panda deploys in tests: `demo/sample-app` (BusyBox httpd on port
/// 8080 in a `FROM scratch` image) plus Debian's static `/bin/busybox`, which is
/// never committed to this repository and is added here.
///
/// - `GET /health` → 200 `ok\n`
/// - `GET /` → HTML containing ``indexMarker(version:)`` (`Panda sample app v1`)
/// - `GET /version` → the version and a newline
public enum SampleApp {
    public static let containerPort: UInt16 = 8080
    public static let healthPath = "/health"
    public static let busyboxPath = "/bin/busybox"

    /// `demo/sample-app` in this checkout.
    public static var templateDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // checkout
            .appendingPathComponent("demo/sample-app")
    }

    /// The text `/` shows for `version`.
    public static func indexMarker(version: String) -> String {
        "Panda sample app \(version)"
    }

    /// Repository contents that build and serve the app, `/` showing `version`.
    public static func files(version: String = "v1") throws -> RepositoryTemplate {
        var template = try RepositoryTemplate.directory(templateDirectory)
        template.files["busybox.placeholder"] = nil
        template.executableFiles.remove("busybox.placeholder")
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw TestFixtureError("SampleApp: \(busyboxPath) missing (Debian package busybox-static)")
        }
        template.files["busybox"] = FileContents(bytes: Array(busybox))
        template.executableFiles.insert("busybox")
        if let index = template.files["www/index.html"] {
            template.files["www/index.html"] = FileContents(
                index.text.replacingOccurrences(of: indexMarker(version: "v1"), with: indexMarker(version: version)))
        }
        template.files["www/version"] = FileContents("\(version)\n")
        return template
    }

    /// Variants for the pipeline's failure paths.
    public enum Variant: String, Sendable, CaseIterable {
        /// The app as it is.
        case valid
        /// The Dockerfile does not parse (`unknown instruction`).
        case dockerfileSyntaxError
        /// The Dockerfile parses, but `COPY missing-file /x` fails the build.
        case failingBuildStep
        /// The whole app (Dockerfile and its context) is under `app/`; only a README at the top.
        case dockerfileInSubdirectory
        /// No Dockerfile anywhere.
        case noDockerfile
        /// Builds and runs, but `/health` is 404 (no `www/health`).
        case unhealthy
        /// A `RUN` step exits 3 (legacy builder: it runs in an intermediate container); the
        /// version text is in its command, so a test can find that container.
        case failingRunStep
    }

    /// The files of a variant of the app.
    public static func files(_ variant: Variant, version: String = "v1") throws -> RepositoryTemplate {
        var template = try files(version: version)
        switch variant {
        case .valid:
            break
        case .dockerfileSyntaxError:
            template.files["Dockerfile"] = """
                FROM scratch
                COPY busybox /bin/busybox
                THIS IS NOT A DOCKERFILE INSTRUCTION
                ENTRYPOINT ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]

                """
        case .failingBuildStep:
            let dockerfile = template.files["Dockerfile"]?.text ?? ""
            template.files["Dockerfile"] = FileContents(
                dockerfile.replacingOccurrences(of: "COPY www /www\n", with: "COPY www /www\nCOPY missing-file /x\n"))
        case .dockerfileInSubdirectory:
            var moved = RepositoryTemplate()
            for (path, contents) in template.files {
                moved.files["app/\(path)"] = contents
            }
            moved.executableFiles = Set(template.executableFiles.map { "app/\($0)" })
            moved.files["README.md"] = "The application lives in app/ (app/Dockerfile).\n"
            template = moved
        case .noDockerfile:
            template.files["Dockerfile"] = nil
        case .unhealthy:
            template.files["www/health"] = nil
        case .failingRunStep:
            let dockerfile = template.files["Dockerfile"]?.text ?? ""
            template.files["Dockerfile"] = FileContents(dockerfile.replacingOccurrences(
                of: "COPY www /www\n",
                with: "COPY www /www\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo failing-run-\(version); exit 3\"]\n"))
        }
        return template
    }
}
