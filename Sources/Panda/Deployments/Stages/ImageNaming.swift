/// Names in docker and ECR derived from the repository (DESIGN.md "Naming in AWS").
public enum ImageNaming {
    /// Lowercased; characters outside `[a-z0-9._-]` become `-`.
    public static func sanitized(_ text: String) -> String {
        String(text.lowercased().map { character in
            character.isASCII && (character.isLetter || character.isNumber || ".-_".contains(character)) ? character : "-"
        })
    }

    /// The ECR repository: `{owner}-{repo}`.
    public static func repository(owner: String, repo: String) -> String {
        // ECR names must start with a letter or digit.
        trimmedStart(sanitized("\(owner)-\(repo)"))
    }

    /// The image tag: `{owner}-{repo}-{branch}-{epochSeconds}`, at most 128 characters
    /// (docker's limit), keeping the epoch that makes it unique.
    public static func tag(owner: String, repo: String, branch: String, epochSeconds: Int) -> String {
        let suffix = "-\(epochSeconds)"
        let stem = trimmedStart(sanitized("\(owner)-\(repo)-\(branch)"))
        return String(stem.prefix(128 - suffix.count)) + suffix
    }

    private static func trimmedStart(_ text: String) -> String {
        String(text.drop { $0 == "-" || $0 == "." || $0 == "_" })
    }
}
