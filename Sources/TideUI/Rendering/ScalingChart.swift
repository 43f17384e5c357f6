import Foundation

/// A line chart of one queue (or node pool) over time: waiting and running work against desired
/// and actual workers (or nodes), drawn as SVG with a legend that names every line in words.
struct ScalingChart {
    struct Line {
        var key: String
        var label: String
        var values: [Double?]
        var dashed = false
    }

    static let width = 640.0
    static let height = 180.0
    static let margin = 34.0

    var title: String
    var times: [Double]
    var lines: [Line]

    func svg() -> String {
        guard let first = times.first, let last = times.last else {
            return "<p class=\"muted\">No samples yet: the chart fills as the scheduler publishes scaling reports.</p>"
        }
        let top = max(1, lines.flatMap(\.values).compactMap { $0 }.max() ?? 1)
        let span = max(1, last - first)
        func x(_ time: Double) -> Double { Self.margin + (time - first) / span * (Self.width - Self.margin - 8) }
        func y(_ value: Double) -> Double { Self.height - 20 - value / top * (Self.height - 36) }
        var out = """
            <svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" \
            role="img" aria-label="\(HTML.escape(title))">
            <line class="axis-line" x1="\(Self.margin)" y1="\(y(0))" x2="\(Self.width - 8)" y2="\(y(0))"/>
            <text class="axis" x="\(Self.margin - 4)" y="\(y(top) + 4)" text-anchor="end">\(Int(top))</text>
            <text class="axis" x="\(Self.margin - 4)" y="\(y(0) + 4)" text-anchor="end">0</text>
            <text class="axis" x="\(Self.margin)" y="\(Self.height - 4)">\(Format.clock(first))</text>
            <text class="axis" x="\((Self.margin + Self.width - 8) / 2)" y="\(Self.height - 4)" \
            text-anchor="middle">\(Format.clock(first + span / 2))</text>
            <text class="axis" x="\(Self.width - 8)" y="\(Self.height - 4)" text-anchor="end">\(Format.clock(last))</text>
            """
        for line in lines {
            var path = ""
            var pen = false
            // Steps, not slopes: a sample holds until the next one.
            for (index, value) in line.values.enumerated() {
                guard let value else {
                    pen = false
                    continue
                }
                let point = String(format: "%.1f,%.1f", x(times[index]), y(value))
                path += pen ? String(format: " H%.1f V%.1f", x(times[index]), y(value)) : " M" + point
                pen = true
            }
            if !path.isEmpty {
                out +=
                    "<path class=\"series \(line.key)\(line.dashed ? " dashed" : "")\" d=\"\(path)\"><title>\(HTML.escape(line.label))</title></path>"
            }
        }
        return out + "</svg>"
    }
}
