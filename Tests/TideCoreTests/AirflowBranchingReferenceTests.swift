import Foundation
import Testing

@testable import TideCore

/// Tide's branching against Airflow's own: each DAG of the test data was run by Airflow 3.3.2
/// (`dag.test()`, a `@task.branch` returning a fixed value, EmptyOperators elsewhere; kept by
/// `scripts/airflow-reference/branching.py`). Tide's resolver, given the same choice, must end
/// every task in the state Airflow's scheduler did.
@Suite("Branching, as Airflow ends it")
struct AirflowBranchingReferenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var dag: DAG
        var branch: String
        var returns: JSONValue
        var states: [String: String]

        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard
            let url = Bundle.module.url(
                forResource: "airflow-branching", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url), let items = try? JSONValue.decode(Array(data)).array
        else { return [] }
        return items.compactMap { item in
            guard let name = item["name"]?.string, let branch = item["branch"]?.string,
                let tasks = item["tasks"]?.array, let states = item["states"]?.object
            else { return nil }
            let specs = tasks.compactMap { task -> TaskSpec? in
                guard let id = task["task_id"]?.string,
                    let rule = task["trigger_rule"]?.string.flatMap(TriggerRule.init(rawValue:))
                else { return nil }
                var spec = TaskSpec(
                    taskId: id, upstream: (task["upstream"]?.array ?? []).compactMap(\.string),
                    kind: id == branch ? .bash("echo") : .empty, triggerRule: rule)
                spec.branch = id == branch
                return spec
            }
            return Case(
                name: name, dag: DAG(dagId: "reference", tasks: specs), branch: branch,
                returns: item["returns"] ?? .null, states: states.compactMapValues(\.string))
        }
    }()

    @Test func theReferenceDataIsThere() {
        #expect(Self.cases.count >= 5)
    }

    /// Runs the resolver as the scheduler does (every queued task succeeds; the branch stores its
    /// choice when it does) until nothing changes.
    @Test(arguments: cases)
    func statesMatchAirflows(_ reference: Case) throws {
        let dag = CompiledDAG(reference.dag)
        var states: [String: TaskState] = [:]
        var branches: [String: BranchChoice] = [:]
        for _ in 0..<dag.taskCount + 1 {
            let resolution = DependencyResolver.resolve(dag: dag, states: states, branches: branches)
            guard !resolution.isEmpty else { break }
            for id in resolution.toQueue + resolution.emptySucceeded { states[id] = .success }
            for id in resolution.skipped { states[id] = .skipped }
            for id in resolution.upstreamFailed { states[id] = .upstreamFailed }
            if states[reference.branch] == .success, branches[reference.branch] == nil {
                branches[reference.branch] = try BranchChoice.choice(
                    of: reference.branch, chosen: BranchChoice.taskIds(in: reference.returns), in: dag)
            }
        }
        #expect(states.mapValues(\.rawValue) == reference.states)
    }
}
