/// Names in docker and ECR derived from the repository (DESIGN.md "Naming in AWS").
public enum ImageNaming {
    /// Lowercased; characters outside `[a-z0-9._-]` become `-`.
    public static func sanitized(_ text: String) -> String {
        String(text.lowercased().map { character in
            character.isASCII && (character.isLetter || character.isNumber || ".-_".contains(character)) ? character : "-"
        })
    }

    /// The ECR repository and local image name: `{owner}-{repo}`, with the hash of
    /// ``AWSNames`` where the readable form could be another repository's.
    public static func repository(owner: String, repo: String) -> String {
        AWSNames(owner: owner, repo: repo).application
    }

    /// The image tag: `{repository}-{branch}-{epochSeconds}`, at most 128 characters
    /// (docker's limit), keeping the epoch that makes it unique.
    public static func tag(owner: String, repo: String, branch: String, epochSeconds: Int) -> String {
        tag(repository: repository(owner: owner, repo: repo), branch: branch, epochSeconds: epochSeconds)
    }

    static func tag(repository: String, branch: String, epochSeconds: Int) -> String {
        let suffix = "-\(epochSeconds)"
        let stem = "\(repository)-\(sanitized(branch))"
        return String(stem.prefix(128 - suffix.count)) + suffix
    }
}
