import Foundation
@testable import HTTPServer
@testable import Panda
@testable import PandaAPI

/// `POST /api/v1/connect/github`, `/connect/aws` and `/deploy` bodies: decoding, field
/// rules and the error answers they produce.
enum JSONBodyTarget {
    static func check(_ input: [UInt8]) -> String? {
        let request = Request(method: "POST", path: "/api/v1/deploy", headers: ["Content-Type": "application/json"], body: input)
        for parse in [parseDeploy, parseGitHub, parseAWS] {
            do {
                if let problem = try parse(request) { return problem }
            } catch {
                let response = ErrorResponses.response(for: error, logger: fuzzLogger)
                if let problem = checkErrorResponse(response, allowed: [400, 415]) { return problem }
            }
        }
        return nil
    }

    /// What `DeploymentService.start` checks before any lookup; accepted names must be safe.
    static func parseDeploy(_ request: Request) throws -> String? {
        let body = try DeployRequest(JSONRequestBody(request))
        try ConnectionInputRules.checkOwner(body.owner)
        try ConnectionInputRules.checkRepo(body.repo)
        try ConnectionInputRules.checkBranch(body.branch)
        return branchProblem(body.branch) ?? nameProblem(body.owner) ?? nameProblem(body.repo)
    }

    static func parseGitHub(_ request: Request) throws -> String? {
        let body = try GitHubConnectRequest(JSONRequestBody(request))
        try ConnectionInputRules.checkOwner(body.owner)
        try ConnectionInputRules.checkRepo(body.repo)
        try ConnectionInputRules.checkBranch(body.branch)
        try ConnectionInputRules.checkSecret(body.token, field: "token")
        if body.token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) { return "token with whitespace or control accepted" }
        // The branch becomes a URL path segment for GitHub: encoded, it must not split.
        let segment = GitHubAPIClient.encodePathSegment(body.branch)
        if segment.contains("/") || segment.contains("?") || segment.contains("#") { return "branch escapes its path segment: \(segment)" }
        return branchProblem(body.branch)
    }

    static func parseAWS(_ request: Request) throws -> String? {
        let body = try AWSConnectRequest(JSONRequestBody(request))
        try ConnectionInputRules.checkRegion(body.region)
        try ConnectionInputRules.checkSecret(body.accessKeyId, field: "accessKeyId")
        if !body.region.utf8.allSatisfy({ ConnectionInputRules.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) {
            return "region \(body.region.debugDescription) accepted"
        }
        return nil
    }

    /// An independent statement of the rules the issue names: what reaches git must satisfy them.
    static func branchProblem(_ branch: String) -> String? {
        let bytes = Array(branch.utf8)
        if bytes.isEmpty || bytes.count > 255 { return "branch of \(bytes.count) bytes accepted" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "branch with a control character accepted" }
        if bytes.first == UInt8(ascii: "-") { return "branch starting with '-' accepted" }
        if branch.contains("..") || branch.contains("@{") { return "branch with '..' or '@{' accepted: \(branch.debugDescription)" }
        return nil
    }

    static func nameProblem(_ name: String) -> String? {
        name.utf8.allSatisfy { ConnectionInputRules.isAlphanumeric($0) || "-._".utf8.contains($0) } && !name.hasPrefix("-")
            ? nil : "name \(name.debugDescription) accepted"
    }
}
