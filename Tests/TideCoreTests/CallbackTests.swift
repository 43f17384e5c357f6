import Foundation
import Testing

@testable import TideCore

@Suite("Callbacks")
struct CallbackTests {
    private let payload = CallbackPayload(
        event: .taskFailure, dagId: "sales", runName: "scheduled__2026-01-31T00:00:00Z", runNumber: 7,
        logicalDate: Date(timeIntervalSince1970: 1_769_817_600), state: "failed", taskId: "load", tryNumber: 2,
        logTail: "connecting\nerror: timeout\n")

    @Test func jsonPayloadCarriesTheFacts() throws {
        guard case .object(let fields) = try JSONValue.parse(payload.body(.json)) else {
            Issue.record("not an object")
            return
        }
        #expect(fields["event"] == .string("task_failure"))
        #expect(fields["dag_id"] == .string("sales"))
        #expect(fields["run"] == .number(7))
        #expect(fields["task_id"] == .string("load"))
        #expect(fields["try_number"] == .number(2))
        #expect(fields["state"] == .string("failed"))
        #expect(fields["logical_date"] == .string("2026-01-31T00:00:00+00:00"))
        #expect(fields["log_tail"] == .string("connecting\nerror: timeout\n"))
        #expect(fields["log_command"] == .string("tide tasks logs 7 load --try 2"))
    }

    @Test func slackPayloadIsOneMessage() throws {
        guard case .object(let fields) = try JSONValue.parse(payload.body(.slack)),
            case .string(let text)? = fields["text"]
        else {
            Issue.record("not a Slack message")
            return
        }
        #expect(fields.count == 1)
        #expect(
            text
                == ":red_circle: Task *sales.load* failed (try 2) in run `scheduled__2026-01-31T00:00:00Z`\n```\nconnecting\nerror: timeout\n```\nFull log: `tide tasks logs 7 load --try 2`"
        )
    }

    @Test func logTailsAreBoundedAndStartAtALine() {
        let log = (0..<1000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let tail = CallbackPayload.tail(of: log)
        #expect(tail.utf8.count <= CallbackPayload.logTailBytes)
        #expect(tail.hasPrefix("line "))
        #expect(tail.hasSuffix("line 999\n"))
    }

    @Test func callbacksAreReadInEveryForm() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                on_failure_callback: https://hooks.example.com/dag
                default_args:
                  on_retry_callback: {url: "http://127.0.0.1:9/retry", format: slack, timeout: 5s, retries: 1}
                tasks:
                  - task_id: a
                    on_failure_callback:
                      - https://hooks.example.com/a
                      - {url: "https://hooks.example.com/b", headers: {Authorization: Bearer x}}
                    bash: echo
                  - task_id: b
                    on_retry_callback: null
                    bash: echo
                """, file: "d.yaml")
        #expect(dag.callbacks.onFailure.map(\.url) == ["https://hooks.example.com/dag"])
        let a = try #require(dag.task("a"))
        #expect(a.callbacks.onFailure.map(\.url) == ["https://hooks.example.com/a", "https://hooks.example.com/b"])
        #expect(a.callbacks.onFailure.last?.headers == ["Authorization": "Bearer x"])
        #expect(
            a.callbacks.onRetry == [
                CallbackSpec(url: "http://127.0.0.1:9/retry", format: .slack, timeoutSeconds: 5, retries: 1)
            ])
        #expect(dag.task("b")?.callbacks.onRetry.isEmpty == true, "a task's own setting replaces the default")
    }

    @Test func badCallbacksAreNamed() {
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    on_success_callback: ftp://nope
                    tasks:
                      - task_id: a
                        on_failure_callback: {url: "https://x.example", format: teams, retrys: 2}
                        bash: echo
                    """, file: "d.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(
                error.issues.map(\.message) == [
                    "invalid URL for on_success_callback of the DAG",
                    "unknown format 'teams' for on_failure_callback in task 'a'",
                    "unknown key 'retrys' in on_failure_callback in task 'a'",
                ])
            #expect(error.issues[2].hint == "did you mean 'retries'?")
        }
    }
}
