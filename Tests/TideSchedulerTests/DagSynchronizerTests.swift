import Foundation
import Logging
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@testable import TideScheduler

@Suite("DAG sync: an unchanged folder costs no write")
struct DagSynchronizerTests {
    private func importErrorCount(_ pool: PGPool) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM import_errors").rows.first?.int("n") ?? -1
    }

    @Test func anUnchangedFolderIsNotWrittenAgainUntilTheFullWriteIsDue() async throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        let schema = try await IsolatedSchema.create()
        try folder.write("a.yaml", dagId: "a")
        try "dag_id: [broken".write(toFile: folder.path + "/broken.yaml", atomically: true, encoding: .utf8)
        let store = DagStore(pool: schema.pool)
        let logger = Logger(label: "test")
        let synchronizer = DagSynchronizer(folder: DagFolder(path: folder.path), store: store, logger: logger)
        #expect(try await synchronizer.sync())
        #expect(try await importErrorCount(schema.pool) == 1)

        // Changed behind the scheduler's back: an unchanged folder does not notice (no write)…
        try await schema.pool.query("DELETE FROM import_errors")
        #expect(try await synchronizer.sync() == false)
        #expect(try await importErrorCount(schema.pool) == 0)
        // …but a changed file brings a full write.
        try folder.write("a.yaml", dagId: "a", description: "v2")
        #expect(try await synchronizer.sync())
        #expect(try await importErrorCount(schema.pool) == 1)
        #expect(try await store.list().first?.description == "v2")

        // A synchronizer whose full write is always due writes every time.
        try await schema.pool.query("DELETE FROM import_errors")
        let eager = DagSynchronizer(
            folder: DagFolder(path: folder.path), store: store, logger: logger, fullWriteInterval: .zero)
        _ = try await eager.sync()
        try await schema.pool.query("DELETE FROM import_errors")
        #expect(try await eager.sync() == false, "nothing new stored")
        #expect(try await importErrorCount(schema.pool) == 1)
        await schema.drop()
    }

    @Test func aLargeFolderIsStoredInChunks() async throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        let schema = try await IsolatedSchema.create()
        let count = DagSynchronizer.writeChunk * 2 + 7
        for index in 0..<count { try folder.write("d\(index).yaml", dagId: "d\(index)") }
        let store = DagStore(pool: schema.pool)
        let synchronizer = DagSynchronizer(
            folder: DagFolder(path: folder.path), store: store, logger: Logger(label: "test"))
        #expect(try await synchronizer.sync())
        #expect(try await store.list().count == count)
        let sources = try await schema.pool.query("SELECT count(*) AS n FROM dag_versions WHERE source IS NOT NULL")
        #expect(sources.rows.first?.int("n") == count)
        #expect(try await synchronizer.sync() == false)
        await schema.drop()
    }

    @Test func aRemovedFileDeactivatesItsDAG() async throws {
        let folder = try TemporaryDagFolder()
        defer { folder.remove() }
        let schema = try await IsolatedSchema.create()
        try folder.write("a.yaml", dagId: "a")
        try folder.write("b.yaml", dagId: "b")
        let store = DagStore(pool: schema.pool)
        let synchronizer = DagSynchronizer(
            folder: DagFolder(path: folder.path), store: store, logger: Logger(label: "test"))
        try await synchronizer.sync()
        try folder.delete("b.yaml")
        #expect(try await synchronizer.sync())
        #expect(try await store.list().map(\.dagId) == ["a"])
        await schema.drop()
    }
}
