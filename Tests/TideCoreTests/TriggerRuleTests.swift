import Testing

@testable import TideCore

/// Upstream states in a compact notation: S success, K skipped, F failed, U upstream_failed,
/// R running, Q queued, N none.
private func states(_ code: String) -> [TaskState] {
    code.map { letter in
        switch letter {
        case "S": .success
        case "K": .skipped
        case "F": .failed
        case "U": .upstreamFailed
        case "R": .running
        case "Q": .queued
        default: .none
        }
    }
}

/// Airflow 2's trigger rules, including the early decisions the scheduler makes before every
/// upstream task has finished.
@Suite("Trigger rules")
struct TriggerRuleTests {
    @Test(arguments: TriggerRule.allCases)
    func aTaskWithoutUpstreamAlwaysRuns(rule: TriggerRule) {
        #expect(rule.evaluate(upstream: []) == .run)
    }

    @Test(arguments: [
        (TriggerRule.allSuccess, "SS", DependencyDecision.run),
        (.allSuccess, "SR", .wait),
        (.allSuccess, "SN", .wait),
        (.allSuccess, "FR", .upstreamFailed),
        (.allSuccess, "U", .upstreamFailed),
        (.allSuccess, "KR", .skip),
        (.allSuccess, "KF", .upstreamFailed),
        (.allFailed, "FU", .run),
        (.allFailed, "FR", .wait),
        (.allFailed, "FS", .skip),
        (.allFailed, "KR", .skip),
        (.allDone, "SFKU", .run),
        (.allDone, "SR", .wait),
        (.allDone, "FQ", .wait),
        (.allSkipped, "KK", .run),
        (.allSkipped, "KR", .wait),
        (.allSkipped, "KS", .skip),
        (.allSkipped, "UK", .skip),
        (.allSkipped, "FR", .skip),
        (.oneSuccess, "SR", .run),
        (.oneSuccess, "SF", .run),
        (.oneSuccess, "FR", .wait),
        (.oneSuccess, "FU", .upstreamFailed),
        (.oneSuccess, "KF", .upstreamFailed),
        (.oneSuccess, "KK", .skip),
        (.oneFailed, "FR", .run),
        (.oneFailed, "UR", .run),
        (.oneFailed, "SR", .wait),
        (.oneFailed, "SK", .skip),
        (.oneDone, "SR", .run),
        (.oneDone, "FR", .run),
        (.oneDone, "KR", .wait),
        (.oneDone, "KU", .skip),
        (.noneFailed, "SK", .run),
        (.noneFailed, "KK", .run),
        (.noneFailed, "SR", .wait),
        (.noneFailed, "FR", .upstreamFailed),
        (.noneFailed, "US", .upstreamFailed),
        (.noneFailedMinOneSuccess, "SK", .run),
        (.noneFailedMinOneSuccess, "KK", .skip),
        (.noneFailedMinOneSuccess, "KR", .wait),
        (.noneFailedMinOneSuccess, "FK", .upstreamFailed),
        (.noneSkipped, "SF", .run),
        (.noneSkipped, "SU", .run),
        (.noneSkipped, "SR", .wait),
        (.noneSkipped, "KR", .skip),
        (.always, "RN", .run),
        (.always, "F", .run),
    ])
    func rule(_ rule: TriggerRule, upstream: String, expected: DependencyDecision) {
        #expect(rule.evaluate(upstream: states(upstream)) == expected, "\(rule.rawValue) with \(upstream)")
    }

    /// Every rule, every mix of three upstream states with at least one unfinished: whenever the
    /// rule decides, one of the finished upstream states is one it ``TriggerRule/decidesEarly(on:)``.
    @Test(arguments: TriggerRule.allCases)
    func aDecisionBeforeAllUpstreamFinishedComesFromAStateThatDecidesEarly(rule: TriggerRule) {
        let states: [TaskState] = [.none, .running, .success, .failed, .skipped, .upstreamFailed]
        // `always` runs before any upstream task finishes: it is decided at its first evaluation
        // and never watched.
        guard rule.evaluate(upstream: [.none, .running, .none]) == .wait else {
            #expect(rule == .always)
            return
        }
        var decidedEarly = 0
        for a in states {
            for b in states {
                for c in states where ![a, b, c].allSatisfy(\.isFinished) {
                    let upstream = [a, b, c]
                    guard rule.evaluate(upstream: upstream) != .wait else { continue }
                    decidedEarly += 1
                    #expect(
                        upstream.contains { $0.isFinished && rule.decidesEarly(on: $0) },
                        "\(rule.rawValue) decides \(upstream) early")
                }
            }
        }
        // The property is not vacuous: every rule but all_done decides some mix early.
        #expect((decidedEarly > 0) == (rule != .allDone))
    }

    @Test func rulesAreReadFromDAGFilesWithDefaults() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                default_args: {trigger_rule: none_failed, depends_on_past: true}
                tasks:
                  - task_id: a
                    bash: echo
                  - task_id: b
                    upstream: [a]
                    trigger_rule: all_done
                    depends_on_past: false
                    bash: echo
                """, file: "d.yaml")
        #expect(dag.task("a")?.triggerRule == .noneFailed)
        #expect(dag.task("a")?.dependsOnPast == true)
        #expect(dag.task("b")?.triggerRule == .allDone)
        #expect(dag.task("b")?.dependsOnPast == false)
    }

    @Test func unknownRulesAreReportedWithASuggestion() {
        do {
            _ = try DAGParser.parse(
                yaml: "dag_id: d\ntasks:\n  - task_id: a\n    trigger_rule: all_sucess\n    bash: echo\n",
                file: "d.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.first?.message == "unknown trigger_rule 'all_sucess' in task 'a'")
            #expect(error.issues.first?.hint == "did you mean 'all_success'?")
            #expect(error.issues.first?.line == 4)
        }
    }

    @Test func definitionsStoredBeforeTriggerRulesExistedStillLoad() throws {
        let old =
            #"{"dag_id":"d","description":"","fileloc":"d.yaml","params":{},"tags":[],"tasks":[{"env":{},"kind":{"bash":"echo"},"priority_weight":1,"queue":"default","retries":0,"retry_delay_seconds":300,"task_id":"a","upstream":[]}]}"#
        let dag = try DAG.deserialize(old)
        #expect(dag.task("a")?.triggerRule == .allSuccess)
        #expect(dag.task("a")?.dependsOnPast == false)
    }
}
