import ArgumentParser
import TideCore
import TideWorkerRole

/// The process entry point: the command runs with the main thread parked (see `ParkedMainThread`).
@main
enum WorkerProcess {
    static func main() {
        ParkedMainThread.run { await WorkerExecutable.main() }
    }
}

/// `tide-worker`: `tide worker` in an executable that links only what a worker runs (no REST API,
/// web UI or their HTTP server), so each of the many worker replicas maps far less code.
struct WorkerExecutable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide-worker",
        abstract: "Run a Tide worker: pop tasks, run them, report results (SIGTERM drains it).",
        discussion: "The same worker as 'tide worker', in a smaller executable. 'tide --help' lists the other roles.",
        version: TideVersion.current)

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await options.run()
    }
}
