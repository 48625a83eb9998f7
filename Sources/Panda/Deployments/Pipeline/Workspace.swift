import Foundation

/// A private (0700) scratch directory for one deployment, removed when it ends.
public struct Workspace: Sendable {
    public let path: String

    static func create(for deploymentID: String) throws -> Workspace {
        var template = Array((NSTemporaryDirectory() + "panda-\(deploymentID)-XXXXXX").utf8CString)
        // mkdtemp creates the directory with mode 0700.
        guard let created = mkdtemp(&template) else {
            throw StageFailure("Could not create a workspace: \(String(cString: strerror(errno)))", errorCode: .unexpectedError)
        }
        return Workspace(path: String(cString: created))
    }

    /// A path inside the workspace.
    public func path(_ component: String) -> String {
        (path as NSString).appendingPathComponent(component)
    }

    /// Removing a checkout walks its whole tree: done off the cooperative pool.
    func remove() async {
        let path = self.path
        await BlockingWork.run { try? FileManager.default.removeItem(atPath: path) }
    }
}
