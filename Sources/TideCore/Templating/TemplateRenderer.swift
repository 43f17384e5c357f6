import Foundation
import Stencil

/// Renders task templates (`{{ ds }}`, `{{ params.table }}`, `{{ ds | ds_add:-1 }}`) with Stencil.
///
/// Stencil renders an unknown variable as an empty string; a task command must not silently lose
/// a path segment that way, so every `{{ … }}` is checked against the context first and an unknown
/// name is an error (loop variables of `{% for %}` excepted).
public enum TemplateRenderer {
    /// Whether `text` holds template syntax; text without any renders as itself.
    public static func containsTemplate(_ text: String) -> Bool {
        text.contains("{{") || text.contains("{%")
    }

    /// Renders `text`; text without `{{` or `{%` is returned unchanged.
    /// - Throws: ``TemplateError`` for a syntax error, an unknown variable or a failing filter.
    public static func render(_ text: String, context: TemplateContext) throws(TemplateError) -> String {
        guard containsTemplate(text) else { return text }
        var values = context.values
        for (index, pull) in XComPull.pulls(in: text).enumerated() {
            values[XComPull.variable(index)] = XComPull.rendered(context.xcoms[pull])
        }
        let environment = makeEnvironment()
        let template = Template(templateString: XComPull.rewrite(text), environment: environment)
        try checkVariables(template.tokens) { path in resolve(path, in: values) }
        do {
            return try template.render(Context(dictionary: values, environment: environment))
        } catch let error as TemplateError {
            throw error
        } catch let error as TemplateSyntaxError {
            throw TemplateError(message: error.reason)
        } catch {
            throw TemplateError(message: "\(error)")
        }
    }

    /// Checks syntax and top-level names without a run (for `tide dags validate` and DAG loading).
    public static func check(_ text: String) throws(TemplateError) {
        guard text.contains("{{") || text.contains("{%") else { return }
        let environment = makeEnvironment()
        let template = Template(templateString: XComPull.rewrite(text), environment: environment)
        do {
            _ = try TokenParser(tokens: template.tokens, environment: environment).parse()
        } catch let error as TemplateSyntaxError {
            throw TemplateError(message: error.reason)
        } catch {
            throw TemplateError(message: "\(error)")
        }
        // Only the first name can be checked before a run: params and conf keys vary per run.
        try checkVariables(template.tokens) { path in
            guard let root = path.first, !TemplateContext.names.contains(root), !root.hasPrefix("__xcom_") else {
                return nil
            }
            return Miss(key: root, available: TemplateContext.names)
        }
    }

    /// A fresh environment with Tide's filters (Stencil's types are not Sendable, so none is shared).
    static func makeEnvironment() -> Environment {
        let filters = Extension()
        filters.registerFilter("ds_add") { value, arguments in
            guard let text = value as? String, let days = arguments.first.flatMap(Self.integer) else {
                throw TemplateError(
                    message: "ds_add needs a date like 2026-01-31 and a number of days, e.g. ds|ds_add:-1")
            }
            guard let date = LocalDate.parse(text, in: TimeZone(secondsFromGMT: 0) ?? .current),
                let shifted = Calendar(identifier: .gregorian).date(byAdding: .day, value: days, to: date)
            else { throw TemplateError(message: "ds_add: '\(text)' is not a date like 2026-01-31") }
            return TemplateContext.ds(shifted)
        }
        filters.registerFilter("ds_format") { value, arguments in
            guard let text = value as? String, let pattern = arguments.first as? String,
                let date = LocalDate.parse(text, in: TimeZone(secondsFromGMT: 0) ?? .current)
            else {
                throw TemplateError(
                    message: "ds_format needs a date and a strftime pattern, e.g. ds|ds_format:\"%d/%m/%Y\"")
            }
            return Strftime.format(date, pattern)
        }
        return Environment(extensions: [filters])
    }

    private static func integer(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: number
        case let number as Double: Int(number)
        case let text as String: Int(text)
        default: nil
        }
    }

    /// Where a variable's path stopped resolving: the key that failed and the keys there were.
    struct Miss {
        var key: String
        var available: [String]
    }

    /// Fails on the first `{{ … }}` whose variable does not resolve (`lookup` returns a ``Miss``).
    private static func checkVariables(_ tokens: [Token], lookup: ([String]) -> Miss?) throws(TemplateError) {
        var loopNames: Set<String> = []
        for token in tokens {
            switch token.kind {
            case .block:
                let words = token.contents.split(separator: " ")
                if words.first == "for", let inIndex = words.firstIndex(of: "in") {
                    for name in words[1..<inIndex].joined().split(separator: ",") { loopNames.insert(String(name)) }
                }
            case .variable:
                let expression = token.contents.split(separator: "|", maxSplits: 1).first.map(String.init) ?? ""
                let path = expression.trimmingWhitespace().split(separator: ".").map(String.init)
                guard let root = path.first, !root.isEmpty, !isLiteral(root), !loopNames.contains(root) else {
                    continue
                }
                if let miss = lookup(path) {
                    let hint = Suggestion.hint(for: miss.key, among: miss.available).map { " (\($0))" } ?? ""
                    throw TemplateError(message: "unknown variable '\(path.joined(separator: "."))'\(hint)")
                }
            default:
                continue
            }
        }
    }

    private static func isLiteral(_ text: String) -> Bool {
        text.hasPrefix("\"") || text.hasPrefix("'") || Double(text) != nil || text == "true" || text == "false"
    }

    /// nil when `path` resolves in `values`; else where it stopped.
    private static func resolve(_ path: [String], in values: [String: Any]) -> Miss? {
        var current: Any = values
        for key in path {
            guard let dictionary = current as? [String: Any] else { return Miss(key: key, available: []) }
            guard let next = dictionary[key] else { return Miss(key: key, available: Array(dictionary.keys)) }
            current = next
        }
        return nil
    }
}

/// A template that cannot be rendered.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
