import ArgumentParser

/// `--output table|json` for listings.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table or json.")
    var output: OutputFormat = .table
}
