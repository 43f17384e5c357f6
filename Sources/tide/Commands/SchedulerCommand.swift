import ArgumentParser
import TideSchedulerRole

struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract:
            "Run the scheduler: sync DAG files, start runs, resolve dependencies, queue tasks (SIGTERM stops it).",
        discussion: "The 'tide-scheduler' executable runs the same scheduler in a smaller process (no API or UI code).")

    @OptionGroup var options: SchedulerOptions

    func run() async throws {
        try await options.run()
    }
}
