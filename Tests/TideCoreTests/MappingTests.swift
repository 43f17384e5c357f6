import Testing

@testable import TideCore

@Suite("Dynamic task mapping: expand, its items, and trigger rules over mapped instances")
struct MappingTests {
    private func issues(_ tasks: String) -> [String] {
        do {
            _ = try DAGParser.parse(yaml: "dag_id: d\ntasks:\n" + tasks, file: "d.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func expandReadsLiteralListsAndResultsAndMakesTheSourceAnUpstreamTask() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                tasks:
                  - task_id: list_files
                    bash: echo
                  - task_id: load
                    expand:
                      file: {from: list_files}
                      region: [eu, 2, {zone: b}]
                      part: {from: list_files, key: parts}
                    bash: echo {{ expanded.file }}
                  - task_id: check
                    expand:
                      loaded: {from: load}
                    bash: echo {{ expanded.loaded }}
                """, file: "d.yaml")
        let load = try #require(dag.task("load"))
        #expect(load.upstream == ["list_files"])
        #expect(
            load.expand?.arguments == [
                .init(name: "file", source: .result(XComPull(taskId: "list_files"))),
                .init(name: "region", source: .literal([.string("eu"), .number(2), .object(["zone": .string("b")])])),
                .init(name: "part", source: .result(XComPull(taskId: "list_files", key: "parts"))),
            ])
        let compiled = CompiledDAG(dag)
        #expect(compiled.mapped == ["load", "check"])
        // A mapped source's instances publish items, not lists: only list_files must publish lists.
        #expect(compiled.expandedResults == ["list_files": ["return_value", "parts"]])
        // Stored and read back unchanged; a task without expand encodes as before (no new key).
        let decoded = try DAG.deserialize(dag.serializedJSON())
        #expect(decoded.task("load")?.expand == load.expand)
        #expect(!(try DAG.deserialize(dag.serializedJSON()).task("list_files")?.isMapped ?? true))
        #expect(!dag.serializedJSON().contains("\"expand\":null"))
    }

    @Test func badExpandsAreReportedWithTheirPlace() {
        let found = issues(
            """
              - task_id: a
                bash: echo
              - task_id: nothing
                expand: {}
                bash: echo
              - task_id: unknown_source
                expand: {x: {from: lister}}
                bash: echo
              - task_id: own
                expand: {x: {from: own}}
                bash: echo
              - task_id: scalar
                expand: {x: 3}
                bash: echo
              - task_id: no_from
                expand: {x: {key: k}}
                bash: echo
              - task_id: bad_name
                expand: {"1x": [1]}
                bash: echo
              - task_id: idle
                expand: {x: [1]}
                empty: true
              - task_id: chooser
                branch: true
                expand: {x: [1]}
                bash: echo a
              - task_id: past
                depends_on_past: true
                expand: {x: [1]}
                bash: echo
              - task_id: extra
                expand: {x: {from: a, keys: k}}
                bash: echo
              - task_id: pod
                kubernetes_pod: {image: busybox, cmds: [ls]}
              - task_id: per_pod
                expand: {x: {from: pod}}
                bash: echo
              - task_id: typo
                expand: {file: [a]}
                bash: echo {{ expanded.fiel }}
              - task_id: unmapped
                env: {F: "{{ expanded.file }}"}
                bash: 'echo "not a template: expanded.file"' 
            """)
        let expected = [
            "d.yaml:6:13: expand of task 'nothing' has no arguments",
            "d.yaml:8:5: task 'unknown_source' expands over a result of unknown task 'lister'",
            "d.yaml:12:17: expand.x of task 'own' expands over the task's own result",
            "d.yaml:15:17: expand.x of task 'scalar' must be a list or {from: TASK}, got a scalar",
            "d.yaml:18:17: expand.x of task 'no_from' is missing 'from'",
            "d.yaml:21:14: expand.1x of task 'bad_name': an argument name is letters, digits and '_'",
            "d.yaml:24:13: expand on task 'idle': an empty task runs nothing to map",
            "d.yaml:26:5: branch task 'chooser' has no tasks downstream to choose from",
            "d.yaml:28:13: expand on task 'chooser': a branch task cannot be mapped",
            "d.yaml:32:13: expand on task 'past': a depends_on_past task cannot be mapped (not yet)",
            "d.yaml:35:27: unknown key 'keys' in expand.x of task 'extra' (did you mean 'key'?)",
            "d.yaml:39:5: task 'per_pod' expands over a result of 'pod', a kubernetes_pod task without do_xcom_push",
            "d.yaml:44:11: task 'typo' reads expanded.fiel, which is not one of its expand arguments (did you mean 'file'?)",
            "d.yaml:47:11: task 'unmapped' reads expanded.file but is not mapped",
        ]
        for message in expected {
            #expect(found.contains { $0.hasPrefix(message) }, "missing \(message) in \(found)")
        }
        #expect(found.count == expected.count, "\(found)")
    }

    @Test func itemsAreAListsElementsOrAnObjectsPairsWithinTheLimit() throws {
        #expect(
            try TaskExpansion.items(of: .array([.number(1), .string("a")]), maxLength: 2) == [.number(1), .string("a")])
        #expect(
            try TaskExpansion.items(of: .object(["b": .number(2), "a": .number(1)]), maxLength: 5) == [
                .array([.string("a"), .number(1)]), .array([.string("b"), .number(2)]),
            ])
        #expect(try TaskExpansion.items(of: .array([]), maxLength: 0) == [])
        #expect(throws: ExpansionError(message: "a mapped task expands over a list or an object, not a string")) {
            try TaskExpansion.items(of: .string("a,b"), maxLength: 10)
        }
        #expect(throws: ExpansionError(message: "there is no value to expand over (a mapped task needs a list)")) {
            try TaskExpansion.items(of: nil, maxLength: 10)
        }
        #expect(throws: ExpansionError(message: "3 items to expand over, more than worker.max_map_length (2)")) {
            try TaskExpansion.items(of: .array([.null, .null, .null]), maxLength: 2)
        }
    }

    @Test func severalArgumentsMapOverTheirCrossProductFirstArgumentOutermost() {
        let expansion = TaskExpansion(arguments: [
            .init(name: "region", source: .literal([])), .init(name: "tier", source: .literal([])),
        ])
        let instances = expansion.instances(items: [
            "region": [.string("eu"), .string("us")], "tier": [.number(1), .number(2), .number(3)],
        ])
        #expect(instances.count == 6)
        #expect(instances[0] == ["region": .string("eu"), "tier": .number(1)])
        #expect(instances[2] == ["region": .string("eu"), "tier": .number(3)])
        #expect(instances[3] == ["region": .string("us"), "tier": .number(1)])
        #expect(expansion.instances(items: ["region": [.string("eu")], "tier": []]).isEmpty)
    }

    @Test func aMappedTasksStateStandsForItsInstances() {
        #expect(TaskState.mapped([.success, .none, .running]) == .none)
        #expect(TaskState.mapped([.success, .running, .upForRetry]) == .running)
        #expect(TaskState.mapped([.success, .failed, .skipped]) == .failed)
        #expect(TaskState.mapped([.success, .upstreamFailed]) == .upstreamFailed)
        #expect(TaskState.mapped([.skipped, .skipped]) == .skipped)
        #expect(TaskState.mapped([.success, .skipped]) == .success)
        #expect(TaskState.mapped([]) == .none)
    }

    @Test func triggerRulesDownstreamCountEveryMappedInstance() {
        let dag = DAG(
            dagId: "d",
            tasks: [
                TaskSpec(taskId: "m", kind: .bash("true")),
                TaskSpec(taskId: "strict", upstream: ["m"], kind: .bash("true")),
                TaskSpec(taskId: "first", upstream: ["m"], kind: .bash("true"), triggerRule: .oneSuccess),
                TaskSpec(taskId: "cleanup", upstream: ["m"], kind: .bash("true"), triggerRule: .allDone),
            ])
        let waiting: [TaskState] = [.success, .running, .success]
        let partly = DependencyResolver.resolve(
            dag: dag, states: ["m": TaskState.mapped(waiting)], frontier: ["strict", "first", "cleanup"],
            mappedInstances: ["m": waiting])
        // One instance succeeded: one_success fires while the others still run; the rest wait.
        #expect(partly.toQueue == ["first"])
        let ended: [TaskState] = [.success, .failed, .success]
        let done = DependencyResolver.resolve(
            dag: dag, states: ["m": TaskState.mapped(ended), "first": .success],
            frontier: ["strict", "cleanup"], mappedInstances: ["m": ended])
        #expect(done.upstreamFailed == ["strict"])
        #expect(done.toQueue == ["cleanup"])
    }
}
