import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#endif

// The request path through libmicrohttpd's access handler, all on the server thread.
extension HTTPServer {
    /// First call: headers are in, no body yet. Answering now would make libmicrohttpd
    /// close the connection, so only an oversized declared body is rejected here.
    func beginRequest(_ context: RequestContext, connection: OpaquePointer, method: String) -> MHD_Result {
        headerDeadlines?.headersReceived(connection)
        context.origin = lookupHeader(connection, "Origin")
        context.method = method
        let host = lookupHeader(connection, "Host")
        // Clients send the same Host on every request: the one last allowed skips the parse.
        if host == nil || host != lastAllowedHost {
            guard configuration.hostPolicy.allows(host, boundPort: port) else {
                context.dispatched = true
                return queue(misdirected(host: host), on: connection, for: context)
            }
            lastAllowedHost = host
        }
        if let declared = lookupHeader(connection, "Content-Length").flatMap(Int.init),
           declared > configuration.maxBodyBytes {
            context.dispatched = true
            return queue(payloadTooLarge(), on: connection, for: context)
        }
        return .YES
    }

    func receiveBody(_ context: RequestContext, chunk: UnsafeRawBufferPointer) {
        guard !context.bodyTooLarge else { return }
        if context.body.count + chunk.count > configuration.maxBodyBytes {
            // A chunked body gives no size up front: drop it and answer 413 at the end.
            context.bodyTooLarge = true
            context.body = []
        } else {
            context.body.append(contentsOf: chunk)
        }
    }

    func finishRequest(_ context: RequestContext, connection: OpaquePointer, method: String, path: String) -> MHD_Result {
        if let response = context.takeDeferredResponse() {
            return queue(response, on: connection, for: context)
        }
        guard !context.dispatched else { return .YES }
        context.dispatched = true
        if context.bodyTooLarge {
            return queue(payloadTooLarge(), on: connection, for: context)
        }

        let request = Request(
            method: method,
            path: path,
            query: queryParameters(connection),
            headers: headers(connection),
            body: context.body
        )
        context.body = []

        switch router.match(request) {
        case .notFound:
            return queue(errorResponder(404, "No route for \(method) \(path)"), on: connection, for: context)
        case .methodNotAllowed(let allowed) where method == "OPTIONS":
            return queue(configuration.cors.preflight(origin: context.origin, allowedMethods: allowed), on: connection,
                         for: context, corsOrigin: nil)
        case .methodNotAllowed(let allowed):
            var response = errorResponder(405, "Method \(method) is not allowed for \(path)")
            response.headers["Allow"] = allowed.joined(separator: ", ")
            return queue(response, on: connection, for: context)
        case .found(let handler, let routed):
            context.route = routed.route
            context.pathParameters = routed.pathParameters
            switch handler(routed) {
            case .now(let response):
                return queue(response, on: connection, for: context)
            case .prepared(let prepared):
                return queue(prepared, on: connection, for: context)
            case .later(let work):
                deferAnswer(context, connection: ConnectionHandle(pointer: connection, waker: waker), work: work)
                return .YES
            }
        }
    }

    /// Suspends the connection, runs the work off the server thread, then resumes:
    /// libmicrohttpd calls the handler again and the stored response is queued.
    private func deferAnswer(_ context: RequestContext, connection: ConnectionHandle, work: @escaping @Sendable () async -> Response) {
        suspendedForWork.add(1, ordering: .acquiringAndReleasing)
        connection.suspend()
        Task {
            let response = await work()
            context.complete(with: response)
            connection.resume()
            self.suspendedForWork.subtract(1, ordering: .acquiringAndReleasing)
        }
    }

    private func queue(_ prepared: PreparedResponse, on connection: OpaquePointer, for context: RequestContext) -> MHD_Result {
        // CORS headers belong to one request; a shared response cannot carry them.
        guard let handle = prepared.handle, !configuration.cors.decorates(origin: context.origin) else {
            return queue(prepared.response, on: connection, for: context)
        }
        context.status = prepared.response.status
        return MHD_queue_response(connection, UInt32(prepared.response.status), handle)
    }

