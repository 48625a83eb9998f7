import Tools

extension DeploymentContext {
    /// STS GetCallerIdentity with the connection's credentials when the deployment starts:
    /// credentials that expired or were revoked since `connect/aws` fail the deployment at once
    /// (`AWS_CREDENTIALS_INVALID`), before anything is built. A passing fault (throttling, no
    /// answer) does not: the stages meet it again and say so.
    func verifyAWSCredentials() async throws {
        do {
            let identity = try await aws { $0.sts.getCallerIdentity(timeout: .seconds(configuration.aws.validationTimeoutSeconds)) }
            if let account = identity["Account"]?.stringValue, account != request.aws.accountId {
                throw StageFailure("AWS credentials now belong to account \(account), not \(request.aws.accountId); connect again",
                                   errorCode: .awsCredentialsInvalid)
            }
        } catch let failure as AWSCallFailure where !failure.isTransient {
            throw StageFailure("AWS credentials are no longer valid: \(failure.reason)", errorCode: .awsCredentialsInvalid)
        } catch let failure as AWSCallFailure {
            logger.warning("AWS credential check inconclusive", metadata: ["reason": "\(failure.reason)"])
        }
    }
}
