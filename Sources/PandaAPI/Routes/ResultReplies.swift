import HTTPServer
import Panda
import Synchronization

/// Answers of `GET …/result`. A finished deployment never changes, so its answer is
/// rendered once and kept, prepared for the server to send as is; a deployment still
/// queued or running is rendered on each request.
final class ResultReplies: Sendable {
    private struct Kept {
        /// Weak: the result store decides how long a deployment lives, not this cache.
        weak var deployment: Deployment?
        let reply: PreparedResponse
    }

    private let kept = Mutex<[String: Kept]>([:])
    /// Past this many, answers of deployments that are gone are dropped.
    private let limit: Int

    init(keeping capacity: Int) {
        limit = max(16, 2 * capacity)
    }

    func reply(for deployment: Deployment) -> Reply {
        if let found = kept.withLock({ $0[deployment.id] }), found.deployment === deployment {
            return .prepared(found.reply)
        }
        guard let final = deployment.finalSnapshot() else {
            return .now(Self.render(deployment.snapshot()))
        }
        let prepared = PreparedResponse(Self.render(final))
        kept.withLock { kept in
            if kept.count >= limit {
                kept = kept.filter { $0.value.deployment != nil }
                if kept.count >= limit { kept.removeAll() }
            }
            kept[deployment.id] = Kept(deployment: deployment, reply: prepared)
        }
        return .prepared(prepared)
    }

    private static func render(_ snapshot: DeploymentSnapshot) -> Response {
        Envelope.response(snapshot.status.isTerminal ? 200 : 202, SuccessMessage.deploymentResult, DeploymentResultBody(snapshot))
    }
}
