import TideCore

/// How a state shows: Airflow's colour (a CSS class) and, for colour-blind users, a symbol and a word.
struct StateStyle: Sendable, Hashable {
    /// The state's name as Airflow spells it ("none" for no state yet).
    var name: String
    var symbol: String
    var label: String

    var cssClass: String { "s-" + name }

    init(_ state: TaskState) {
        name = state.rawValue
        (symbol, label) =
            switch state {
            case .none: ("·", "no status")
            case .scheduled: ("◌", "scheduled")
            case .queued: ("◷", "queued")
            case .running: ("▶", "running")
            case .success: ("✓", "success")
            case .failed: ("✕", "failed")
            case .upForRetry: ("↻", "up for retry")
            case .upForReschedule: ("⟳", "up for reschedule")
            case .skipped: ("»", "skipped")
            case .upstreamFailed: ("⚠", "upstream failed")
            }
    }

    init(_ state: DagRunState) {
        name = state.rawValue
        (symbol, label) =
            switch state {
            case .queued: ("◷", "queued")
            case .running: ("▶", "running")
            case .success: ("✓", "success")
            case .failed: ("✕", "failed")
            }
    }

    /// A state read from a log or timeline row, where it is text.
    init(text: String) {
        if let state = TaskState(rawValue: text) {
            self.init(state)
        } else if let outcome = TryOutcome(rawValue: text) {
            // A try's own ending (handed back, a sensor's timeout): the state it stands for.
            self.init(outcome.taskState)
            label += " (\(text.replacingOccurrences(of: "_", with: " ")))"
        } else {
            self.init(name: text, symbol: "?", label: text)
        }
    }

    init(name: String, symbol: String, label: String) {
        self.name = name
        self.symbol = symbol
        self.label = label
    }

    /// A badge: the symbol and the word on the state's colour.
    var badge: String {
        "<span class=\"badge \(cssClass)\"><span aria-hidden=\"true\">\(symbol)</span> \(HTML.escape(label))</span>"
    }

    /// The model a template renders a badge from.
    var model: [String: Any] { ["class": cssClass, "symbol": symbol, "label": label, "name": name] }
}
