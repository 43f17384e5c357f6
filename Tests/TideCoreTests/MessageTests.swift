import Testing

@testable import TideCore

@Suite("Task messages")
struct MessageTests {
    @Test func encodingIsDeterministicAndRoundTrips() throws {
        let message = TaskMessage(taskInstanceId: 42, tryNumber: 2, queue: "default", dagId: "etl", taskId: "load")
        let text = message.encoded()
        #expect(text == #"{"dag":"etl","queue":"default","task":"load","ti":42,"try":2,"v":1}"#)
        #expect(try TaskMessage.decode(text) == message)
    }

    @Test(arguments: [
        ("not json", "not a JSON task message"),
        (#"{"v":1,"try":1,"queue":"q","dag":"d","task":"t"}"#, "missing field 'ti'"),
        (#"{"v":1,"ti":"x","try":1,"queue":"q","dag":"d","task":"t"}"#, "wrong type for field 'ti'"),
        (#"{"v":2,"ti":1,"try":1,"queue":"q","dag":"d","task":"t"}"#, "unsupported message version 2 (expected 1)"),
        (#"{"v":1,"ti":0,"try":1,"queue":"q","dag":"d","task":"t"}"#, "task instance id and try must be positive"),
        ("", "not a JSON task message"),
    ])
    func malformedMessagesSayWhatIsWrong(text: String, reason: String) {
        #expect(throws: MessageError.self) { try TaskMessage.decode(text) }
        do {
            _ = try TaskMessage.decode(text)
        } catch {
            #expect(error.reason == reason)
            #expect(error.description == "malformed task message: \(reason)")
        }
    }

    @Test func eventsRoundTripAndJunkIsIgnored() {
        let event = TaskEvent(kind: .taskFinished, runId: 3, taskInstanceId: 9, taskId: "t", state: .upForRetry)
        #expect(TaskEvent.decode(event.encoded()) == event)
        #expect(TaskEvent.decode("{}") == nil)
    }
}

@Suite("Log capture")
struct LogBufferTests {
    @Test func smallOutputIsKeptWhole() {
        var buffer = LogBuffer(capBytes: 1024)
        buffer.append(Array("hello\nworld\n".utf8))
        #expect(buffer.text == "hello\nworld\n")
        #expect(!buffer.isTruncated)
        #expect(buffer.totalBytes == 12)
    }

    @Test func largeOutputKeepsHeadAndTailWithAMarker() {
        var buffer = LogBuffer(capBytes: 100)
        for line in 0..<1000 { buffer.append(Array("line \(line)\n".utf8)) }
        let text = buffer.text
        #expect(buffer.isTruncated)
        #expect(text.hasPrefix("line 0\nline 1\n"))
        #expect(text.hasSuffix("line 999\n"))
        #expect(text.contains("bytes of output truncated ...]"))
        #expect(text.utf8.count < 200)
    }

    @Test func noticesFollowTheOutput() {
        var buffer = LogBuffer(capBytes: 100)
        buffer.append(Array("partial".utf8))
        buffer.appendNotice("execution_timeout of 1s reached")
        #expect(buffer.text == "partial\n[tide] execution_timeout of 1s reached\n")
    }
}

@Suite("Secrets")
struct SecretRedactionTests {
    @Test(arguments: [
        ("postgres://tide:s3cret@db:5432/tide", "postgres://tide:***@db:5432/tide"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        ("postgres://db:5432/tide", "postgres://db:5432/tide"),
        ("postgres://user@db/tide", "postgres://user@db/tide"),
        ("redis://:p@ss@host:1/0", "redis://:***@host:1/0"),
    ])
    func passwordsInURLsAreMasked(url: String, expected: String) {
        #expect(SecretRedaction.redactingPassword(in: url) == expected)
    }

    @Test func declaredSecretsAreMaskedInText() {
        #expect(
            SecretRedaction.masking(["hunter2"], in: "login with hunter2 then hunter2") == "login with *** then ***")
    }
}

@Suite("Durations and suggestions")
struct DurationAndSuggestionTests {
    @Test(arguments: [
        ("30", 30.0), ("45s", 45), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("2d", 172_800), ("1.5s", 1.5),
        (" 10s ", 10),
    ])
    func durations(text: String, seconds: Double) {
        #expect(DurationParser.seconds(text) == seconds)
    }

    @Test(arguments: ["", "s", "5x", "-1", "1 h", "h1", "5m-"])
    func invalidDurations(text: String) {
        #expect(DurationParser.seconds(text) == nil)
    }

    @Test func suggestionsOnlyForCloseWords() {
        #expect(Suggestion.closest(to: "retires", among: ["retries", "queue"]) == "retries")
        #expect(Suggestion.closest(to: "upstrem", among: ["upstream", "env"]) == "upstream")
        #expect(Suggestion.closest(to: "banana", among: ["retries", "queue"]) == nil)
    }
}
