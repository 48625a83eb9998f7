import Foundation
import Tools

/// The bytes of one file in a fixture repository. A string literal is UTF-8 text.
public struct FileContents: Sendable, Hashable, ExpressibleByStringLiteral {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public var text: String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// What a fixture repository contains: files by relative path, symbolic links
/// (path → target) and which files are executable (committed as mode 100755).
public struct RepositoryTemplate: Sendable, Hashable {
    public var files: [String: FileContents]
    public var symlinks: [String: String]
    public var executableFiles: Set<String>

    public init(files: [String: FileContents] = [:], symlinks: [String: String] = [:], executableFiles: Set<String> = []) {
        self.files = files
        self.symlinks = symlinks
        self.executableFiles = executableFiles
    }

    /// Reads a folder on disk: regular files (executable bits kept) and symbolic links.
    public static func directory(_ folder: URL) throws -> RepositoryTemplate {
        var template = RepositoryTemplate()
        let manager = FileManager.default
        guard let paths = manager.subpaths(atPath: folder.path) else {
            throw TestFixtureError("no template folder at \(folder.path)")
        }
        for path in paths.sorted() {
            let full = folder.appendingPathComponent(path).path
            let attributes = try manager.attributesOfItem(atPath: full)
            switch attributes[.type] as? FileAttributeType {
            case .typeSymbolicLink?:
                template.symlinks[path] = try manager.destinationOfSymbolicLink(atPath: full)
            case .typeRegular?:
                template.files[path] = FileContents(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: full))))
                if let mode = attributes[.posixPermissions] as? Int, mode & 0o111 != 0 {
                    template.executableFiles.insert(path)
                }
            default:
                continue
            }
        }
        return template
    }
}

/// A second version of a branch: files written (created or replaced), paths deleted.
public struct RepositoryChange: Sendable, Hashable {
    public var files: [String: FileContents]
    public var deletions: Set<String>
    public var symlinks: [String: String]
    public var executableFiles: Set<String>
    public var message: String

    public init(
        files: [String: FileContents] = [:],
        deletions: Set<String> = [],
        symlinks: [String: String] = [:],
        executableFiles: Set<String> = [],
        message: String = "Update"
    ) {
        self.files = files
        self.deletions = deletions
        self.symlinks = symlinks
        self.executableFiles = executableFiles
        self.message = message
    }
}

