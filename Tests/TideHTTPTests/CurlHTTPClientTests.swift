import Testing
import TideTestSupport

@testable import TideHTTP

@Suite("libcurl HTTP client", .serialized)
struct CurlHTTPClientTests {
    @Test func sendsMethodHeadersAndBodyAndReadsTheResponse() async throws {
        let server = try LoopbackHTTPServer()
        let client = CurlHTTPClient()
        defer {
            client.close()
            server.stop()
        }
        let get = try await client.request(
            "GET", "http://127.0.0.1:\(server.port)/api/v1/pods?limit=5", headers: ["X-Test: one"])
        #expect(get.status == 200)
        #expect(get.text == "GET /api/v1/pods?limit=5\nx-test=one\nbody=")
        let post = try await client.request(
            "POST", "http://127.0.0.1:\(server.port)/api/v1/namespaces/default/pods",
            headers: ["Content-Type: application/json"], body: Array(#"{"kind":"Pod"}"#.utf8))
        #expect(post.text == "POST /api/v1/namespaces/default/pods\nx-test=-\nbody={\"kind\":\"Pod\"}")
        let delete = try await client.request(
            "DELETE", "http://127.0.0.1:\(server.port)/api/v1/namespaces/default/pods/p1")
        #expect(delete.text.hasPrefix("DELETE /api/v1/namespaces/default/pods/p1\n"))
    }

    @Test func httpErrorStatusesAreResponsesNotErrors() async throws {
        let server = try LoopbackHTTPServer()
        let client = CurlHTTPClient()
        defer {
            client.close()
            server.stop()
        }
        let response = try await client.request("GET", "http://127.0.0.1:\(server.port)/missing")
        #expect(response.status == 404)
    }

    @Test func refusedConnectionsAreTypedAndMaskThePassword() async throws {
        let client = CurlHTTPClient()
        defer { client.close() }
        await #expect {
            try await client.request("GET", "http://admin:hunter2@127.0.0.1:1/healthz", timeoutSeconds: 5)
        } throws: { error in
            guard let error = error as? HTTPClientError else { return false }
            return error.code == .connectionFailed && error.url == "http://admin:***@127.0.0.1:1/healthz"
                && !"\(error)".contains("hunter2")
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let silent = try LoopbackHTTPServer(accepting: false)
        let client = CurlHTTPClient()
        defer {
            client.close()
            silent.stop()
        }
        await #expect {
            try await client.request("GET", "http://127.0.0.1:\(silent.port)/", timeoutSeconds: 0.3)
        } throws: { error in (error as? HTTPClientError)?.code == .timedOut }
    }

    @Test func unsupportedSchemesAreInvalidURLs() async throws {
        let client = CurlHTTPClient()
        defer { client.close() }
        await #expect {
            try await client.request("GET", "ftp://127.0.0.1/file")
        } throws: { error in (error as? HTTPClientError)?.code == .invalidURL }
    }
}
