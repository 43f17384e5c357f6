import ArgumentParser
import Foundation
import TideCore
import TidePostgres
import TideRedis

/// A failure the CLI reports as one clear line plus a hint, with exit code 1.
public struct CLIError: Error, CustomStringConvertible {
    /// What went wrong, naming the option, setting or input at fault.
    public var message: String
    /// How to fix it, where that is known (printed as `hint: …`).
    public var hint: String?

    /// A failure reported as `error: message` and, with a hint, `hint: hint`.
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { message }

    /// Turns any error into a user-facing one, with a hint where the fix is known.
    public static func from(_ error: any Error) -> CLIError {
        switch error {
        case let error as CLIError:
            return error
        case let error as PGError where error.code == .connectionFailed || error.code == .connectionLost:
            return CLIError(
                error.description,
                hint:
                    "is PostgreSQL running and TIDE_DATABASE_URL right? ('eval \"$(scripts/services env)\"' for the local services)"
            )
        case let error as PGError where error.sqlState == "42P01":
            return CLIError(error.description, hint: "the schema is missing: run 'tide db migrate'")
        case let error as PGError where error.code == .notFound:
            return CLIError(error.message, hint: "'tide dags list' and 'tide runs list' show what exists")
        case let error as PGError:
            return CLIError(error.description)
        case let error as RedisError where error.code == .connectionFailed || error.code == .connectionLost:
            return CLIError(
                error.description,
                hint:
                    "is Redis running and TIDE_REDIS_URL right? ('eval \"$(scripts/services env)\"' for the local services)"
            )
        case let error as RedisError:
            return CLIError(error.description)
        default:
            return CLIError("\(error)")
        }
    }
}

/// Runs a command body, printing any failure as `error: …` / `hint: …` and exiting 1 (no stack trace).
public func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        let failure = CLIError.from(error)
        var text = "error: \(failure.message)\n"
        if let hint = failure.hint { text += "hint: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode.failure
    }
}
