extension TaskSpec {
    /// Every field of the task that is a template.
    public var templatedTexts: [String] {
        var texts = Array(env.values)
        switch kind {
        case .bash(let script): texts.append(script)
        case .command(let argv): texts += argv
        case .kubernetesPod(let pod): texts += [pod.image] + pod.cmds + pod.arguments + Array(pod.env.values)
        case .sensor(let sensor): texts += sensor.check.templatedTexts
        case .empty: break
        }
        return texts
    }

    /// The other tasks' results its templates pull (``XComPull``), each once.
    public var xcomPulls: [XComPull] {
        var pulls: [XComPull] = []
        for text in templatedTexts where text.contains("xcom_pull") {
            for pull in XComPull.pulls(in: text) where !pulls.contains(pull) { pulls.append(pull) }
        }
        return pulls
    }
}