    private func queue(_ response: Response, on connection: OpaquePointer, for context: RequestContext) -> MHD_Result {
        queue(response, on: connection, for: context, corsOrigin: context.origin)
    }

    private func queue(_ response: Response, on connection: OpaquePointer, for context: RequestContext,
                       corsOrigin origin: String?) -> MHD_Result {
        context.status = response.status
        var headers = response.headers
        configuration.cors.decorate(&headers, origin: origin)

        let created: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            created = Self.makeMHDResponse(bytes: bytes, headers: headers)
        case .eventStream(let stream):
            stream.attach(to: ConnectionHandle(pointer: connection, waker: waker))
            let retained = Unmanaged.passRetained(stream).toOpaque()
            created = MHD_create_response_from_callback(panda_mhd_size_unknown(), Self.streamBlockSize, streamReader, retained, streamReleased)
            if let created {
                liveStreams.add(stream)
                Self.addHeaders(headers, to: created)
            } else {
                Unmanaged<EventStream>.fromOpaque(retained).release()
                stream.released()
            }
        }
        guard let mhdResponse = created else { return .NO }
        let result = MHD_queue_response(connection, UInt32(response.status), mhdResponse)
        MHD_destroy_response(mhdResponse)
        return result
    }

    /// A libmicrohttpd response holding its own copy of `bytes`; the caller destroys it.
    static func makeMHDResponse(bytes: [UInt8], headers: Headers) -> OpaquePointer? {
        let created = bytes.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
        }
        if let created { addHeaders(headers, to: created) }
        return created
    }

    private static func addHeaders(_ headers: Headers, to response: OpaquePointer) {
        for field in headers {
            if field.name.lowercased() == "connection", field.value.lowercased() == "keep-alive" {
                _ = panda_mhd_send_keep_alive_header(response)
            } else {
                MHD_add_response_header(response, field.name, field.value)
            }
        }
    }

    /// libmicrohttpd is done with the request (answered, or the client left): tell the observer.
    func requestFinished(_ context: RequestContext) {
        guard let requestObserver, let completed = context.completedRequest(at: .now) else { return }
        requestObserver(completed)
    }

    /// Bytes an event stream hands libmicrohttpd per read. Events are small; a large
    /// per-stream block only costs memory on every one of thousands of open streams.
    static let streamBlockSize = 1024

    private func misdirected(host: String?) -> Response {
        guard let host else { return errorResponder(421, "A Host header is required") }
        // Echoed for the operator's sake, bounded; the error body is JSON-encoded.
        let shown = host.count > 100 ? String(host.prefix(100)) + "…" : host
        return errorResponder(421, "Host '\(shown)' is not served here (not an allowed host name)")
    }

    private func payloadTooLarge() -> Response {
        errorResponder(413, "Request body exceeds the limit of \(configuration.maxBodyBytes) bytes")
    }

    private func lookupHeader(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private func headers(_ connection: OpaquePointer) -> Headers {
        var collected = Headers()
        withUnsafeMutablePointer(to: &collected) { pointer in
            _ = MHD_get_connection_values(connection, .HEADER_KIND, { cls, _, key, value in
                guard let cls, let key else { return .YES }
                let headers = cls.assumingMemoryBound(to: Headers.self)
                headers.pointee.add(String(cString: key), value.map { String(cString: $0) } ?? "")
                return .YES
            }, pointer)
        }
        return collected
    }

    /// libmicrohttpd splits the query; its values arrive still encoded (see `keepEscapes`).
    private func queryParameters(_ connection: OpaquePointer) -> [String: String] {
        var raw: [(name: String, value: String)] = []
        withUnsafeMutablePointer(to: &raw) { pointer in
            _ = MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, { cls, _, key, value in
                guard let cls, let key else { return .YES }
                let pairs = cls.assumingMemoryBound(to: [(name: String, value: String)].self)
                pairs.pointee.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
                return .YES
            }, pointer)
        }
        return PercentDecoding.query(raw)
    }
}
