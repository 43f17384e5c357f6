import ArgumentParser
import TideCommandLine
import TidePostgres

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage Tide's PostgreSQL schema.", subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the schema (idempotent; safe to run from several processes at once).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.configuration()
                let connection = try await PGConnection.connect(
                    url: configuration.databaseURL, schema: configuration.databaseSchema,
                    applicationName: "tide-migrate")
                defer { connection.close() }
                let applied = try await Migrator().migrate(connection, schema: configuration.databaseSchema)
                if applied.isEmpty {
                    print("schema '\(configuration.databaseSchema)' is up to date")
                } else {
                    print(
                        "applied migrations \(applied.map(String.init).joined(separator: ", ")) to schema '\(configuration.databaseSchema)'"
                    )
                }
            }
        }
    }
}
