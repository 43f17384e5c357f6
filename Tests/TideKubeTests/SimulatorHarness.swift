import Foundation
import Logging
import TideCore
import TideKube
import TideKubeSim
import TideTestSupport

/// Runs a simulator in this process for the duration of `body`, which gets its URL.
func withSimulator<T: Sendable>(
    _ configure: (inout KubeSimulator.Options) -> Void = { _ in }, _ body: (String) async throws -> T
) async throws -> T {
    var options = KubeSimulator.Options()
    options.tickSeconds = 0.05
    configure(&options)
    let scheme = options.tlsCertificatePath == nil ? "http" : "https"
    let simulator = KubeSimulator(options: options, logger: Logger(label: "test.kubesim"))
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let server = Task {
        try await simulator.run(handleSignals: false) { port in portContinuation.yield(port) }
    }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw SimulatorHarnessError() }
    return try await body("\(scheme)://127.0.0.1:\(port)")
}

struct SimulatorHarnessError: Error {}

/// A minimal pod manifest running `command` (the simulator runs it as a local process).
func podManifest(
    _ name: String, command: [String], labels: [String: String] = [:], image: String = "busybox"
) -> JSONValue {
    .object([
        "apiVersion": "v1", "kind": "Pod",
        "metadata": .object(["name": .string(name), "labels": .object(labels.mapValues(JSONValue.string))]),
        "spec": .object([
            "restartPolicy": "Never",
            "containers": .array([
                .object([
                    "name": "base", "image": .string(image), "command": .array(command.map(JSONValue.string)),
                ])
            ]),
        ]),
    ])
}
