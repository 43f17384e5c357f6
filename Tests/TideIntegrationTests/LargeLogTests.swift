import Foundation
import Testing
import TideCore
import TidePostgres
import TideTestSupport

@Suite("Large logs, stored in pieces", .serialized)
struct LargeLogTests {
    /// 50 MB of base64 (which PostgreSQL cannot compress much) from a local task: stored in
    /// pieces while it comes, whole (the default cap is 100 MiB), and read at its tail touching
    /// only the last pieces.
    @Test func a50MBLogIsStoredAsItComesAndReadAtItsTailWithoutTheRest() async throws {
        try await withCluster { cluster in
            try cluster.writeDAG(
                "big.yaml",
                """
                dag_id: big
                tasks:
                  - task_id: loud
                    bash: 'base64 -w 76 /dev/urandom | head -c 50000000; echo; echo LAST-LINE'
                """)
            try cluster.startScheduler()
            try cluster.startWorker(concurrency: 1)
            try await cluster.waitForDAG("big")
            let run = try await cluster.runToEnd("big")
            #expect(run.state == .success)
            let ti = try #require(try await cluster.instances(run.id)["loud"])
            let header = try #require(
                try await cluster.schema.pool.query(
                    """
                    SELECT l.total_bytes, l.truncated, l.stored_bytes, l.stored_chars,
                           (SELECT count(*) FROM task_log_chunks c WHERE c.task_instance_id = l.task_instance_id) AS chunks
                    FROM task_logs l WHERE l.task_instance_id = $1 AND l.try_number = 1
                    """, [String(ti.id)]
                ).rows.first)
            #expect(header.int64("total_bytes") == 50_000_011)
            #expect(header.bool("truncated") == false)
            #expect(header.int64("stored_bytes") == 50_000_011)
            #expect((header.int("chunks") ?? 0) >= 100, "stored in pieces of at most 256 KiB as it came")

            let tail = try await cluster.tasks.logTail(taskInstanceId: ti.id, tryNumber: 1, maxCharacters: 1000)
            #expect(tail.content.hasSuffix("\nLAST-LINE\n"))
            #expect(tail.content.unicodeScalars.count == 1000)
            #expect(tail.offset == 50_000_011 - 1000)
            #expect(tail.nextOffset == 50_000_011)
            let again = try await cluster.tasks.logSlice(
                taskInstanceId: ti.id, tryNumber: 1, offset: tail.offset, maxCharacters: 1000)
            #expect(again.content == tail.content, "a range read at the same place reads the same")
            let middle = try await cluster.tasks.logSlice(
                taskInstanceId: ti.id, tryNumber: 1, offset: 25_000_000 - 25_000_000 % 77, maxCharacters: 770)
            #expect(middle.content.split(separator: "\n").count == 10)
            #expect(middle.content.split(separator: "\n").allSatisfy { $0.count == 76 })

            // What the tail read costs in PostgreSQL, every value it returns read whole (md5):
            // a handful of pages, not the 6,000 of the whole log.
            let plan = try #require(
                try await cluster.schema.pool.query(
                    "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT md5(content) FROM ("
                        + TaskInstanceStore.chunkReadSQL(TaskInstanceStore.tailChunksSQL) + ") r",
                    [String(ti.id), "1", "0", "1000"]
                ).rows.first?["QUERY PLAN"])
            let top = try #require(try JSONValue.decode(Array(plan.utf8)).array?.first?["Plan"])
            func count(_ key: String) -> Double {
                if case .number(let value)? = top[key] { return value }
                return 0
            }
            let pages = count("Shared Hit Blocks") + count("Shared Read Blocks")
            #expect(pages > 0)
            #expect(pages < 100, "the tail read touched \(pages) pages of about 6,100")
        }
    }
}
