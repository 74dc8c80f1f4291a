/// Charts drawn on the server as inline SVG: no script, readable by screen readers through
/// their `<title>`, and the numbers beside them always in text as well.
public enum Charts {
    /// A horizontal bar for a 0–100 score, coloured by band; `nil` (no evidence) is drawn empty
    /// and labelled unknown, never as zero passing or as passing.
    public static func scoreBar(_ score: Int?, label: String, width: Int = 120) -> HTML {
        guard let score else {
            return """
                <svg class="bar" width="\(width)" height="10" viewBox="0 0 \(width) 10" role="img"><title>\(label): unknown, no evidence</title><rect width="\(width)" height="10" rx="3" class="bar-empty"/></svg>
                """
        }
        let clamped = max(0, min(100, score))
        let filled = width * clamped / 100
        return """
            <svg class="bar" width="\(width)" height="10" viewBox="0 0 \(width) 10" role="img"><title>\(label): \(clamped)%</title><rect width="\(width)" height="10" rx="3" class="bar-empty"/><rect width="\(filled)" height="10" rx="3" class="\(band(clamped))"/></svg>
            """
    }

    /// `good` (≥ 90), `fair` (≥ 70) or `poor`: the class a score is drawn with.
    public static func band(_ score: Int) -> String { score >= 90 ? "good" : score >= 70 ? "fair" : "poor" }

    /// A check's history, oldest first: one cell per observation, coloured by status.
    public static func sparkline(_ history: [StatusCell], label: String) -> HTML {
        guard !history.isEmpty else { return "<span class=\"muted\">no results yet</span>" }
        let cell = 6
        let width = max(1, history.count) * cell
        let cells = history.enumerated().map { index, item -> HTML in
            """
            <rect x="\(index * cell)" y="0" width="\(cell - 1)" height="12" class="s-\(item.status)"><title>\(item.label)</title></rect>
            """
        }
        return """
            <svg class="spark" width="\(width)" height="12" viewBox="0 0 \(width) 12" role="img"><title>\(label)</title>\(cells)</svg>
            """
    }

    /// One observation in a sparkline.
    public struct StatusCell: Sendable, Equatable {
        /// `pass`, `warn`, `fail`, `error` or `unknown` (a CSS class suffix).
        public var status: String
        /// What the cell's tooltip says.
        public var label: String

        public init(status: String, label: String) {
            self.status = status
            self.label = label
        }
    }
}
