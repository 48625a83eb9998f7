import Testing
import PandaTestSupport
@testable import HTTPServer

@Suite struct RouterTests {
    private func router() -> Router {
        var router = Router()
        router.get("/api/v1/deploy/{deploymentId}/events") { _ in .now(.noContent()) }
        router.post("/api/v1/deploy") { _ in .now(.noContent()) }
        router.get("/api/v1/deploy/{deploymentId}/result") { _ in .now(.noContent()) }
        return router
    }

    @Test func pathParametersArePercentDecodedPerSegment() {
        guard case .found(_, let request) = router().match(Request(method: "GET", path: "/api/v1/deploy/dep%2Fa%20b/events")) else {
            Issue.record("no match")
            return
        }
        #expect(request.pathParameter("deploymentId") == "dep/a b")
    }

    @Test func unknownPathIsNotFound() {
        guard case .notFound = router().match(Request(method: "GET", path: "/api/v1/nothing")) else {
            Issue.record("expected notFound")
            return
        }
    }

    @Test func knownPathWithOtherMethodListsAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = router().match(Request(method: "DELETE", path: "/api/v1/deploy")) else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == ["POST", "OPTIONS"])
    }

    @Test func headIsServedByTheGetRoute() {
        guard case .found = router().match(Request(method: "HEAD", path: "/api/v1/deploy/x/result")) else {
            Issue.record("expected found")
            return
        }
    }

    @Test func malformedEscapeDoesNotMatch() {
        guard case .notFound = router().match(Request(method: "GET", path: "/api/v1/deploy/%zz/result")) else {
            Issue.record("expected notFound")
            return
        }
    }

    @Test func queryDecodingHandlesPlusAndEscapes() {
        let pairs = [("a", "1"), ("b", "two+words"), ("c", "%41%42"), ("a", "2"), ("flag", ""), ("", "x"), ("bad", "%zz")]
        #expect(PercentDecoding.query(pairs.map { (name: $0.0, value: $0.1) }) == ["a": "1", "b": "two words", "c": "AB", "flag": ""])
    }

    @Test func serverSentEventSplitsMultilineData() {
        let frame = ServerSentEvent(id: "1", event: "stage", data: "a\nb").encoded()
        #expect(String(decoding: frame, as: UTF8.self) == "id: 1\nevent: stage\ndata: a\ndata: b\n\n")
    }
}
