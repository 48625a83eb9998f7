import Foundation
import PandaFuzzing
import Testing

/// The fuzz targets in CI without libFuzzer: every committed corpus input, then a bounded
/// number of inputs generated from them (mutations with a fixed seed, so a failure
/// reproduces). `scripts/fuzz.sh` runs the same targets under libFuzzer, coverage-guided.
@Suite struct FuzzCorpusTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")
    /// Generated inputs per target; `PANDA_FUZZ_ITERATIONS` raises it for a longer local run.
    static let iterations = ProcessInfo.processInfo.environment["PANDA_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 1000

    static func corpus(_ target: FuzzTarget) throws -> [[UInt8]] {
        let directory = corpusRoot.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyPropertyHoldsForTheCorpusAndGeneratedInputs(_ target: FuzzTarget) throws {
        let seeds = try Self.corpus(target)
        try #require(seeds.count >= 5, "the corpus of \(target.rawValue) is missing")
        var failures: [String] = []
        func run(_ input: [UInt8]) {
            if let problem = target.check(input), failures.count < 5 {
                failures.append("\(problem) — input (base64) \(Data(input).base64EncodedString())")
            }
        }
        for seed in seeds { run(seed) }
        var generator = InputGenerator(seed: 0x9A4D_A000 ^ UInt64(target.rawValue.utf8.count), corpus: seeds)
        for _ in 0..<Self.iterations { run(generator.next()) }
        #expect(failures.isEmpty, "\(target.rawValue): \(failures.joined(separator: "\n"))")
    }
}

/// Mutates corpus inputs the way fuzzers do: flips, inserts, deletes, repeats, splices, and
/// tokens that matter to the code under test.
struct InputGenerator {
    private var state: UInt64
    private let corpus: [[UInt8]]
    private static let tokens: [[UInt8]] = [
        "..", "@{", "%", "%2F", "%2e", "%00", "%ff", "%c3%28", "\\u0000", "\\ud800", "\\\"", "\"", "{", "}", "[", "]", ":", ",",
        "\r\n", "\r", "\n", "\n\n", "data: ", "id: ", "-", "/", "//", "?", "&", "=", "+", ".lock", "null", "true", "1e999",
        "\u{2028}", "é", "🐼", "\u{0}", "\u{1}", "\u{7F}", String(repeating: "a", count: 300),
        "\"branch\":\"", "\"owner\":\"", "\"repo\":\"", "\"token\":\"", "/api/v1/deploy/", "/events", "/swagger-ui/",
    ].map { Array($0.utf8) }

    init(seed: UInt64, corpus: [[UInt8]]) {
        state = seed
        self.corpus = corpus
    }

    /// SplitMix64.
    private mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random() % UInt64(bound)) }

    mutating func next() -> [UInt8] {
        var input = corpus[below(corpus.count)]
        for _ in 0...below(4) {
            let position = below(input.count + 1)
            switch below(7) {
            case 0 where !input.isEmpty:
                input[min(position, input.count - 1)] ^= UInt8(1 << below(8))
            case 1:
                input.insert(UInt8(truncatingIfNeeded: random()), at: position)
            case 2 where !input.isEmpty:
                let end = min(input.count, position + 1 + below(8))
                input.removeSubrange(min(position, input.count - 1)..<end)
            case 3:
                input.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: position)
            case 4 where !input.isEmpty:
                let start = min(position, input.count - 1)
                let slice = input[start..<min(input.count, start + 1 + below(16))]
                input.insert(contentsOf: Array(repeating: Array(slice), count: 1 + below(20)).joined(), at: start)
            case 5:
                let other = corpus[below(corpus.count)]
                let cut = below(other.count + 1)
                input = Array(input.prefix(position)) + Array(other.suffix(from: cut))
            default:
                input.replaceSubrange(min(position, input.count)..<min(input.count, position + 1), with: Self.tokens[below(Self.tokens.count)])
            }
        }
        return input
    }
}