/// Serialises changes to the fixture's repositories (one at a time, first come first served).
actor RepositoryWriter {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func perform<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

extension GitFixture {
    /// The fixed author and committer of every fixture commit (so commit ids are stable).
    public static let author = (name: "Panda Fixture", email: "fixture@panda.test", date: "2024-01-01T00:00:00+00:00")

    /// The bare repository behind `/OWNER/REPO.git`.
    public func repositoryPath(owner: String, repo: String) -> URL {
        root.appendingPathComponent(owner).appendingPathComponent("\(repo).git")
    }

    /// Creates `OWNER/REPO` with one commit on `branch` (which becomes the default
    /// branch) and returns the commit id. Paths may contain folders.
    @discardableResult
    public func makeRepository(
        owner: String,
        repo: String,
        branch: String = "main",
        files: [String: FileContents],
        symlinks: [String: String] = [:],
        executableFiles: Set<String> = [],
        message: String = "Initial commit"
    ) async throws -> String {
        try await makeRepository(
            owner: owner, repo: repo, branch: branch,
            template: RepositoryTemplate(files: files, symlinks: symlinks, executableFiles: executableFiles),
            message: message)
    }

    /// Creates `OWNER/REPO` from a template (see ``SampleApp``); returns the commit id.
    @discardableResult
    public func makeRepository(
        owner: String,
        repo: String,
        branch: String = "main",
        template: RepositoryTemplate,
        message: String = "Initial commit"
    ) async throws -> String {
        guard Self.isValidName(owner), Self.isValidName(repo) else {
            throw TestFixtureError("GitFixture: invalid repository name \(owner)/\(repo)")
        }
        return try await writer.perform {
            let work = self.workTree(owner: owner, repo: repo)
            let bare = self.repositoryPath(owner: owner, repo: repo)
            guard !FileManager.default.fileExists(atPath: bare.path) else {
                throw TestFixtureError("GitFixture: \(owner)/\(repo) exists already")
            }
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
            try await self.git(["init", "-q", "--bare", bare.path])
            try await self.git(["symbolic-ref", "HEAD", "refs/heads/\(branch)"], in: bare)
            try await self.git(["init", "-q", work.path])
            try await self.git(["checkout", "-q", "-b", branch], in: work)
            try Self.apply(RepositoryChange(
                files: template.files, symlinks: template.symlinks, executableFiles: template.executableFiles), to: work)
            return try await self.commitAndPush(branch: branch, message: message, in: work, to: bare)
        }
    }

    /// Commits `change` on `branch` and pushes it; a branch that does not exist yet
    /// starts from `base` (default: the repository's default branch). Returns the commit id.
    @discardableResult
    public func commit(
        owner: String,
        repo: String,
        branch: String = "main",
        from base: String? = nil,
        change: RepositoryChange
    ) async throws -> String {
        try await writer.perform {
            let work = self.workTree(owner: owner, repo: repo)
            let bare = self.repositoryPath(owner: owner, repo: repo)
            guard FileManager.default.fileExists(atPath: work.path) else {
                throw TestFixtureError("GitFixture: no repository \(owner)/\(repo)")
            }
            try await self.switchBranch(branch, from: base, in: work, bare: bare)
            try Self.apply(change, to: work)
            return try await self.commitAndPush(branch: branch, message: change.message, in: work, to: bare)
        }
    }

    /// Creates `name` (e.g. `feature/x`) at the tip of `base` without a new commit; returns its commit id.
    @discardableResult
    public func createBranch(owner: String, repo: String, name: String, from base: String? = nil) async throws -> String {
        try await writer.perform {
            let work = self.workTree(owner: owner, repo: repo)
            let bare = self.repositoryPath(owner: owner, repo: repo)
            try await self.switchBranch(name, from: base, in: work, bare: bare)
            try await self.git(["push", "-q", bare.path, "HEAD:refs/heads/\(name)"], in: work)
            return try await self.git(["rev-parse", "HEAD"], in: work)
        }
    }

    /// The commit id at the tip of `branch`, or nil when there is no such branch or repository.
    public func headCommit(owner: String, repo: String, branch: String) async -> String? {
        let bare = repositoryPath(owner: owner, repo: repo)
        return try? await git(["rev-parse", "--verify", "-q", "refs/heads/\(branch)"], in: bare)
    }

    /// Branch names of `OWNER/REPO`.
    public func branches(owner: String, repo: String) async throws -> [String] {
        let bare = repositoryPath(owner: owner, repo: repo)
        let output = try await git(["for-each-ref", "--format=%(refname:short)", "refs/heads"], in: bare)
        return output.split(separator: "\n").map(String.init)
    }

    /// Removes `OWNER/REPO`; later requests for it are 404.
    public func deleteRepository(owner: String, repo: String) async {
        _ = try? await writer.perform {
            try? FileManager.default.removeItem(at: self.repositoryPath(owner: owner, repo: repo))
            try? FileManager.default.removeItem(at: self.workTree(owner: owner, repo: repo))
        }
    }

    // MARK: Plumbing

    func workTree(owner: String, repo: String) -> URL {
        workRoot.appendingPathComponent(owner).appendingPathComponent(repo)
    }

    private func switchBranch(_ branch: String, from base: String?, in work: URL, bare: URL) async throws {
        let exists = (try? await git(["rev-parse", "--verify", "-q", "refs/heads/\(branch)"], in: work)) != nil
        if exists {
            try await git(["checkout", "-q", branch], in: work)
        } else {
            let start: String
            if let base {
                start = base
            } else {
                let head = try await git(["symbolic-ref", "--short", "HEAD"], in: bare)
                start = head
            }
            try await git(["checkout", "-q", "-b", branch, start], in: work)
        }
    }

    private func commitAndPush(branch: String, message: String, in work: URL, to bare: URL) async throws -> String {
        try await git(["add", "-A", "-f", "."], in: work)
        try await git(["commit", "-q", "--allow-empty", "-m", message], in: work)
        try await git(["push", "-q", bare.path, "HEAD:refs/heads/\(branch)"], in: work)
        return try await git(["rev-parse", "HEAD"], in: work)
    }

    static func apply(_ change: RepositoryChange, to work: URL) throws {
        let manager = FileManager.default
        for path in change.deletions {
            try? manager.removeItem(at: work.appendingPathComponent(path))
        }
        for (path, contents) in change.files {
            let url = work.appendingPathComponent(path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: url)
            try Data(contents.bytes).write(to: url)
            let mode = change.executableFiles.contains(path) ? 0o755 : 0o644
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }
        for (path, target) in change.symlinks {
            let url = work.appendingPathComponent(path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: url)
            try manager.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
    }

    /// Runs git with the fixed author and no global or system configuration; returns trimmed stdout.
    @discardableResult
    func git(_ arguments: [String], in directory: URL? = nil) async throws -> String {
        var variables = Self.gitEnvironment(home: self.directory.appending("home"))
        variables["GIT_AUTHOR_NAME"] = Self.author.name
        variables["GIT_AUTHOR_EMAIL"] = Self.author.email
        variables["GIT_AUTHOR_DATE"] = Self.author.date
        variables["GIT_COMMITTER_NAME"] = Self.author.name
        variables["GIT_COMMITTER_EMAIL"] = Self.author.email
        variables["GIT_COMMITTER_DATE"] = Self.author.date
        let command = Command(
            "git",
            arguments: arguments,
            environment: .clean(variables),
            workingDirectory: directory?.path,
            timeout: .seconds(60)
        )
        let result = try await TestProcess.runner.run(command)
        guard result.succeeded else {
            throw TestFixtureError("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderrTail())")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
