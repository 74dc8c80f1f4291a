import VigilAPI

extension LearningPage {
    public func render() -> HTML {
        let patterns = overview.patterns.map { pattern -> HTML in
            let rate = pattern.occurrences == 0 ? 0 : pattern.verified * 100 / pattern.occurrences
            return """
                <tr><td><code>\(pattern.checkID)</code></td><td><code>\(pattern.runbook)</code> \(Self.parameters(pattern.parameters))</td><td class="num">\(pattern.occurrences)</td><td class="num">\(rate) %</td><td>\(pattern.lastSeen)</td></tr>

                """
        }
        let rules = overview.rules.map { rule -> HTML in
            var actions: [HTML] = []
            if rule.status == "proposed" {
                for (verb, label, secondary) in [("approve", "Approve", false), ("reject", "Reject", true)] {
                    actions.append(
                        """
                        <form class="inline" method="post" action="/learning/rules/\(rule.id)/\(verb)">\(layout.csrfField)<button type="submit"\(secondary ? HTML(" class=\"secondary\"") : "")>\(label)</button></form>
                        """)
                }
            }
            let decided: HTML? = rule.decidedBy.map { by in
                "<br><span class=\"muted\">\(rule.status) by \(by)\(rule.decidedAt.map { " at " + $0 } ?? "")</span>"
            }
            return """
                <tr><td><code>\(rule.id)</code></td><td><code>\(rule.checkID)</code> → <code>\(rule.runbook)</code> \(Self.parameters(rule.parameters))</td><td><span class="badge \(Self.badge(rule.status))">\(rule.status)</span>\(decided)</td><td class="num">\(rule.runs)</td><td class="num">\(rule.failures)</td><td>\(HTML.join(actions, separator: " "))</td></tr>

                """
        }
        let notice: HTML? = self.notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" }
        let patternTable = Tables.table(
            ["Check", "Fix", .numeric("Runs"), .numeric("Verified"), "Last seen"], rows: patterns,
            empty: "No fixes reported yet. Only real runs count, never seeded data.")
        let ruleTable = Tables.table(
            ["Rule", "Heals", "State", .numeric("Runs"), .numeric("Failures"), "Decide"], rows: rules,
            empty: "No rule proposed yet: a fix is proposed after 5 runs with at least 90 % verified.")
        return layout.page(
            title: "Learning", live: true,
            """
            <h1>Learning</h1>
            \(notice)
            <p class="muted">Rule set revision \(overview.revision). Promoted rules are signed and synced to every appliance; one that fails more than 20 % of at least 3 runs is disabled on its own.</p>
            <h2>Rules</h2>
            \(ruleTable)
            <h2>Fixes the fleet reported</h2>
            \(patternTable)
            """)
    }

    static func parameters(_ parameters: [String: String]) -> HTML {
        guard !parameters.isEmpty else { return "" }
        let text = parameters.keys.sorted().map { "\($0)=\(parameters[$0] ?? "")" }.joined(separator: ", ")
        return "<span class=\"muted\">(\(text))</span>"
    }

    static func badge(_ status: String) -> String {
        switch status {
        case "active": "pass"
        case "proposed": "warn"
        default: "fail"
        }
    }
}
