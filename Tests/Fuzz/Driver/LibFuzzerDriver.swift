// libFuzzer's entry point for the Panda fuzz targets; built and run by scripts/fuzz.sh
// (`swiftc -sanitize=fuzzer`), which picks the target with PANDA_FUZZ_TARGET.
import Foundation
import PandaFuzzing

private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["PANDA_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("PANDA_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    if let problem = target.check(input) {
        // A crash is what libFuzzer records (with the input saved as an artifact).
        fatalError("\(target.rawValue): property broken: \(problem)")
    }
    return 0
}
