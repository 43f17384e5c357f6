import Foundation
import TideCore
import TidePostgres

/// Renders a task's templates (`bash`, each `command` argument, `env` values, pod and sensor
/// fields) for one try.
enum TaskTemplates {
    /// The task with its templates rendered.
    /// - Throws: ``TemplateError`` naming the field and what is wrong.
    static func render(
        _ task: TaskSpec, dag: DAG, claimed: TaskInstanceStore.ClaimedTry, tryNumber: Int, defaultTimeZone: String,
        xcoms: [XComPull: JSONValue] = [:]
    ) throws(TemplateError) -> TaskSpec {
        // Most tasks have no template at all: no context to build, nothing to parse.
        guard task.templatedTexts.contains(where: TemplateRenderer.containsTemplate) else { return task }
        var context = Self.context(
            task: task, dag: dag, claimed: claimed, tryNumber: tryNumber, defaultTimeZone: defaultTimeZone)
        context.xcoms = xcoms
        context.mapIndex = claimed.mapIndex
        context.expanded = claimed.mapItem
        func render(_ text: String, _ field: String) throws(TemplateError) -> String {
            do {
                return try TemplateRenderer.render(text, context: context)
            } catch {
                throw TemplateError(message: "template error in \(field): \(error.message)")
            }
        }
        var rendered = task
        switch task.kind {
        case .bash(let script): rendered.kind = .bash(try render(script, "bash"))
        case .command(let argv):
            var arguments: [String] = []
            for (index, argument) in argv.enumerated() { arguments.append(try render(argument, "command[\(index)]")) }
            rendered.kind = .command(arguments)
        case .kubernetesPod(var pod):
            pod.image = try render(pod.image, "image")
            pod.cmds = try pod.cmds.enumerated().map { index, text throws(TemplateError) in
                try render(text, "cmds[\(index)]")
            }
            pod.arguments = try pod.arguments.enumerated().map { index, text throws(TemplateError) in
                try render(text, "arguments[\(index)]")
            }
            for (name, value) in pod.env { pod.env[name] = try render(value, "env \(name)") }
            rendered.kind = .kubernetesPod(pod)
        case .sensor(var sensor):
            switch sensor.check {
            case .bash(let script): sensor.check = .bash(try render(script, "sensor bash"))
            case .command(let argv):
                sensor.check = .command(
                    try argv.enumerated().map { index, text throws(TemplateError) in
                        try render(text, "sensor command[\(index)]")
                    })
            case .file(let path): sensor.check = .file(try render(path, "sensor file"))
            case .http(var check):
                check.url = try render(check.url, "sensor url")
                if let text = check.responseContains { check.responseContains = try render(text, "response_contains") }
                sensor.check = .http(check)
            case .externalTask: break
            }
            rendered.kind = .sensor(sensor)
        case .empty: break
        }
        for (name, value) in task.env { rendered.env[name] = try render(value, "env \(name)") }
        return rendered
    }

    /// Every field of the task that is rendered.
    static func context(
        task: TaskSpec, dag: DAG, claimed: TaskInstanceStore.ClaimedTry, tryNumber: Int, defaultTimeZone: String
    ) -> TemplateContext {
        var conf: [String: JSONValue] = [:]
        if case .object(let fields)? = try? JSONValue.parse(claimed.conf) { conf = fields }
        let logicalDate = Date(timeIntervalSince1970: claimed.logicalDate)
        let timetable = dag.timetable(defaultTimeZone: defaultTimeZone)
        return TemplateContext(
            dagId: dag.dagId, taskId: task.taskId, runId: claimed.runName, runType: claimed.runType,
            tryNumber: tryNumber,
            logicalDate: logicalDate,
            dataIntervalStart: claimed.dataIntervalStart.map(Date.init(timeIntervalSince1970:)),
            dataIntervalEnd: claimed.dataIntervalEnd.map(Date.init(timeIntervalSince1970:)),
            previousLogicalDate: timetable?.previousFireTime(before: logicalDate),
            nextLogicalDate: timetable?.nextFireTime(after: logicalDate),
            params: dag.params.merging(conf) { _, run in run }, conf: conf,
            timeZone: dag.templateTimeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(secondsFromGMT: 0)
                ?? .current)
    }
}
