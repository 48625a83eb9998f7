import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port that accepts connections (through the kernel's backlog) but never
/// reads or answers: clients connect, send, and wait until their own timeout.
public final class BlackholeListener: Sendable {
    public let port: UInt16
    private let descriptor: Int32

    public var url: String { "http://127.0.0.1:\(port)" }

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFixtureError("blackhole: socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            close(descriptor)
            throw TestFixtureError("blackhole: bind/listen failed")
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &actualLength) }
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: actual.sin_port)
    }

    deinit {
        close(descriptor)
    }
}
