// A server of HTTPServer's own, with no Panda in it, answering the same bytes as the
// C ceiling in bench/c-ceiling: benchmarks compare the two, and HTTP-layer tests use
// it where they need a separate process (signals, exit codes).
import Foundation
import HTTPServer

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}

let statusBody = Array(#"{"code":200,"message":"ok","data":{"service":"panda","status":"UP"}}"#.utf8)
let events = EventStreamGroup()

var router = Router()
router.get("/json") { _ in .now(.json(200, statusBody)) }
router.post("/json") { _ in .now(.json(200, statusBody)) }
router.get("/events") { _ in
    let stream = EventStream()
    stream.send(bytes: Array(": connected\nretry: 5000\n\n".utf8))
    events.add(stream)
    return .now(.eventStream(stream))
}
router.post("/broadcast") { request in
    events.broadcast(bytes: Array("data: ".utf8) + request.body + Array("\n\n".utf8))
    return .now(.json(200, Array(#"{"streams":\#(events.count)}"#.utf8)))
}
router.get("/stats") { _ in .now(.json(200, Array(#"{"streams":\#(events.count)}"#.utf8))) }

let configuration = ServerConfiguration(
    address: option("--address") ?? "127.0.0.1",
    port: UInt16(option("--port") ?? "0") ?? 0,
    connectionLimit: 19_000
)
let server = HTTPServer(configuration: configuration, router: router) { status, message in
    .json(status, Array(#"{"status":\#(status),"message":"\#(message)"}"#.utf8))
}
do {
    try server.start()
} catch {
    FileHandle.standardError.write(Data("http-probe-server: \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("listening on \(configuration.address):\(server.port)\n".utf8))
await HTTPServer.waitForTerminationSignal()
await server.shutdown()
