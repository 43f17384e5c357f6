import Foundation
import TideCore

/// Server-side printing: the `Table` form `kubectl get` asks for (`Accept: …;as=Table`), so that
/// `kubectl get pods` shows READY, STATUS, RESTARTS and AGE as against a real API server.
enum SimTable {
    /// Whether an `Accept` header asks for a Table.
    static func wanted(accept: String?) -> Bool { accept?.contains("as=Table") == true }

    /// The Table for a Pod, PodList, Node or NodeList; nil for anything else.
    static func table(for value: JSONValue, now: Date = Date()) -> JSONValue? {
        let items: [JSONValue]
        let kind: String
        switch value["kind"]?.string {
        case "PodList": (items, kind) = (value["items"]?.array ?? [], "Pod")
        case "NodeList": (items, kind) = (value["items"]?.array ?? [], "Node")
        case "Pod", "Node": (items, kind) = ([value], value["kind"]?.string ?? "")
        default: return nil
        }
        let columns: [(String, String, Int)] =
            kind == "Pod"
            ? [
                ("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0),
                ("Age", "string", 0), ("IP", "string", 1), ("Node", "string", 1),
            ]
            : [
                ("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0), ("Age", "string", 0),
                ("Version", "string", 0),
            ]
        let rows: [JSONValue] = items.map { item in
            let cells = kind == "Pod" ? podCells(item, now: now) : nodeCells(item, now: now)
            return .object([
                "cells": .array(cells.map(JSONValue.string)),
                "object": .object([
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": item["metadata"] ?? .object([:]),
                ]),
            ])
        }
        return .object([
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": .object(["resourceVersion": value[path: "metadata", "resourceVersion"] ?? ""]),
            "columnDefinitions": .array(
                columns.map { name, type, priority in
                    .object([
                        "name": .string(name), "type": .string(type), "format": name == "Name" ? "name" : "",
                        "description": "", "priority": .number(Double(priority)),
                    ])
                }),
            "rows": .array(rows),
        ])
    }

    private static func podCells(_ pod: JSONValue, now: Date) -> [String] {
        let statuses = pod[path: "status", "containerStatuses"]?.array ?? []
        let total = pod[path: "spec", "containers"]?.array?.count ?? 1
        let ready = statuses.filter { $0["ready"] == .bool(true) }.count
        var status = pod[path: "status", "phase"]?.string ?? "Pending"
        if let state = statuses.first?["state"] {
            if let reason = state["waiting"]?["reason"]?.string {
                status = reason
            } else if let reason = state["terminated"]?["reason"]?.string {
                status = reason
            }
        } else if status == "Pending", pod[path: "spec", "nodeName"] != nil {
            status = "ContainerCreating"
        }
        return [
            pod[path: "metadata", "name"]?.string ?? "", "\(ready)/\(total)", status, "0",
            age(pod[path: "metadata", "creationTimestamp"]?.string, now: now),
            pod[path: "status", "podIP"]?.string ?? "<none>", pod[path: "spec", "nodeName"]?.string ?? "<none>",
        ]
    }

    private static func nodeCells(_ node: JSONValue, now: Date) -> [String] {
        [
            node[path: "metadata", "name"]?.string ?? "", "Ready", "<none>",
            age(node[path: "metadata", "creationTimestamp"]?.string, now: now),
            node[path: "status", "nodeInfo", "kubeletVersion"]?.string ?? "",
        ]
    }

    /// kubectl's short age: `45s`, `3m12s`, `2h5m`, `3d`.
    static func age(_ timestamp: String?, now: Date) -> String {
        guard let timestamp, let date = try? Date(timestamp, strategy: .iso8601) else { return "<unknown>" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<120: return "\(seconds)s"
        case ..<600: return "\(seconds / 60)m\(seconds % 60)s"
        case ..<(3 * 3600): return "\(seconds / 60)m"
        case ..<(48 * 3600): return "\(seconds / 3600)h\((seconds % 3600) / 60)m"
        default: return "\(seconds / 86400)d"
        }
    }
}
