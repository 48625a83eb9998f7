import Foundation

/// Finds the Dockerfile to build: `Dockerfile` at the root first, else the shallowest
/// one (ties broken by path order). Symlinks are never followed out of the checkout:
/// linked directories are not entered and a linked Dockerfile counts only when it
/// resolves inside the checkout.
public enum DockerfileLocator {
    public static let fileName = "Dockerfile"

    /// The Dockerfile's path relative to `root`, or `nil` when there is none.
    public static func locate(in root: String) -> String? {
        let rootURL = URL(fileURLWithPath: root).resolvingSymlinksInPath()
        var level = [""]
        while !level.isEmpty {
            var next: [String] = []
            for directory in level {
                let entries = ((try? FileManager.default.contentsOfDirectory(atPath: join(rootURL.path, directory))) ?? []).sorted()
                if entries.contains(fileName), isAcceptable(join(directory, fileName), root: rootURL) {
                    return join(directory, fileName)
                }
                for entry in entries where entry != ".git" {
                    let relative = join(directory, entry)
                    if kind(of: join(rootURL.path, relative)) == .directory { next.append(relative) }
                }
            }
            level = next.sorted()
        }
        return nil
    }

    /// The first port a Dockerfile `EXPOSE`s (`EXPOSE 8080/tcp` → 8080), if any.
    public static func exposedPort(inDockerfile text: String) -> Int? {
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: \.isWhitespace)
            guard words.first?.uppercased() == "EXPOSE", words.count > 1 else { continue }
            let port = words[1].split(separator: "/").first.flatMap { Int($0) }
            if let port, (1...65535).contains(port) { return port }
        }
        return nil
    }

    private enum Kind { case file, directory, symlink, other }

    private static func kind(of path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .other }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    private static func isAcceptable(_ relative: String, root: URL) -> Bool {
        let path = join(root.path, relative)
        switch kind(of: path) {
        case .file:
            return true
        case .symlink:
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            return target.hasPrefix(root.path + "/") && kind(of: target) == .file
        default:
            return false
        }
    }

    private static func join(_ base: String, _ component: String) -> String {
        base.isEmpty ? component : "\(base)/\(component)"
    }
}
