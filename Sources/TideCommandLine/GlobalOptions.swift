import ArgumentParser
import Foundation
import TideCore

/// Options every command takes.
public struct GlobalOptions: ParsableArguments {
    public init() {}

    /// `--config`: the configuration file, if not `$TIDE_CONFIG` or `./tide.yaml`.
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Configuration file (default: $TIDE_CONFIG, else ./tide.yaml if present).", valueName: "path"))
    public var configPath: String?

    /// Reads `tide.yaml` (if any) and the `TIDE_*` environment.
    public func configuration() throws -> TideConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let explicit = configPath ?? environment["TIDE_CONFIG"]
        let path = explicit ?? "tide.yaml"
        var text: String?
        if FileManager.default.fileExists(atPath: path) {
            // FileHandle reads any readable file, /dev/null included (a way to ignore ./tide.yaml).
            guard let handle = FileHandle(forReadingAtPath: path),
                let contents = String(data: handle.readDataToEndOfFile(), encoding: .utf8)
            else { throw CLIError("cannot read configuration file '\(path)' as UTF-8 text") }
            text = contents
        } else if explicit != nil {
            throw CLIError("configuration file '\(path)' does not exist", hint: "pass an existing file to --config")
        }
        do {
            return try ConfigurationLoader.load(fileText: text, fileName: path, environment: environment)
        } catch {
            throw CLIError(error.description, hint: "'tide config keys' lists every key and variable")
        }
    }
}
