import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#endif

// libmicrohttpd's C callbacks. Each is capture-free: the server arrives as `cls`.

let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadDataSize, requestContext in
    guard let cls, let connection, let url, let method, let uploadDataSize, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()

    guard let opaque = requestContext.pointee else {
        let context = RequestContext()
        requestContext.pointee = Unmanaged.passRetained(context).toOpaque()
        return server.beginRequest(context, connection: connection, method: String(cString: method))
    }
    let context = Unmanaged<RequestContext>.fromOpaque(opaque).takeUnretainedValue()

    if uploadDataSize.pointee > 0 {
        server.receiveBody(context, chunk: UnsafeRawBufferPointer(start: uploadData, count: uploadDataSize.pointee))
        uploadDataSize.pointee = 0
        return .YES
    }
    return server.finishRequest(
        context, connection: connection, method: String(cString: method), path: String(cString: url))
}

let requestCompleted: MHD_RequestCompletedCallback = { cls, connection, requestContext, _ in
    if let cls, let connection {
        Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().headerDeadlines?.requestCompleted(connection)
    }
    guard let requestContext, let opaque = requestContext.pointee else { return }
    requestContext.pointee = nil
    let context = Unmanaged<RequestContext>.fromOpaque(opaque).takeRetainedValue()
    if let cls {
        Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().requestFinished(context)
    }
}

let connectionNotified: MHD_NotifyConnectionCallback = { cls, connection, socketContext, code in
    guard let cls, let connection else { return }
    guard let deadlines = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().headerDeadlines else { return }
    switch code {
    case .CONNECTION_NOTIFY_STARTED:
        deadlines.connectionOpened(connection, descriptor: panda_mhd_connection_fd(connection), socketContext: socketContext)
    default: deadlines.connectionClosed(connection, socketContext: socketContext)
    }
}

let streamReader: MHD_ContentReaderCallback = { cls, _, buffer, capacity in
    guard let cls, let buffer else { return panda_mhd_reader_end_with_error() }
    let stream = Unmanaged<EventStream>.fromOpaque(cls).takeUnretainedValue()
    return stream.read(into: buffer, capacity: capacity)
}

let streamReleased: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    let stream = Unmanaged<EventStream>.fromOpaque(cls).takeRetainedValue()
    stream.released()
}

/// Keeps the URL as sent: path segments are decoded one by one after routing,
/// so an encoded `/` inside a path parameter stays inside it.
let keepEscapes: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int = { _, _, text in
    guard let text else { return 0 }
    return strlen(text)
}
