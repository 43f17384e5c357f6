import ArgumentParser
import TideWorkerRole

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: pop tasks, run them, report results (SIGTERM drains it).",
        discussion: "The 'tide-worker' executable runs the same worker in a smaller process (no API or UI code).")

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        try await options.run()
    }
}
