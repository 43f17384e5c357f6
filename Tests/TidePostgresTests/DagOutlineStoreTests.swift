import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

/// A worker reads a DAG version as an outline: what PostgreSQL gives it must be the stored DAG.
@Suite("DAG outlines read from PostgreSQL")
struct DagOutlineStoreTests {
    static let dag: DAG = {
        var branch = TaskSpec(taskId: "branch", kind: .bash("echo a"))
        branch.branch = true
        branch.branchChoices = ["a", "b"]
        var mapped = TaskSpec(taskId: "each", upstream: ["a"], kind: .bash("echo {{ expanded.item }}"))
        mapped.expand = TaskExpansion(arguments: [.init(name: "item", source: .result(XComPull(taskId: "a")))])
        return DAG(
            dagId: "outline", params: ["p": .number(1)],
            tasks: [
                branch,
                TaskSpec(
                    taskId: "a", upstream: ["branch"], retries: 2, env: ["X": "1"], kind: .command(["echo", "a"])),
                TaskSpec(taskId: "b", upstream: ["branch"], kind: .bash("true")),
                mapped,
                TaskSpec(taskId: "join", upstream: ["a", "b", "branch"], kind: .bash("true")),
            ],
            fileloc: "outline.yaml")
    }()

    @Test func theOutlineOfAStoredVersionIsThatVersion() async throws {
        let schema = try await IsolatedSchema.create()
        let dags = DagStore(pool: schema.pool)
        try await dags.upsert(Self.dag)
        let hash = try #require(try await dags.list().first?.contentHash)
        let cache = DagOutlineCache(store: dags)
        let outline = try await cache.outline(dagId: "outline", hash: hash)
        let compiled = CompiledDAG(try await dags.definition(dagId: "outline", hash: hash))
        for task in Self.dag.tasks {
            #expect(try outline.task(task.taskId) == compiled.task(task.taskId))
            #expect(outline.children(of: task.taskId) == compiled.children(of: task.taskId))
            #expect(outline.branchChoices(of: task.taskId) == compiled.branchChoices(of: task.taskId))
        }
        #expect(outline.mapped == ["each"])
        #expect(outline.expandedResults == compiled.expandedResults)
        #expect(outline.dag.params == ["p": .number(1)])
        #expect(outline.dag.tasks.isEmpty)
        #expect(cache.count == 1)
    }

    @Test func aVersionThatIsNotStoredIsNotFound() async throws {
        let schema = try await IsolatedSchema.create()
        await #expect {
            _ = try await DagStore(pool: schema.pool).outline(dagId: "outline", hash: "0000")
        } throws: { error in
            (error as? PGError)?.code == .notFound
        }
    }
}
