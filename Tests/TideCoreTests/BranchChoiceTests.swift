import Testing

@testable import TideCore

/// branch → a → join, branch → b → join, branch → join (the "empty branch" Airflow's docs draw),
/// branch → c (a leaf), and `side`, not downstream of the branch.
private let branching = CompiledDAG(
    DAG(
        dagId: "pick",
        tasks: [
            TaskSpec(taskId: "branch", kind: .bash("echo a"), branchTask: true),
            TaskSpec(taskId: "a", upstream: ["branch"], kind: .bash("true")),
            TaskSpec(taskId: "b", upstream: ["branch"], kind: .bash("true")),
            TaskSpec(taskId: "c", upstream: ["branch"], kind: .bash("true")),
            TaskSpec(taskId: "side", kind: .bash("true")),
            TaskSpec(
                taskId: "join", upstream: ["a", "b", "branch"], kind: .bash("true"),
                triggerRule: .noneFailedMinOneSuccess),
            TaskSpec(taskId: "strict", upstream: ["a", "b"], kind: .bash("true")),
        ]))

extension TaskSpec {
    fileprivate init(
        taskId: String, upstream: [String] = [], kind: TaskKind, triggerRule: TriggerRule = .allSuccess,
        branchTask: Bool
    ) {
        self.init(taskId: taskId, upstream: upstream, kind: kind, triggerRule: triggerRule)
        branch = branchTask
    }
}

@Suite("Branching (Airflow's skip_all_except)")
struct BranchChoiceTests {
    @Test func aChosenTaskAndAJoinDownstreamOfItAreFollowed() throws {
        let choice = try BranchChoice.choice(of: "branch", chosen: ["a"], in: branching)
        #expect(choice.followed == ["a", "join"])
        let both = try BranchChoice.choice(of: "branch", chosen: ["b", "c"], in: branching)
        #expect(both.followed == ["b", "c", "join"])
        // A task of the DAG that is not downstream follows nothing (as in Airflow).
        #expect(try BranchChoice.choice(of: "branch", chosen: ["side"], in: branching).followed.isEmpty)
        #expect(try BranchChoice.choice(of: "branch", chosen: [], in: branching).followed.isEmpty)
    }

