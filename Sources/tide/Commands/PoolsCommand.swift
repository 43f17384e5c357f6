import ArgumentParser
import TideCommandLine
import TideCore
import TidePostgres

struct PoolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pools", abstract: "Manage pools: named numbers of slots shared by the tasks that use them.",
        subcommands: [Set.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a pool or change its number of slots.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The pool's name.") var name: String
        @Argument(help: "Number of slots (0 stops its tasks from starting).") var slots: Int
        @Option(help: "What the pool is for.") var description: String?

        func run() async throws {
            try await reportingErrors {
                guard Identifier.isValid(name) else {
                    throw CLIError("invalid pool name '\(name)'", hint: Identifier.rule)
                }
                guard slots >= 0 else { throw CLIError("slots: expected 0 or more, got \(slots)") }
                let pool = try CommandContext(try global.configuration()).pool(
                    maxConnections: 1, application: "tide-cli")
                try await PoolStore(pool: pool).set(name, slots: slots, description: description)
                await pool.close()
                print("pool '\(name)' has \(slots) slots")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pools with the slots in use and tasks waiting.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let pool = try CommandContext(try global.configuration()).pool(
                    maxConnections: 1, application: "tide-cli")
                let pools = try await PoolStore(pool: pool).list()
                await pool.close()
                if output.output == .json { return print(try Formatting.json(pools)) }
                var table = TextTable(["pool", "slots", "used", "waiting", "description"])
                for record in pools {
                    table.add([
                        record.name, "\(record.slots)", "\(record.used)", "\(record.waiting)", record.description,
                    ])
                }
                print(table.rendered)
            }
        }
    }
}
