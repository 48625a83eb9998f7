import Testing
@testable import Panda

@Suite struct ConnectionInputRulesTests {
    @Test(arguments: [
        "main", "feature/login", "release-1.2", "a", "v1.0.0", "user/feature/deep", "fix_underscore", "한글-브랜치",
        "HEAD", "a.b", "a@b", "x.lock.y", "@@", String(repeating: "a", count: 255),
        // Valid for git too: harmless because a branch never reaches a shell or a command line.
        "$(reboot)", "`id`", "a|b", "a;b",
    ])
    func validBranchNames(_ name: String) {
        #expect(BranchName.problem(name) == nil, "\(name)")
    }

    @Test(arguments: [
        "", "@", "-main", "/main", "main/", "main.", "a..b", "..", "a@{1}", "a//b", "a b", "a\tb", "a\nb", "a\u{7F}b",
        "a~1", "a^", "a:b", "a?", "a*", "a[0]", "a\\b", ".hidden", "a/.hidden", "main.lock", "a.lock/b", "refs/heads/.x",
        String(repeating: "a", count: 256), "a;rm -rf /",
    ])
    func invalidBranchNames(_ name: String) throws {
        #expect(BranchName.problem(name) != nil, "\(name)")
        let error = try #require(throws: InvalidRequest.self) { try ConnectionInputRules.checkBranch(name) }
        #expect(error.message.hasPrefix("Invalid field 'branch': "))
    }

    @Test func branchNamesAreCountedInBytes() {
        // 85 three-byte characters = 255 bytes: fine; one more is too long.
        #expect(BranchName.isValid(String(repeating: "한", count: 85)))
        #expect(!BranchName.isValid(String(repeating: "한", count: 86)))
    }

    @Test(arguments: ["octocat", "a", "my-org", "A1-b2-C3", String(repeating: "a", count: 39)])
    func validOwners(_ owner: String) throws {
        try ConnectionInputRules.checkOwner(owner)
    }

    @Test(arguments: ["", "-octo", "octo-", "oc--to", "oc_to", "oc.to", "oc/to", "../x", "a b", "a\n",
                      String(repeating: "a", count: 40), "$(id)", "한글"])
    func invalidOwners(_ owner: String) {
        #expect(throws: InvalidRequest.self) { try ConnectionInputRules.checkOwner(owner) }
    }

    @Test(arguments: ["hello-world", "a", ".github", "repo.js", "under_score", "x..y", String(repeating: "r", count: 100)])
    func validRepos(_ repo: String) throws {
        try ConnectionInputRules.checkRepo(repo)
    }

    @Test(arguments: [".", "..", "", "a/b", "a b", "a%2e", "../etc", "a;b", String(repeating: "r", count: 101), "리포"])
    func invalidRepos(_ repo: String) {
        #expect(throws: InvalidRequest.self) { try ConnectionInputRules.checkRepo(repo) }
    }

    @Test(arguments: ["ap-northeast-2", "us-gov-west-1", "cn-north-1", "eu-central-2", "us-east-1", "il-central-1", "us-isob-east-1"])
    func validRegions(_ region: String) throws {
        try ConnectionInputRules.checkRegion(region)
    }

    @Test(arguments: ["", "us-east", "US-EAST-1", "us-east-1a", "useast1", "us_east_1", "-us-east-1", "us--east-1",
                      "us-east-1; rm -rf /", "us-east-1\n", "x-east-1", "us-east-123"])
    func invalidRegions(_ region: String) {
        #expect(throws: InvalidRequest.self) { try ConnectionInputRules.checkRegion(region) }
    }

    @Test func secretsMustBePlainTokensAndAreNeverEchoed() throws {
        try ConnectionInputRules.checkSecret("ghp_abc123/+=", field: "token")
        for bad in ["", "a b", "a\tb", "tok\n", "\u{0}x", "a\u{2003}b"] {
            let error = try #require(throws: InvalidRequest.self) { try ConnectionInputRules.checkSecret(bad, field: "token") }
            #expect(error.message.hasPrefix("Invalid field 'token': "))
            if !bad.isEmpty { #expect(!error.message.contains(bad)) }
        }
    }
}
