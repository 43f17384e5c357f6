import Testing
import TideCore
import TideTestSupport

@testable import TideRedis

@Suite("Redis connection")
struct RedisConnectionTests {
    @Test(arguments: [
        ("redis://127.0.0.1:6379/0", RedisEndpoint(host: "127.0.0.1", port: 6379, password: nil, database: 0)),
        ("redis://:s3cret@cache:7000/2", RedisEndpoint(host: "cache", port: 7000, password: "s3cret", database: 2)),
        ("redis://cache", RedisEndpoint(host: "cache")),
        ("redis://:p%40ss@[::1]:6380", RedisEndpoint(host: "::1", port: 6380, password: "p@ss", database: 0)),
        ("redis://worker:pw@cache/1", RedisEndpoint(host: "cache", username: "worker", password: "pw", database: 1)),
    ])
    func parsesURLs(url: String, expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == expected)
    }

    @Test(arguments: [
        "http://x", "redis://:pw@host:notaport", "redis://host:70000", "redis://host/db", "redis://:pw@",
        "redis://someone:@host",
    ])
    func rejectsBadURLsWithoutLeakingThePassword(url: String) {
        #expect {
            try RedisEndpoint(url: url)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("redis: invalid Redis URL") && !text.contains("pw")
        }
    }

    @Test func descriptionNeverShowsThePassword() {
        let endpoint = RedisEndpoint(host: "h", port: 1, password: "topsecret", database: 0)
        #expect("\(endpoint)" == "h:1/0")
    }

    @Test func anACLUserLogsInWithItsOwnPasswordAndOnlyItsOwn() async throws {
        let admin = try await RedisConnection.connect(try TestServices.redisEndpoint())
        defer { admin.close() }
        let user = "tide-test-\(TestServices.uniqueName())"
        let password = "acl-\(TestServices.uniqueName())"
        try await admin.command(["ACL", "SETUSER", user, "on", ">\(password)", "~tide-acl:*", "+@all"])
        var endpoint = try TestServices.redisEndpoint()
        endpoint.username = user
        endpoint.password = password
        let connection = try await RedisConnection.connect(endpoint)
        #expect(try await connection.command(["ACL", "WHOAMI"]).string == user)
        // The ACL holds: keys outside its pattern are refused.
        await #expect(throws: RedisError.self) { try await connection.command(["SET", "elsewhere", "1"]) }
        connection.close()
        endpoint.password = "wrong-\(password)"
        await #expect {
            try await RedisConnection.connect(endpoint)
        } throws: { error in
            !"\(error)".contains(password)
        }
        try await admin.command(["ACL", "DELUSER", user])
    }

    @Test func aConnectionTheServerClosedWhileIdleIsReplacedWithoutAnError() async throws {
        let connection = try await RedisConnection.connect(try TestServices.redisEndpoint())
        let admin = try await RedisConnection.connect(try TestServices.redisEndpoint())
        defer {
            connection.close()
            admin.close()
        }
        let id = try #require(try await connection.command(["CLIENT", "ID"]).integer)
        // What a Redis restart does to every idle connection.
        #expect(try await admin.command(["CLIENT", "KILL", "ID", String(id)]).integer == 1)
        #expect(try await connection.command(["PING"]).string == "PONG")
        let replaced = try #require(try await connection.command(["CLIENT", "ID"]).integer)
        #expect(replaced != id)
    }

    @Test func wrongPasswordFailsClearlyWithoutEchoingIt() async throws {
        var endpoint = try TestServices.redisEndpoint()
        endpoint.password = "definitely-wrong-password"
        await #expect {
            try await RedisConnection.connect(endpoint)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .connectionFailed && error.command == "AUTH"
                && !"\(error)".contains("definitely-wrong-password")
                && "\(error)".contains("\(endpoint.host):\(endpoint.port)")
        }
    }

    @Test func refusedConnectionNamesTheServer() async throws {
        // Port 1 on loopback: nothing listens there.
        await #expect {
            try await RedisConnection.connect(RedisEndpoint(host: "127.0.0.1", port: 1))
        } throws: { error in
            (error as? RedisError)?.code == .connectionFailed && "\(error)".contains("127.0.0.1:1")
        }
    }

    @Test func serverErrorsAreThrownAndPipelinesKeepThemInPlace() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        await #expect(throws: RedisError.self) { try await connection.command(["NOSUCHCOMMAND"]) }
        let replies = try await connection.pipeline([
            ["SET", prefix.prefix + "k", "v"], ["INCR", prefix.prefix + "k"], ["GET", prefix.prefix + "k"],
        ])
        #expect(replies[0] == .status("OK"))
        if case .error = replies[1] {} else { Issue.record("expected an error reply, got \(replies[1])") }
        #expect(replies[2] == .string("v"))
        await prefix.cleanup()
    }

    @Test func blockingPopsDoNotStarveTheCooperativePool() async throws {
        // Four pops block at once, more than the cooperative pool has threads on this machine.
        // If they held pool threads, the task that feeds them could never run and every pop
        // would time out empty.
        let prefix = try KeyPrefix()
        let queue = TaskQueue(keys: prefix.keys)
        let feeder = try await prefix.connect(name: "feeder")
        let poppers = try await (0..<4).asyncMap { index in try await prefix.connect(name: "pop\(index)") }
        defer {
            feeder.close()
            poppers.forEach { $0.close() }
        }
        let popped = try await withThrowingTaskGroup(of: TaskQueue.Popped?.self) { group in
            for connection in poppers {
                group.addTask { try await queue.pop(from: ["q"], timeoutSeconds: 20, on: connection) }
            }
            group.addTask {
                let entries = (1...4).map {
                    TaskQueue.Entry(
                        message: TaskMessage(
                            taskInstanceId: Int64($0), tryNumber: 1, queue: "q", dagId: "d", taskId: "t"), priority: 1)
                }
                try await queue.enqueue(entries, on: feeder)
                return nil
            }
            var results: [TaskQueue.Popped] = []
            for try await item in group { if let item { results.append(item) } }
            return results
        }
        #expect(popped.count == 4)
        #expect(Set(popped.map(\.raw)).count == 4)
        await prefix.cleanup()
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
