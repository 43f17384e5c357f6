import Foundation
import Testing
import TideCore

@testable import TideAPI

@Suite("Requests: methods, log tokens")
struct RequestReadingTests {
    @Test("a documented path with another method is 405 with Allow; an unknown path is not")
    func methodCheck() {
        let check = MethodCheck(document: OpenAPIDocument.bytes)
        #expect(check.allowedMethods(for: "/api/v2/pools") == ["GET", "POST"])
        #expect(check.allowedMethods(for: "/api/v2/pools/default_pool") == ["DELETE", "GET", "PATCH"])
        #expect(check.allowedMethods(for: "/api/v2/dags/a/dagRuns/b/taskInstances/c/logs/1")?.contains("GET") == true)
        #expect(check.allowedMethods(for: "/api/v2/nothing") == nil)
        #expect(check.allowedMethods(for: "/api/v2/pools/a/b") == nil)
        // A fixed segment wins over a parameter: xcomEntries is not a map index, dry_run is not one.
        let instance = "/api/v2/dags/a/dagRuns/b/taskInstances/c/"
        #expect(check.allowedMethods(for: instance + "xcomEntries") == ["GET", "POST"])
        #expect(check.allowedMethods(for: instance + "dry_run") == ["PATCH"])
        #expect(check.allowedMethods(for: instance + "2") == ["GET", "PATCH"])
        #expect(check.allowedMethods(for: instance + "listMapped") == ["GET"])
    }

    @Test("the compiled-in OpenAPI document is OpenAPI 3.1 with Tide's and Airflow's paths")
    func document() throws {
        let document = try JSONValue.decode(OpenAPIDocument.bytes)
        #expect(document["openapi"] == .string("3.1.0"))
        let paths = document["paths"]?.object ?? [:]
        #expect(paths["/api/v2/dags"] != nil)
        #expect(paths["/auth/token"] != nil)
        #expect(paths["/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/timeline"] != nil)
    }

    @Test("a log continuation token reads back, and a forged one is refused")
    func continuationToken() {
        let token = LogRoutes.ContinuationToken(position: 1234, endOfLog: true)
        let read = LogRoutes.ContinuationToken(token.encoded)
        #expect(read == token)
        #expect(LogRoutes.ContinuationToken("forged") == nil)
        #expect(LogRoutes.ContinuationToken(Data(#"{"log_pos": -1}"#.utf8).base64EncodedString()) == nil)
    }

    @Test("a log's lines, without the empty one after the last newline")
    func lines() {
        #expect(LogRoutes.lines("a\nb\n") == ["a", "b"])
        #expect(LogRoutes.lines("a\n\nb") == ["a", "", "b"])
        #expect(LogRoutes.lines("") == [])
    }
}
