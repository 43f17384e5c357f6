import TideCore

/// A JSON object whose fields keep the order they were written in: the large answers (pages of
/// task instances, timelines) are built from these, without hashing every key into a dictionary
/// and sorting it again to write it. The order is the code's, so equal answers are equal bytes.
struct JSONObject: Sendable, ExpressibleByDictionaryLiteral {
    /// A field's value: a JSON value, or a list of ordered objects.
    enum Field: Sendable {
        case value(JSONValue)
        case objects([JSONObject])
    }

    private(set) var fields: [(key: String, value: Field)]

    init(dictionaryLiteral elements: (String, JSONValue)...) {
        fields = elements.map { ($0.0, .value($0.1)) }
    }

    /// A field's value; setting one that exists replaces it in place, a new one goes last.
    subscript(_ key: String) -> JSONValue? {
        get {
            guard case .value(let value)? = fields.first(where: { $0.key == key })?.value else { return nil }
            return value
        }
        set {
            let index = fields.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): fields[index].value = .value(value)
            case (let index?, nil): fields.remove(at: index)
            case (nil, let value?): fields.append((key, .value(value)))
            case (nil, nil): break
            }
        }
    }

    /// Adds a field holding a list of objects.
    mutating func append(_ key: String, objects: [JSONObject]) {
        fields.append((key, .objects(objects)))
    }

    /// `{"<key>": [objects], "total_entries": n}`, Airflow's collection shape.
    static func collection(_ key: String, _ objects: [JSONObject], total: Int? = nil) -> JSONObject {
        var object: JSONObject = [:]
        object.append(key, objects: objects)
        object["total_entries"] = .number(Double(total ?? objects.count))
        return object
    }
}

extension JSONWriter {
    static func bytes(_ object: JSONObject) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        write(object, to: &output)
        return output
    }

    static func write(_ object: JSONObject, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, field) in object.fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            writeString(field.key, to: &output)
            output.append(UInt8(ascii: ":"))
            switch field.value {
            case .value(let value): write(value, to: &output)
            case .objects(let objects):
                output.append(UInt8(ascii: "["))
                for (position, item) in objects.enumerated() {
                    if position > 0 { output.append(UInt8(ascii: ",")) }
                    write(item, to: &output)
                }
                output.append(UInt8(ascii: "]"))
            }
        }
        output.append(UInt8(ascii: "}"))
    }
}
