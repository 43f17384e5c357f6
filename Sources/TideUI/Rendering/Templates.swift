import Mustache

/// The UI's Mustache templates, compiled into the binary (`Assets/*.mustache`, embedded by SwiftPM).
enum Templates {
    static let sources: [(String, [UInt8])] = [
        ("layout", PackageResources.layout_mustache),
        ("login", PackageResources.login_mustache),
        ("home", PackageResources.home_mustache),
        ("dags", PackageResources.dags_mustache),
        ("dag", PackageResources.dag_mustache),
        ("run", PackageResources.run_mustache),
        ("task_instance", PackageResources.task_instance_mustache),
        ("browse", PackageResources.browse_mustache),
        ("cluster", PackageResources.cluster_mustache),
        ("pools", PackageResources.pools_mustache),
        ("error", PackageResources.error_mustache),
        ("pager", PackageResources.pager_mustache),
        ("queue_table", PackageResources.queue_table_mustache),
        ("node_pool_table", PackageResources.node_pool_table_mustache),
        ("run_table", PackageResources.run_table_mustache),
        ("legend", PackageResources.legend_mustache),
    ]

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                preconditionFailure("the UI template \(name).mustache does not parse: \(error)")
            }
        }
        return library
    }()

    static func render(_ name: String, _ model: [String: Any]) -> String {
        library.render(withoutEmptyText(model), withTemplate: name) ?? "<p>missing template \(HTML.escape(name))</p>"
    }

    /// The model with empty strings removed: Mustache sections treat "" as present, and a page
    /// should not show "Note:" with nothing after it.
    static func withoutEmptyText(_ model: [String: Any]) -> [String: Any] {
        model.compactMapValues { value -> Any? in
            switch value {
            case let text as String: text.isEmpty ? nil : text
            case let nested as [String: Any]: withoutEmptyText(nested)
            case let list as [[String: Any]]: list.map(withoutEmptyText)
            default: value
            }
        }
    }
}
