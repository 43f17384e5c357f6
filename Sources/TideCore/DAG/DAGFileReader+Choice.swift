import Yams

extension DAGFileReader {
    /// A value that must be one of an enumeration's names (`trigger_rule`, `on_finish`, …);
    /// anything else is reported with a "did you mean" or the list of names.
    /// - Parameters:
    ///   - key: the setting's name, for the message.
    mutating func choice<Choice: CaseIterable & RawRepresentable>(
        _ node: Node, _ type: Choice.Type, key: String, place: String
    ) -> Choice? where Choice.RawValue == String {
        guard let name = string(node, what: "\(key) in \(place)") else { return nil }
        if let value = Choice(rawValue: name) { return value }
        let names = Choice.allCases.map(\.rawValue)
        report(
            node, "unknown \(key) '\(name)' in \(place)",
            hint: Suggestion.hint(for: name, among: names) ?? "one of \(names.joined(separator: ", "))")
        return nil
    }
}
