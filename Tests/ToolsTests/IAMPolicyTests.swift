import Foundation
import Testing
import Tools

/// The IAM policy the README tells users to attach covers every aws operation Panda's
/// builders can produce, and asks for nothing else.
@Suite struct IAMPolicyTests {
    static var policyURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // ToolsTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // checkout
            .appendingPathComponent("config/aws/iam-policy.json")
    }

    static func allowedActions() throws -> Set<String> {
        let policy = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: policyURL)) as? [String: Any])
        #expect(policy["Version"] as? String == "2012-10-17")
        let statements = try #require(policy["Statement"] as? [[String: Any]])
        var actions: Set<String> = []
        for statement in statements {
            #expect(statement["Effect"] as? String == "Allow")
            if let action = statement["Action"] as? String { actions.insert(action) }
            if let list = statement["Action"] as? [String] { actions.formUnion(list) }
        }
        return actions
    }

    @Test func coversEveryOperationTheBuildersProduce() throws {
        let allowed = try Self.allowedActions()
        #expect(!AWSOperations.all.isEmpty)
        for operation in AWSOperations.all {
            for action in operation.iamActions {
                #expect(allowed.contains(action), "\(operation.command) needs \(action), missing from config/aws/iam-policy.json")
            }
        }
    }

    @Test func asksForNothingPandaDoesNotUse() throws {
        let needed = Set(AWSOperations.all.flatMap(\.iamActions))
        for action in try Self.allowedActions() {
            #expect(needed.contains(action), "\(action) is in the policy but no builder needs it")
        }
    }
}
