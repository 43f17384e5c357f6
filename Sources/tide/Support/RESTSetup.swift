import Foundation
import HummingbirdBcrypt
import Logging
import TideAPI
import TideCommandLine
import TideCore
import TidePostgres
import TideService

/// Builds the REST part of the API server from the configuration (shared by `tide api` and
/// `tide standalone`).
enum RESTSetup {
    /// `--no-auth` is for development on one machine: refused on an address others can reach.
    static func checkNoAuth(_ noAuth: Bool, host: String) throws {
        guard noAuth else { return }
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        guard loopback else {
            throw CLIError(
                "--no-auth: refused with api.host '\(host)'; it serves every request as an admin",
                hint: "use it only with a loopback address such as 127.0.0.1, or configure api.users")
        }
    }

    static func rest(_ context: CommandContext, pool: PGPool, authEnabled: Bool) -> APIServer.REST {
        let configuration = context.configuration
        let service = context.service(pool: pool)
        return APIServer.REST(service: service, configuration: configuration, authEnabled: authEnabled)
    }

    /// As Airflow's standalone: with no user configured, creates `admin` with a random password,
    /// stores only its bcrypt hash in the users file, and prints the password this once.
    /// - Returns: the settings with the users file set.
    static func ensureAdmin(_ settings: APISettings, defaultFile: String) throws -> APISettings {
        var settings = settings
        let file = settings.usersFile ?? defaultFile
        guard settings.users.isEmpty, !FileManager.default.fileExists(atPath: file) else {
            if FileManager.default.fileExists(atPath: file) { settings.usersFile = file }
            return settings
        }
        let password = String(APITokenSecret.generate().dropFirst(APITokenSecret.prefix.count).prefix(20))
        let user = APIUser(username: "admin", role: .admin, passwordHash: Bcrypt.hash(password, cost: 12))
        let folder = (file as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        guard
            FileManager.default.createFile(
                atPath: file, contents: Data(APIUser.fileText([user]).utf8), attributes: [.posixPermissions: 0o600])
        else { throw CLIError("cannot write the API users file '\(file)'") }
        // Written at once: standalone runs for hours, and a buffered line would show only at exit.
        FileHandle.standardOutput.write(
            Data(
                """
                Login with username: admin  password: \(password)
                (only its hash is kept, in \(file); this is the one time it is shown)

                """.utf8))
        settings.usersFile = file
        return settings
    }
}
