/// Replaces every registered secret with `***`.
struct Redactor: Sendable {
    static let mask: [UInt8] = Array("***".utf8)

    /// Longest first, so a secret containing another one is masked whole.
    private let secrets: [[UInt8]]

    init(_ secrets: [Secret]) {
        let unique = Set(secrets.filter { !$0.isEmpty }.map { Array($0.reveal().utf8) })
        self.secrets = unique.sorted { $0.count > $1.count }
    }

    var longestSecret: Int {
        secrets.first?.count ?? 0
    }

    func redact(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for secret in secrets where result.count >= secret.count {
            result = result.replacing(secret, with: Self.mask)
        }
        return result
    }

    func redact(_ text: String) -> String {
        secrets.isEmpty ? text : String(decoding: redact(Array(text.utf8)), as: UTF8.self)
    }
}

/// Cuts one output stream into whole lines and redacts each line, so a secret
/// split across read chunks is still masked.
struct LineAssembler {
    let redactor: Redactor
    /// A line longer than this (progress bars, minified JSON) is emitted in pieces.
    let maxLineLength: Int
    private var pending: [UInt8] = []

    init(redactor: Redactor, maxLineLength: Int = 16 * 1024) {
        self.redactor = redactor
        self.maxLineLength = max(maxLineLength, redactor.longestSecret * 2)
    }

    /// Complete, redacted lines (each with its `\n`) found so far.
    mutating func feed(_ chunk: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            pending += chunk[start...newline]
            lines.append(redactor.redact(pending))
            pending.removeAll(keepingCapacity: true)
            start = newline + 1
        }
        pending += chunk[start...]
        if pending.count > maxLineLength {
            lines.append(cutOverlongLine())
        }
        return lines
    }

    /// The unterminated last line, if any.
    mutating func finish() -> [[UInt8]] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [redactor.redact(pending)]
    }

    /// Emits the front of an overlong pending line. Keeping the last
    /// `longestSecret - 1` bytes back is enough: after redaction, a secret that
    /// starts before the cut lies wholly inside `pending` and is already masked.
    private mutating func cutOverlongLine() -> [UInt8] {
        let redacted = redactor.redact(pending)
        var cut = redacted.count - max(0, redactor.longestSecret - 1)
        while cut > 0 && cut < redacted.count && redacted[cut] & 0xC0 == 0x80 {
            cut -= 1  // do not split a UTF-8 sequence
        }
        pending = Array(redacted[cut...])
        return Array(redacted[..<cut])
    }
}

/// The last `limit` bytes of a stream.
struct TailBuffer {
    let limit: Int
    private var dropped = false
    private var bytes: [UInt8] = []

    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    mutating func append(_ line: [UInt8]) {
        bytes += line
        // Trim in batches so appending stays amortised O(1).
        if bytes.count > limit * 2 {
            trim()
        }
    }

    var truncated: Bool {
        dropped || bytes.count > limit
    }

    var text: String {
        var copy = self
        copy.trim()
        return String(decoding: copy.bytes, as: UTF8.self)
    }

    private mutating func trim() {
        guard bytes.count > limit else { return }
        var drop = bytes.count - limit
        while drop < bytes.count && bytes[drop] & 0xC0 == 0x80 {
            drop += 1  // start on a UTF-8 boundary
        }
        bytes.removeFirst(drop)
        dropped = true
    }
}
