import Foundation

/// Every file under `directory` searched for each secret as raw bytes, base64 and hex.
public func secretLeaks(in directory: String, secrets: [String]) throws -> [String] {
    var found: [String] = []
    let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
    for file in files {
        guard let contents = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
        for secret in secrets {
            let bytes = Data(secret.utf8)
            let forms = [
                ("raw", bytes),
                ("base64", Data(bytes.base64EncodedString().utf8)),
                ("hex", Data(bytes.map { String(format: "%02x", $0) }.joined().utf8)),
                ("HEX", Data(bytes.map { String(format: "%02X", $0) }.joined().utf8)),
            ]
            for (form, needle) in forms where contents.range(of: needle) != nil {
                found.append("\(file): \(form) of a secret")
            }
        }
    }
    return found
}