    @Test func aChoiceOfNoTaskOfTheDAGIsAnErrorWithASuggestion() {
        #expect(
            throws: BranchChoice.Problem(
                message: "branch 'branch' chose 'strcit', not a task of DAG 'pick' (did you mean 'strict'?)")
        ) {
            try BranchChoice.choice(of: "branch", chosen: ["a", "strcit"], in: branching)
        }
    }

    @Test func theReturnValueIsAnIdAListOfIdsOrNothing() throws {
        #expect(try BranchChoice.taskIds(in: .string("a")) == ["a"])
        #expect(try BranchChoice.taskIds(in: .array([.string("a"), .string("b"), .string("a")])) == ["a", "b"])
        #expect(try BranchChoice.taskIds(in: .null).isEmpty)
        #expect(throws: BranchChoice.Problem(message: "a branch returns task ids; the list holds 3")) {
            try BranchChoice.taskIds(in: .array([.string("a"), .number(3)]))
        }
        #expect(throws: BranchChoice.Problem(message: #"a branch returns a task id or a list of them, not {"a":1}"#)) {
            try BranchChoice.taskIds(in: .object(["a": .number(1)]))
        }
    }

    @Test func aLastLineIsJSONWhenItIsAStringOrAListAndOtherwiseOneId() {
        #expect(BranchChoice.returnValue(ofLastLine: "load_full ") == .string("load_full"))
        #expect(BranchChoice.returnValue(ofLastLine: #"["a", "b"]"#) == .array([.string("a"), .string("b")]))
        #expect(BranchChoice.returnValue(ofLastLine: #""a""#) == .string("a"))
        #expect(BranchChoice.returnValue(ofLastLine: "42") == .string("42"))
    }

    @Test func theStoredFormReadsBack() {
        let choice = BranchChoice(followed: ["a", "join"])
        #expect(choice.jsonValue.jsonText == #"{"followed":["a","join"]}"#)
        #expect(BranchChoice(choice.jsonValue) == choice)
        #expect(BranchChoice(.string("a")) == nil)
    }

    @Test func theResolverSkipsWhatTheBranchDidNotFollowAndJoinsAsAirflowDoes() throws {
        let choice = try BranchChoice.choice(of: "branch", chosen: ["a"], in: branching)
        var states: [String: TaskState] = ["branch": .success, "side": .running]
        let first = DependencyResolver.resolve(
            dag: branching, states: states, frontier: ["a", "b", "c", "join"], branches: ["branch": choice])
        #expect(first.toQueue == ["a"])
        // b and c skipped at once; `strict` (all_success) follows b's skip; join waits for a.
        #expect(Set(first.skipped) == ["b", "c", "strict"])
        states.merge(["a": .success, "b": .skipped, "c": .skipped, "strict": .skipped]) { $1 }
        let second = DependencyResolver.resolve(
            dag: branching, states: states, frontier: ["join"], branches: ["branch": choice])
        #expect(second.toQueue == ["join"])
    }

    @Test func aTaskNotFollowedIsSkippedEvenWhileItsOtherUpstreamRuns() {
        let choice = BranchChoice(followed: ["b"])
        let resolution = DependencyResolver.resolve(
            dag: branching, states: ["branch": .success, "a": .running], frontier: ["join"],
            branches: ["branch": choice])
        #expect(resolution.skipped == ["join"])
    }

    @Test func withoutAStoredChoiceTheBranchIsAnOrdinaryUpstream() {
        // Marked success by hand, the branch chose nothing: its children run (as in Airflow).
        let resolution = DependencyResolver.resolve(
            dag: branching, states: ["branch": .success], frontier: ["a", "b", "c"])
        #expect(resolution.toQueue == ["a", "b", "c"])
    }

    @Test func branchIsParsedAndCheckedWhereItIsWritten() throws {
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                tasks:
                  - task_id: pick
                    branch: true
                    bash: echo a
                  - {task_id: a, upstream: [pick], bash: 'true'}
                """, file: "d.yaml")
        #expect(dag.task("pick")?.branch == true)
        #expect(dag.task("a")?.branch == false)
        #expect(try DAG.deserialize(dag.serializedJSON()).task("pick")?.branch == true)
        #expect(try !DAG.deserialize(dag.serializedJSON()).serializedJSON().contains(#""branch":false"#))

        let found: [String]
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    tasks:
                      - task_id: lonely
                        branch: true
                        bash: echo a
                      - task_id: waits
                        branch: true
                        sensor: {file: /x, timeout: 1m}
                      - task_id: c
                        branch: sometimes
                        upstream: [waits]
                        bash: 'true'
                    """, file: "d.yaml")
            found = []
        } catch {
            found = error.issues.map(\.description)
        }
        #expect(
            found == [
                "d.yaml:3:5: branch task 'lonely' has no tasks downstream to choose from "
                    + "(list it in the upstream of the tasks it chooses between)",
                "d.yaml:7:13: branch is for bash, command and kubernetes_pod tasks; task 'waits' is sensor "
                    + "(a branch returns the task id(s) to follow)",
                "d.yaml:10:13: expected true or false for branch in task 'c', got 'sometimes'",
            ])
    }

    @Test func declaredChoicesAreDownstreamTasksAndBoundWhatItChooses() throws {
        // `branch: [a, b]`: validated where it is written, then enforced on the choice.
        var found: [String] = []
        do {
            _ = try DAGParser.parse(
                yaml: """
                    dag_id: d
                    tasks:
                      - task_id: pick
                        branch: [a, side, nope]
                        bash: echo a
                      - {task_id: a, upstream: [pick], bash: 'true'}
                      - {task_id: b, upstream: [pick], bash: 'true'}
                      - {task_id: side, bash: 'true'}
                      - task_id: empty_list
                        branch: []
                        upstream: [a]
                        bash: 'true'
                    """, file: "d.yaml")
        } catch {
            found = error.issues.map(\.description)
        }
        #expect(
            found == [
                "d.yaml:3:5: branch task 'pick' may choose 'side', which is not directly downstream of it "
                    + "(add 'pick' to the upstream of 'side')",
                "d.yaml:3:5: branch task 'pick' may choose 'nope', which is not a task of the DAG",
                "d.yaml:10:13: branch of task 'empty_list' lists no choices (list the tasks it may choose, or say true)",
            ])
        let dag = try DAGParser.parse(
            yaml: """
                dag_id: d
                tasks:
                  - {task_id: pick, branch: [a, b], bash: echo a}
                  - {task_id: a, upstream: [pick], bash: 'true'}
                  - {task_id: b, upstream: [pick], bash: 'true'}
                  - {task_id: c, upstream: [pick], bash: 'true'}
                """, file: "d.yaml")
        #expect(dag.task("pick")?.branch == true && dag.task("pick")?.branchChoices == ["a", "b"])
        let compiled = CompiledDAG(dag)
        #expect(try BranchChoice.choice(of: "pick", chosen: ["b"], in: compiled).followed == ["b"])
        #expect(throws: BranchChoice.Problem(message: "branch 'pick' chose 'c', not one of its declared choices a, b"))
        {
            try BranchChoice.choice(of: "pick", chosen: ["a", "c"], in: compiled)
        }
    }
}
