import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately plain HTTP/1.1 client on a POSIX socket, so tests control exactly
/// what goes over one connection (keep-alive, half-written bodies, streams).
public final class RawHTTPClient: @unchecked Sendable {
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Failure: Error { case connect(Int32), closed, timeout, malformed(String) }

    public let descriptor: Int32
    private var buffer: [UInt8] = []

    /// - Parameter sourceAddress: a local address to connect from (e.g. `127.0.0.2`, which
    ///   the server sees as another client than `127.0.0.1`).
    public init(port: UInt16, receiveTimeout: Duration = .seconds(30), sourceAddress: String? = nil,
                connectAddress: String = "127.0.0.1") throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let sourceAddress {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(sourceAddress)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                let code = errno
                close(descriptor)
                throw Failure.connect(code)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(connectAddress)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw Failure.connect(code)
        }
        setReceiveTimeout(receiveTimeout)
    }

    deinit { close(descriptor) }

    public func setReceiveTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

    public func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure.closed }
            offset += written
        }
    }

    public func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> Reply {
        try sendRequest(method, path, headers: headers, body: body)
        return try readReply()
    }

    public func sendRequest(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(bytes: Array(head.utf8) + body)
    }

    /// Reads status line and headers; the body follows per Content-Length or chunked framing.
    public func readReply() throws -> Reply {
        let (status, headers) = try readHead()
        if let length = headers["content-length"].flatMap(Int.init) {
            return Reply(status: status, headers: headers, body: try readExactly(length))
        }
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try readChunk() { body += chunk }
            return Reply(status: status, headers: headers, body: body)
        }
        return Reply(status: status, headers: headers, body: [])
    }

    public func readHead() throws -> (Int, [String: String]) {
        let head = try readUntil(Array("\r\n\r\n".utf8))
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.malformed(lines[0]) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// One chunk of a chunked body, `nil` at its end.
    public func readChunk() throws -> [UInt8]? {
        let sizeLine = String(decoding: try readUntil(Array("\r\n".utf8)), as: UTF8.self)
        guard let size = Int(sizeLine.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) else {
            throw Failure.malformed(sizeLine)
        }
        if size == 0 {
            _ = try readUntil(Array("\r\n".utf8))
            return nil
        }
        let data = try readExactly(size)
        _ = try readExactly(2)
        return data
    }

    /// Reads stream chunks until `text` has arrived, appending what it reads to `collected`.
    public func readStream(until text: String, collected: inout String) throws {
        while !collected.contains(text) {
            guard let chunk = try readChunk() else { throw Failure.closed }
            collected += String(decoding: chunk, as: UTF8.self)
        }
    }

    /// Reads stream chunks until the stream's end; returns what arrived.
    public func readStreamToEnd() throws -> String {
        var collected = ""
        while let chunk = try readChunk() { collected += String(decoding: chunk, as: UTF8.self) }
        return collected
    }

    public func readUntil(_ delimiter: [UInt8]) throws -> [UInt8] {
        while true {
            if let range = find(delimiter) {
                let result = Array(buffer[..<range.lowerBound])
                buffer.removeFirst(range.upperBound)
                return result
            }
            try fill()
        }
    }

    public func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        let result = Array(buffer[..<count])
        buffer.removeFirst(count)
        return result
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = recv(descriptor, &chunk, chunk.count, 0)
        if count == 0 { throw Failure.closed }
        if count < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? Failure.timeout : Failure.closed }
        buffer += chunk[..<count]
    }

    private func find(_ delimiter: [UInt8]) -> Range<Int>? {
        guard buffer.count >= delimiter.count else { return nil }
        for start in 0...(buffer.count - delimiter.count) where buffer[start] == delimiter[0] {
            if Array(buffer[start..<start + delimiter.count]) == delimiter { return start..<start + delimiter.count }
        }
        return nil
    }
}
