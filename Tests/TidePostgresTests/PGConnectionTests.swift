import Foundation
import Testing
import TideCore
import TideTestSupport

@testable import TidePostgres

@Suite("PostgreSQL connection and migrations")
struct PGConnectionTests {
    @Test func wrongPasswordFailsWithoutEchoingIt() async throws {
        var components = try #require(URLComponents(string: try TestServices.databaseURL()))
        components.password = "wrong-password-xyz"
        let url = try #require(components.string)
        await #expect {
            try await PGConnection.connect(url: url, schema: "public")
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.code == .connectionFailed && !"\(error)".contains("wrong-password-xyz")
                && "\(error)".contains("password authentication failed")
        }
    }

    @Test func queryErrorsCarrySQLStateAndContext() async throws {
        let schema = try await IsolatedSchema.create()
        await #expect {
            try await schema.pool.query("SELECT * FROM no_such_table", context: "probe")
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.sqlState == "42P01" && error.code == .queryFailed && "\(error)".hasPrefix("postgres (probe):")
        }
        await schema.drop()
    }

    @Test func parametersAreBoundNotInterpolated() async throws {
        let schema = try await IsolatedSchema.create()
        let hostile = "x'); DROP TABLE dags; --"
        let result = try await schema.pool.query(
            "SELECT $1::text AS value, $2::text IS NULL AS missing", [hostile, nil])
        #expect(result.rows.first?["value"] == hostile)
        #expect(result.rows.first?.bool("missing") == true)
        #expect(try await schema.pool.query("SELECT count(*) AS n FROM dags").rows.first?.int("n") == 0)
        await schema.drop()
    }

    @Test func pipelinesReturnEveryResultAndStopAtTheFirstError() async throws {
        let schema = try await IsolatedSchema.create()
        let connection = try await PGConnection.connect(url: schema.url, schema: schema.name)
        defer { connection.close() }
        let results = try await connection.pipeline([
            .init("SELECT 1 AS one"), .init("SELECT $1::text AS echo", ["hi"]), .init("SELECT count(*) AS n FROM dags"),
        ])
        #expect(results.map { $0.rows.first?.columns.first ?? "" } == ["one", "echo", "n"])
        #expect(results[1].rows.first?["echo"] == "hi")
        try await connection.query("CREATE TABLE probe (x int)")
        await #expect {
            try await connection.pipeline([
                .init("BEGIN"), .init("INSERT INTO probe VALUES (1)"),
                .init("SELECT * FROM missing_table", context: "bad"),
                .init("INSERT INTO probe VALUES (2)"), .init("COMMIT"),
            ])
        } throws: { error in
            (error as? PGError)?.sqlState == "42P01" && (error as? PGError)?.context == "bad"
        }
        _ = try await connection.query("ROLLBACK")
        #expect(try await connection.query("SELECT count(*) AS n FROM probe").rows.first?.int("n") == 0)
        await schema.drop()
    }

    @Test func statementsArePreparedOnceAndStillWorkAfterAFailureAndAReset() async throws {
        let schema = try await IsolatedSchema.create()
        let connection = try await PGConnection.connect(url: schema.url, schema: schema.name)
        defer { connection.close() }
        func preparedCount() async throws -> Int {
            try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements", []).rows.first?.int("n")
                ?? -1
        }
        let echo = "SELECT $1::text AS echo"
        for word in ["a", "b"] { #expect(try await connection.query(echo, [word]).rows.first?["echo"] == word) }
        // The same statement twice in one pipeline, with one that is already prepared and one that fails to parse.
        let results = try await connection.pipeline([
            .init(echo, ["c"]), .init("SELECT $1::int + 1 AS n", ["1"]), .init("SELECT $1::int + 1 AS n", ["2"]),
        ])
        #expect(results.map { $0.rows.first?.columns.first ?? "" } == ["echo", "n", "n"])
        #expect(results[2].rows.first?.int("n") == 3)
        await #expect(throws: PGError.self) {
            try await connection.pipeline([.init("SELEC broken $1", ["x"], context: "bad")])
        }
        await #expect(throws: PGError.self) { try await connection.query("SELEC broken $1", ["x"]) }
        // echo, the sum and the count query itself: each prepared once on this connection.
        #expect(try await preparedCount() == 3)
        #expect(try await connection.query(echo, ["d"]).rows.first?["echo"] == "d")
        // A reset session has no prepared statements: they are prepared again.
        let pid = try #require(try await connection.query("SELECT pg_backend_pid() AS pid", []).rows.first?["pid"])
        let admin = try await PGConnection.connect(url: schema.url, schema: schema.name)
        defer { admin.close() }
        try await admin.query("SELECT pg_terminate_backend($1::int)", [pid])
        _ = try? await connection.query(echo, ["lost"])
        #expect(try await connection.query(echo, ["e"]).rows.first?["echo"] == "e")
        #expect(try await preparedCount() == 2)
        await schema.drop()
    }

    @Test func migrationsAreIdempotentAndSafeToRunConcurrently() async throws {
        let name = TestServices.uniqueName()
        let url = try TestServices.databaseURL()
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let connection = try await PGConnection.connect(url: url, schema: name)
                    defer { connection.close() }
                    return try await Migrator().migrate(connection, schema: name)
                }
            }
            var all: [[Int]] = []
            for try await versions in group { all.append(versions) }
            return all
        }
        #expect(applied.flatMap { $0 } == Migration.all.map(\.version), "each migration applied exactly once in all")
        let connection = try await PGConnection.connect(url: url, schema: name)
        #expect(try await Migrator().migrate(connection, schema: name).isEmpty)
        #expect(try await Migrator().appliedVersions(connection) == Migration.all.map(\.version))
        _ = try await connection.query("DROP SCHEMA \"\(name)\" CASCADE")
        connection.close()
    }

    @Test func poolLendsAtMostItsLimitAndServesWaiters() async throws {
        let schema = try await IsolatedSchema.create()
        let pool = PGPool(.init(url: schema.url, schema: schema.name, maxConnections: 2))
        let pids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await pool.query("SELECT pg_backend_pid()::text AS pid, pg_sleep(0.05)").rows.first?["pid"]
                        ?? ""
                }
            }
            var seen: Set<String> = []
            for try await pid in group { seen.insert(pid) }
            return seen
        }
        #expect(pids.count <= 2)
        #expect(!pids.isEmpty)
        await pool.close()
        await schema.drop()
    }

    @Test func waitersForAnUnreachableServerEachFailInsteadOfWaitingForever() async throws {
        // Nothing listens on port 1: every open fails at once. Three loans share one slot; the
        // two that wait get the slot in turn when an open fails, and fail on their own.
        let pool = PGPool(.init(url: "postgres://tide@127.0.0.1:1/tide", maxConnections: 1))
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask { (try? await pool.query("SELECT 1")) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 3)
        await pool.close()
    }

    @Test func aCancelledWaiterStopsWaitingAndThePoolStillServes() async throws {
        let schema = try await IsolatedSchema.create()
        let pool = PGPool(.init(url: schema.url, schema: schema.name, maxConnections: 1))
        // The only connection is held until the test lets it go (not for a time a loaded machine may outlast).
        let lent = LockedBox(false)
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { _ in
                lent.mutate { $0 = true }
                for await _ in release { break }
            }
        }
        try await Eventually.that("the only connection to be lent out") { lent.value }
        let waiter = Task { try await pool.query("SELECT 1") }
        try await Eventually.that("the second loan to wait") { await pool.waitingLoans == 1 }
        waiter.cancel()
        let outcome = await waiter.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        releaser.yield()
        try await holder.value
        #expect(try await pool.query("SELECT 2 AS two").rows.first?["two"] == "2")
        await pool.close()
        await schema.drop()
    }

    @Test func aStatementInFlightIsCancelledOnTheServerWithItsTask() async throws {
        let schema = try await IsolatedSchema.create()
        let connection = try await PGConnection.connect(url: schema.url, schema: schema.name)
        let marker = "tide_cancel_probe_\(UInt32.random(in: 0...UInt32.max))"
        let started = ContinuousClock.now
        let sleeper = Task { try await connection.query("SELECT pg_sleep(60), '\(marker)'") }
        try await Eventually.that("the statement to run on the server") {
            try await schema.pool.query(
                "SELECT 1 FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND query NOT LIKE '%pg_stat_activity%'",
                [marker]
            ).rows.count == 1
        }
        sleeper.cancel()
        let outcome = await sleeper.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(ContinuousClock.now - started < .seconds(30), "it did not wait for the 60 s statement")
        // The connection is usable at once, and the server runs nothing for it.
        #expect(try await connection.query("SELECT 3 AS three").rows.first?["three"] == "3")
        #expect(await connection.isHealthy())
        connection.close()
        await schema.drop()
    }

    @Test func aConnectionLeftInsideATransactionIsNotLentAgain() async throws {
        let schema = try await IsolatedSchema.create()
        let pool = PGPool(.init(url: schema.url, schema: schema.name, maxConnections: 1))
        let first = try await pool.withConnection { connection in
            try await connection.query("BEGIN")
            return try await connection.query("SELECT pg_backend_pid() AS pid").rows.first?["pid"]
        }
        let second = try await pool.withConnection { connection in
            #expect(await connection.isHealthy())
            return try await connection.query("SELECT pg_backend_pid() AS pid").rows.first?["pid"]
        }
        #expect(first != nil && second != nil)
        #expect(first != second, "the connection with an open transaction was closed, not lent again")
        await pool.close()
        await schema.drop()
    }
}
