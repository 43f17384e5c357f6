import ArgumentParser
import TideCore
import TideSchedulerRole

/// The process entry point: the command runs with the main thread parked (see `ParkedMainThread`).
@main
enum SchedulerProcess {
    static func main() {
        ParkedMainThread.run { await SchedulerExecutable.main() }
    }
}

/// `tide-scheduler`: `tide scheduler` in an executable that links only what a scheduler runs (no
/// REST API, web UI or worker), so the process maps far less code.
struct SchedulerExecutable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide-scheduler",
        abstract:
            "Run a Tide scheduler: sync DAG files, start runs, resolve dependencies, queue tasks (SIGTERM stops it).",
        discussion:
            "The same scheduler as 'tide scheduler', in a smaller executable. 'tide --help' lists the other roles.",
        version: TideVersion.current)

    @OptionGroup var options: SchedulerOptions

    func run() async throws {
        try await options.run()
    }
}
