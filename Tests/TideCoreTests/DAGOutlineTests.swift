import Foundation
import Testing

@testable import TideCore

/// A DAG with every fact an outline keeps: a branch with declared choices, a mapped task over a
/// task's results and over a mapped task's, a join, a task upstream of nothing, an upstream name
/// the DAG does not have (never stored by the parser, ignored if it were).
let outlinedDAG: DAG = {
    var branch = TaskSpec(taskId: "branch", kind: .bash("echo a"))
    branch.branch = true
    branch.branchChoices = ["a", "b"]
    var mapped = TaskSpec(taskId: "each", upstream: ["a"], kind: .bash("echo {{ expanded.item }}"))
    mapped.expand = TaskExpansion(arguments: [.init(name: "item", source: .result(XComPull(taskId: "a")))])
    var mappedAgain = TaskSpec(taskId: "again", upstream: ["each"], kind: .bash("true"))
    mappedAgain.expand = TaskExpansion(arguments: [
        .init(name: "item", source: .result(XComPull(taskId: "each"))),
        .init(name: "other", source: .result(XComPull(taskId: "b", key: "rows"))),
    ])
    return DAG(
        dagId: "outlined", params: ["p": .string("v")],
        tasks: [
            branch,
            TaskSpec(taskId: "a", upstream: ["branch"], env: ["X": "1"], kind: .command(["echo", "a"])),
            TaskSpec(taskId: "b", upstream: ["branch"], kind: .bash("true")),
            mapped, mappedAgain,
            TaskSpec(
                taskId: "join", upstream: ["a", "b", "branch", "gone"], kind: .bash("true"),
                triggerRule: .noneFailedMinOneSuccess),
            TaskSpec(taskId: "alone", kind: .bash("true")),
        ],
        schedule: .manual, timeZone: "Europe/Paris")
}()

/// The outline of `dag` as a worker reads it from PostgreSQL: the DAG's own fields, each task's
/// entry and stored definition, all through their JSON.
func outline(of dag: DAG) throws -> DAGOutline {
    let encoder = JSONEncoder()
    var definitions: [String: String] = [:]
    var entries: [[String: Any]] = []
    for task in dag.tasks {
        let text = String(decoding: try encoder.encode(task), as: UTF8.self)
        definitions[task.taskId] = text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        entries.append(object.filter { ["task_id", "upstream", "expand", "branch_choices"].contains($0.key) })
    }
    let tasks = String(decoding: try JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
    return try DAGOutline(dagJSON: dag.serializedJSON(), tasksJSON: tasks, definitions: definitions)
}

@Suite("A DAG version outlined for a worker")
struct DAGOutlineTests {
    @Test func everyTaskDecodesToItsDefinitionAndTheGraphFactsAreTheCompiledDAGs() throws {
        let compiled = CompiledDAG(outlinedDAG)
        let outlined = try outline(of: outlinedDAG)
        for task in outlinedDAG.tasks {
            #expect(try outlined.task(task.taskId) == task)
            #expect(outlined.children(of: task.taskId) == compiled.children(of: task.taskId), "\(task.taskId)")
            #expect(outlined.descendants(of: task.taskId) == compiled.descendants(of: task.taskId), "\(task.taskId)")
            #expect(outlined.branchChoices(of: task.taskId) == compiled.branchChoices(of: task.taskId))
            #expect(outlined.hasTask(task.taskId))
        }
        #expect(try outlined.task("gone") == nil)
        #expect(!outlined.hasTask("gone"))
        #expect(outlined.mapped == ["each", "again"])
        #expect(outlined.mapped == compiled.mapped)
        #expect(outlined.expandedResults == ["a": ["return_value"], "b": ["rows"]])
        #expect(outlined.expandedResults == compiled.expandedResults)
        #expect(outlined.allTaskIds() == compiled.allTaskIds())
        #expect(outlined.branchChoices(of: "branch") == ["a", "b"])
    }

    @Test func theDAGsOwnFieldsAreKeptAndItsTasksAreNot() throws {
        let outlined = try outline(of: outlinedDAG)
        #expect(outlined.dag.dagId == "outlined")
        #expect(outlined.dag.params == ["p": .string("v")])
        #expect(outlined.dag.timeZone == "Europe/Paris")
        #expect(outlined.dag.tasks.isEmpty)
    }

    @Test func aBranchChoosesTheSameThroughEither() throws {
        let compiled = CompiledDAG(outlinedDAG)
        let outlined = try outline(of: outlinedDAG)
        #expect(
            try BranchChoice.choice(of: "branch", chosen: ["a"], in: outlined).followed
                == BranchChoice.choice(of: "branch", chosen: ["a"], in: compiled).followed)
        for (chosen, expected) in [(["join"], "not one of its declared choices"), (["jion"], "'join'")] {
            #expect {
                _ = try BranchChoice.choice(of: "branch", chosen: chosen, in: outlined)
            } throws: { error in
                (error as? BranchChoice.Problem)?.message.contains(expected) == true
            }
        }
    }

    @Test func aStoredTaskThatIsNotATaskSaysSoWhenItsTryAsks() throws {
        let outlined = try DAGOutline(
            dagJSON: outlinedDAG.serializedJSON(), tasksJSON: #"[{"task_id": "broken", "upstream": []}]"#,
            definitions: ["broken": #"{"task_id": "broken"}"#])
        #expect(throws: DecodingError.self) { _ = try outlined.task("broken") }
        #expect(throws: DecodingError.self) {
            _ = try DAGOutline(dagJSON: "{}", tasksJSON: "[]", definitions: [:])
        }
    }
}
