/// One holder at a time per application (repository, account and region): deployments of
/// the same application never interleave their ECS stages; the later one waits its turn.
actor ApplicationLocks {
    private var holders: [String: String] = [:]
    private var waiters: [String: [(deploymentID: String, continuation: CheckedContinuation<Void, Never>)]] = [:]

    /// Who holds `key` now, if anyone.
    func holder(of key: String) -> String? { holders[key] }

    /// Waits until `key` is free, then holds it for `deploymentID`. Cancellation while
    /// waiting gives up the place in line.
    func acquire(_ key: String, for deploymentID: String) async throws {
        if holders[key] == nil {
            holders[key] = deploymentID
            return
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[key, default: []].append((deploymentID, continuation))
            }
        } onCancel: {
            Task { await self.abandon(key, deploymentID) }
        }
        if Task.isCancelled {
            if holders[key] == deploymentID { release(key, by: deploymentID) }
            throw CancellationError()
        }
    }

    func release(_ key: String, by deploymentID: String) {
        guard holders[key] == deploymentID else {
            abandon(key, deploymentID)
            return
        }
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            holders[key] = next.deploymentID
            next.continuation.resume()
        } else {
            holders[key] = nil
        }
    }

    private func abandon(_ key: String, _ deploymentID: String) {
        guard let index = waiters[key]?.firstIndex(where: { $0.deploymentID == deploymentID }) else { return }
        let waiter = waiters[key]!.remove(at: index)
        if waiters[key]!.isEmpty { waiters[key] = nil }
        // Resumed without the lock; acquire() notices the cancellation and throws.
        waiter.continuation.resume()
    }
}

extension DeploymentRequest {
    /// One application: the repository's identity (as in its AWS names) in one account and region.
    public var applicationKey: String {
        "\(aws.accountId)/\(aws.region)/\(AWSNames(owner: owner, repo: repo).identity)"
    }
}

extension DeploymentContext {
    /// Holds the application's lock until this deployment ends, publishing `waitingMessage(holder)`
    /// when another deployment of the application holds it first.
    func holdApplicationLock(waitingMessage: (String) -> String) async throws {
        let key = request.applicationKey
        if let holder = await applicationLocks.holder(of: key) {
            publish(waitingMessage(holder), details: ["waitingFor": .string(holder)])
        }
        try await applicationLocks.acquire(key, for: id)
        onFinish { await self.applicationLocks.release(key, by: self.id) }
    }
}
