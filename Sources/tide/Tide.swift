import ArgumentParser
import TideCore

/// The process entry point: the command runs with the main thread parked (see `ParkedMainThread`).
@main
enum TideProcess {
    static func main() {
        ParkedMainThread.run { await Tide.main() }
    }
}

/// `tide`: every role and the operator commands in one executable.
struct Tide: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide",
        abstract: "Tide: a workflow orchestrator for Airflow-style DAGs, with PostgreSQL state and Redis queues.",
        discussion: """
            Configuration comes from tide.yaml and TIDE_* environment variables (the environment wins).
            The main ones: TIDE_DATABASE_URL, TIDE_REDIS_URL, TIDE_DAGS_FOLDER. 'tide config keys' lists all.
            """,
        version: TideVersion.current,
        subcommands: [
            DBCommand.self, SchedulerCommand.self, WorkerCommand.self, StandaloneCommand.self, DagsCommand.self,
            RunsCommand.self, TasksCommand.self, PoolsCommand.self, ScaleCommand.self, APICommand.self,
            HealthcheckCommand.self, UsersCommand.self, APITokensCommand.self,
            ConfigCommand.self, DoctorCommand.self,
        ])
}
