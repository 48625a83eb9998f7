/// Resource Groups Tagging API operations Panda runs: finding an application's resources by their tags.
public enum ResourceGroupsTaggingOperation: String, AWSOperation {
    case getResources = "get-resources"

    public static let service = "resourcegroupstaggingapi"
    public static let iamService = "tag"
}

/// `aws resourcegroupstaggingapi …` builders.
public struct ResourceGroupsTaggingCommands: Sendable {
    let cli: AWSCLI

    /// Every resource of the region carrying all of `tags` (key and value), with all its tags.
    /// The CLI follows the pages itself.
    public func getResources(taggedWith tags: AWSTags) -> Command {
        let filters = tags.sorted { $0.key < $1.key }.map { TagFilter(Key: $0.key, Values: [$0.value]) }
        return cli.command(ResourceGroupsTaggingOperation.getResources, ["--tag-filters", AWSArgument.json(filters)])
    }

    private struct TagFilter: Encodable {
        let Key: String
        let Values: [String]
    }
}

extension AWSCLI {
    public var tagging: ResourceGroupsTaggingCommands { ResourceGroupsTaggingCommands(cli: self) }
}
