/// Confirms that a branch exists in a connected repository before a deployment of it is
/// queued (the connection itself was validated for one branch only).
public protocol BranchVerifier: Sendable {
    func verifyBranch(_ branch: String, of connection: GitHubConnection) async throws
}
