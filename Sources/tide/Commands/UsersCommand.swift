import ArgumentParser
import Foundation
import HummingbirdBcrypt
import TideCommandLine
import TideCore
import TidePostgres
import TideService

/// API users and tokens: password hashes for `api.users`, and long-lived tokens for CI.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Make password hashes for API users (api.users, api.users_file).",
        subcommands: [HashPassword.self])

    struct HashPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-password",
            abstract: "Read a password from standard input and print its bcrypt hash, for a users entry.")

        func run() async throws {
            try await reportingErrors {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw CLIError("expected the password on standard input")
                }
                print(Bcrypt.hash(line, cost: 12))
            }
        }
    }
}

struct APITokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-tokens",
        abstract: "Long-lived API tokens for CI and scripts (Authorization: Bearer tide_…); only their hash is stored.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (this once).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A unique name for the token, e.g. ci-nightly.") var name: String
        @Option(help: "viewer, op or admin.") var role: String = "viewer"
        @Option(help: "The user the token acts for (shown in logs).") var user: String?
        @Option(help: "How long it is valid, e.g. 90d or 12h (default: until revoked).") var expiresIn: String?

        func run() async throws {
            try await reportingErrors {
                guard let role = APIRole(rawValue: role) else {
                    throw CLIError("--role: expected viewer, op or admin, got '\(role)'")
                }
                var expiresAt: Double?
                if let expiresIn {
                    guard let seconds = DurationParser.seconds(expiresIn), seconds > 0 else {
                        throw CLIError("--expires-in: expected a duration such as 90d or 12h, got '\(expiresIn)'")
                    }
                    expiresAt = Date().timeIntervalSince1970 + seconds
                }
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let secret = APITokenSecret.generate()
                try await APITokenStore(pool: pool).create(
                    name: name, username: user ?? name, role: role, secretHash: APITokenSecret.hash(secret),
                    expiresAt: expiresAt)
                await pool.close()
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                let tokens = try await APITokenStore(pool: pool).list()
                await pool.close()
                if output.output == .json { return print(try Formatting.json(tokens)) }
                var table = TextTable(["name", "user", "role", "created", "expires", "last used", "revoked"])
                for token in tokens {
                    table.add([
                        token.name, token.username, token.role.rawValue, Formatting.time(token.createdAt),
                        token.expiresAt.map { Formatting.time($0) } ?? "never",
                        token.lastUsedAt.map { Formatting.time($0) } ?? "-",
                        token.revoked ? "yes" : "no",
                    ])
                }
                print(table.rendered)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: requests bearing it get 401.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            try await reportingErrors {
                let context = try CommandContext(try global.configuration())
                let pool = context.pool(maxConnections: 1, application: "tide-cli")
                try await APITokenStore(pool: pool).revoke(name: name)
                await pool.close()
                print("revoked API token '\(name)'")
            }
        }
    }
}
