import Foundation
import Tools

/// Connections to and from their stored form: plain details, secrets sealed.
extension ConnectionRecord {
    private struct GitHubDetails: Codable {
        let owner, repo, branch, fullName, defaultBranch, headCommitSHA: String
    }

    private struct AWSDetails: Codable {
        let region, accountId, callerARN: String
    }

    private struct GitHubSecrets: Codable {
        let token: String
    }

    private struct AWSSecrets: Codable {
        let accessKeyId, secretAccessKey: String
        let sessionToken: String?
    }

    init(_ connection: GitHubConnection, sealer: SecretSealer) throws(StorageError) {
        let details = GitHubDetails(owner: connection.owner, repo: connection.repo, branch: connection.branch,
                                    fullName: connection.fullName, defaultBranch: connection.defaultBranch,
                                    headCommitSHA: connection.headCommitSHA)
        let secrets = GitHubSecrets(token: connection.token.reveal())
        self.init(id: connection.id, kind: .github, createdAt: connection.createdAt, details: try Self.json(details),
                  sealedSecrets: try sealer.seal(try Self.json(secrets), for: connection.id))
    }

    init(_ connection: AWSConnection, sealer: SecretSealer) throws(StorageError) {
        let details = AWSDetails(region: connection.region, accountId: connection.accountId, callerARN: connection.callerARN)
        let credentials = connection.credentials
        let secrets = AWSSecrets(accessKeyId: credentials.accessKeyId.reveal(), secretAccessKey: credentials.secretAccessKey.reveal(),
                                 sessionToken: credentials.sessionToken?.reveal())
        self.init(id: connection.id, kind: .aws, createdAt: connection.createdAt, details: try Self.json(details),
                  sealedSecrets: try sealer.seal(try Self.json(secrets), for: connection.id))
    }

    /// The connection with its secrets opened; a key that does not open them is an error, never clear text.
    func connection(sealer: SecretSealer) throws -> ConnectionRegistry.Entry {
        let secrets = try sealer.open(sealedSecrets, for: id)
        switch kind {
        case .github:
            let details = try JSONDecoder().decode(GitHubDetails.self, from: self.details)
            let token = try JSONDecoder().decode(GitHubSecrets.self, from: secrets).token
            return .github(GitHubConnection(
                id: id, owner: details.owner, repo: details.repo, branch: details.branch, token: Secret(token),
                fullName: details.fullName, defaultBranch: details.defaultBranch, headCommitSHA: details.headCommitSHA,
                createdAt: createdAt))
        case .aws:
            let details = try JSONDecoder().decode(AWSDetails.self, from: self.details)
            let opened = try JSONDecoder().decode(AWSSecrets.self, from: secrets)
            let credentials = AWSCredentials(accessKeyId: Secret(opened.accessKeyId), secretAccessKey: Secret(opened.secretAccessKey),
                                             sessionToken: opened.sessionToken.map(Secret.init))
            return .aws(AWSConnection(id: id, region: details.region, credentials: credentials, accountId: details.accountId,
                                      callerARN: details.callerARN, createdAt: createdAt))
        }
    }

    private static func json(_ value: some Encodable) throws(StorageError) -> Data {
        do { return try JSONEncoder().encode(value) } catch { throw StorageError("cannot encode a connection") }
    }
}
