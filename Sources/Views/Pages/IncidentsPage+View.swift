public import Compliance

extension IncidentsPage {
    public func render() -> HTML {
        let siteOptions = sites.map { site -> HTML in
            "<option value=\"\(site.id)\"\(site.id == selectedSite ? HTML(" selected") : "")>\(site.name)</option>"
        }
        let statusOptions = Incident.Status.allCases.map { status -> HTML in
            "<option value=\"\(status.rawValue)\"\(status == selectedStatus ? HTML(" selected") : "")>\(status.rawValue)</option>"
        }
        var back = "/incidents"
        var query: [String] = []
        if let selectedSite { query.append("site=" + selectedSite) }
        if let selectedStatus { query.append("status=" + selectedStatus.rawValue) }
        if !query.isEmpty { back += "?" + query.joined(separator: "&") }
        let notice: HTML? = self.notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"muted\">No incidents match.</p>" : Self.table(rows, now: now, layout: layout, back: back)
        return layout.page(
            title: "Incidents", live: true,
            """
            <h1>Incidents</h1>
            \(notice)
            <form class="filters" method="get" action="/incidents">
            <div><label for="site">Site</label><select id="site" name="site"><option value="">All sites</option>\(siteOptions)</select></div>
            <div><label for="status">State</label><select id="status" name="status"><option value="">Unresolved</option>\(statusOptions)</select></div>
            <button type="submit" class="secondary">Filter</button>
            </form>
            \(table)
            """)
    }

    /// The incidents table with its action forms; `back` is where an action returns to.
    public static func table(_ rows: [Row], now: Timestamp, layout: Layout, back: String) -> HTML {
        let body = rows.map { row(row: $0, now: now, layout: layout, back: back) }
        return Tables.table(["Priority", "Incident", "State", "SLA", "Actions"], rows: body)
    }

    static func row(row: Row, now: Timestamp, layout: Layout, back: String) -> HTML {
        var sla: HTML = "<span class=\"muted\">–</span>"
        if let due = row.due {
            let what = row.status == .open ? "acknowledge" : "resolve"
            sla =
                row.breached
                ? "<span class=\"breached\">\(what) was due \(Format.relative(due, from: now))</span>"
                : "<span>\(what) \(Format.relative(due, from: now))</span>"
        }
        var actions: [HTML] = []
        func form(_ verb: String, _ label: String, _ extra: HTML = "", secondary: Bool = false) -> HTML {
            """
            <form class="inline" method="post" action="/incidents/\(row.id)/\(verb)">\(layout.csrfField)<input type="hidden" name="back" value="\(back)">\(extra)<button type="submit"\(secondary ? HTML(" class=\"secondary\"") : "")>\(label)</button></form>
            """
        }
        if row.status == .open { actions.append(form("acknowledge", "Acknowledge", secondary: true)) }
        if let runbook = row.pendingRunbook, !row.pendingApproved, row.status != .resolved {
            actions.append(form("approve", "Approve \(runbook)"))
        }
        if row.status != .resolved {
            actions.append(
                """
                <details><summary>Resolve</summary>\(form("resolve", "Resolve", "<label for=\"note-\(row.id)\">Note</label><textarea id=\"note-\(row.id)\" name=\"note\" rows=\"2\" maxlength=\"2000\" required></textarea>"))</details>
                """)
        }
        let pending: HTML? = row.pendingRunbook.map { runbook in
            "<br><span class=\"muted\">Proposed fix: <code>\(runbook)</code>\(row.pendingApproved ? " (approved)" : "") — \(row.pendingReasoning ?? "")</span>"
        }
        let observed: HTML? = row.observed.map { " <span class=\"muted\">observed: \($0)</span>" }
        let note: HTML? = row.resolutionNote.map { "<br><span class=\"muted\">Resolved: \($0)</span>" }
        return """
            <tr><td><span class="badge \(row.priority <= .p2 ? "fail" : "warn")">\(row.priority.rawValue.uppercased())</span></td><td><strong>\(row.title)</strong><br><a href="/sites/\(row.siteID)">\(row.siteName)</a> · \(row.host) · <code>\(row.checkID)</code>\(observed)<br><span class="muted">\(row.context) · seen \(row.occurrences)× since \(Format.time(row.openedAt))</span>\(pending)\(note)</td><td>\(row.status.rawValue)</td><td>\(sla)</td><td>\(HTML.join(actions, separator: " "))</td></tr>

            """
    }
}
