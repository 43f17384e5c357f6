import Testing
import TideCore
import TideTestSupport

@testable import TideRedis

private func message(_ id: Int64, queue: String = "default", try tryNumber: Int = 1) -> TaskMessage {
    TaskMessage(taskInstanceId: id, tryNumber: tryNumber, queue: queue, dagId: "d", taskId: "t\(id)")
}

@Suite("Task queue")
struct TaskQueueTests {
    @Test func higherPriorityFirstThenFirstInFirstOut() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.enqueue(
            [
                .init(message: message(1), priority: 1), .init(message: message(2), priority: 5),
                .init(message: message(3), priority: 1), .init(message: message(4), priority: 5),
                .init(message: message(5), priority: -3),
            ], on: connection)
        var order: [Int64] = []
        while let popped = try await queue.pop(from: ["default"], timeoutSeconds: 0.05, on: connection) {
            order.append(try TaskMessage.decode(popped.raw).taskInstanceId)
        }
        #expect(order == [2, 4, 1, 3, 5])
        await prefix.cleanup()
    }

    @Test func aBatchPopTakesUpToCountInPriorityOrderFromTheFirstNonEmptyQueue() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.enqueue(
            [
                .init(message: message(1), priority: 1), .init(message: message(2), priority: 5),
                .init(message: message(3), priority: 1), .init(message: message(4, queue: "other"), priority: 9),
            ], on: connection)
        func ids(_ popped: [TaskQueue.Popped]) throws -> [Int64] {
            try popped.map { try TaskMessage.decode($0.raw).taskInstanceId }
        }
        let first = try await queue.pop(from: ["default", "other"], count: 2, timeoutSeconds: 0.05, on: connection)
        #expect(try ids(first) == [2, 1])
        #expect(first.allSatisfy { $0.queue == "default" })
        // The rest of the first queue, never mixed with the next queue in one pop.
        #expect(
            try ids(try await queue.pop(from: ["default", "other"], count: 8, timeoutSeconds: 0.05, on: connection))
                == [3])
        let other = try await queue.pop(from: ["default", "other"], count: 8, timeoutSeconds: 0.05, on: connection)
        #expect(try ids(other) == [4] && other.first?.queue == "other")
        #expect(
            try await queue.pop(from: ["default", "other"], count: 8, timeoutSeconds: 0.05, on: connection).isEmpty)
        // A popped message put back keeps its place ahead of later ones.
        try await queue.putBack(first[0], on: connection)
        try await queue.enqueue([.init(message: message(5), priority: 5)], on: connection)
        #expect(
            try ids(try await queue.pop(from: ["default"], count: 2, timeoutSeconds: 0.05, on: connection)) == [2, 5])
        await prefix.cleanup()
    }

    @Test func theSameTryIsQueuedOnceAndKeepsItsPlace() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.enqueue(
            [.init(message: message(1), priority: 1), .init(message: message(2), priority: 1)], on: connection)
        try await queue.enqueue([.init(message: message(1), priority: 1)], on: connection)
        #expect(try await queue.depth(of: "default", on: connection) == 2)
        #expect(try await queue.contains(message(1), on: connection))
        #expect(try await !queue.contains(message(1, try: 2), on: connection))
        let first = try #require(try await queue.pop(from: ["default"], timeoutSeconds: 0.05, on: connection))
        #expect(try TaskMessage.decode(first.raw).taskInstanceId == 1)
        await prefix.cleanup()
    }

    @Test func aMessagePutBackKeepsItsPlace() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.enqueue(
            [
                .init(message: message(1), priority: 9), .init(message: message(2), priority: 9),
                .init(message: message(3), priority: 1),
            ],
            on: connection)
        let first = try #require(try await queue.pop(from: ["default"], timeoutSeconds: 0.05, on: connection))
        try await queue.putBack(first, on: connection)
        var order: [Int64] = []
        while let popped = try await queue.pop(from: ["default"], timeoutSeconds: 0.05, on: connection) {
            order.append(try TaskMessage.decode(popped.raw).taskInstanceId)
        }
        #expect(order == [1, 2, 3])
        await prefix.cleanup()
    }

    @Test func popsPreferQueuesInTheOrderGiven() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.enqueue(
            [
                .init(message: message(1, queue: "low"), priority: 100),
                .init(message: message(2, queue: "high"), priority: 1),
            ],
            on: connection)
        let popped = try #require(try await queue.pop(from: ["high", "low"], timeoutSeconds: 0.05, on: connection))
        #expect(popped.queue == "high")
        #expect(try await queue.pop(from: ["other"], timeoutSeconds: 0.05, on: connection) == nil)
        await prefix.cleanup()
    }

    @Test func deadLettersKeepTheMessageAndTheReason() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let queue = TaskQueue(keys: prefix.keys)
        try await queue.deadLetter(
            raw: "garbage", queue: "default", reason: "not a JSON task message", workerId: "w1", on: connection)
        let records = try await queue.deadLetters(on: connection)
        #expect(records.count == 1)
        let record = try JSONValue.parse(try #require(records.first))
        guard case .object(let fields) = record else { Issue.record("not an object: \(record)"); return }
        #expect(fields["message"] == .string("garbage"))
        #expect(fields["reason"] == .string("not a JSON task message"))
        #expect(fields["worker"] == .string("w1"))
        await prefix.cleanup()
    }

    @Test func eventsAreDeliveredInBatches() async throws {
        let prefix = try KeyPrefix()
        let connection = try await prefix.connect()
        defer { connection.close() }
        let channel = EventChannel(keys: prefix.keys)
        #expect(try await channel.next(timeoutSeconds: 0.05, on: connection).isEmpty)
        for run in 1...3 { try await channel.publish(TaskEvent(kind: .runCreated, runId: Int64(run)), on: connection) }
        try await connection.command(["LPUSH", prefix.keys.events, "junk"])
        let events = try await channel.next(timeoutSeconds: 1, on: connection)
        #expect(events.map(\.runId) == [1, 2, 3])
        await prefix.cleanup()
    }
}
