import Compliance
import VigilAPI

extension SitePage {
    public func render() -> HTML {
        let hostRows = hosts.map(hostRow)
        let applianceRows = appliances.map { appliance -> HTML in
            let seen: HTML =
                appliance.lastCheckIn.map { "\(Format.relative($0, from: now))" }
                ?? "<span class=\"muted\">never</span>"
            return """
                <tr><td><code>\(appliance.id)</code></td><td><span class="badge \(appliance.status.rawValue)">\(appliance.status.rawValue)</span></td><td>\(seen)</td><td>\(appliance.version ?? "–")</td><td class="num">\(appliance.queueDepth.map { String($0) } ?? "–")</td></tr>

                """
        }
        let hostTable = Tables.table(
            ["Host", "Checks", "Failing"], rows: hostRows, empty: "No hosts registered.")
        let applianceTable = Tables.table(
            ["Appliance", "State", "Last check-in", "Version", .numeric("Queued bundles")], rows: applianceRows,
            empty: "No appliance enrolled.")
        let incidentTable: HTML =
            incidents.isEmpty
            ? "<p class=\"muted\">No open incidents.</p>"
            : IncidentsPage.table(incidents, now: now, layout: layout, back: "/sites/\(id)")
        let notice: HTML? = self.notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" }
        return layout.page(
            title: name, live: true,
            """
            <p class="muted"><a href="/">Fleet</a> › \(client)</p>
            <h1>\(name)</h1>
            \(notice)
            <h2>Compliance</h2>
            \(Score.table(scores))
            <p class="muted">Controls without evidence count as unknown, never as passing.</p>
            <h2>Hosts</h2>
            \(hostTable)
            <h2>Open incidents</h2>
            \(incidentTable)
            <h2>Appliances</h2>
            \(applianceTable)
            <form method="post" action="/sites/\(id)/claim-codes" class="filters">\(layout.csrfField)<button type="submit" class="secondary">New claim code</button> <a href="/sites/\(id)/orders">Orders sent to this site</a></form>
            <h2>Healing</h2>
            \(settingsForm)
            """)
    }

    /// Which runbooks may run here and when disruptive ones may: one form, CSRF-checked.
    var settingsForm: HTML {
        let boxes = runbooks.map { runbook -> HTML in
            let checked: HTML = runbook.enabled ? " checked" : ""
            let window: HTML? = runbook.needsWindow ? " <span class=\"badge warn\">window only</span>" : nil
            return """
                <li><label class="check"><input type="checkbox" name="enable:\(runbook.id)" value="on"\(checked)> <code>\(runbook.id)</code> \(runbook.title)\(window)</label></li>

                """
        }
        let days = MaintenanceWindow.dayNames.map { day -> HTML in
            let checked: HTML = window.days.contains(day) ? " checked" : ""
            return
                "<label class=\"check\"><input type=\"checkbox\" name=\"day:\(day)\" value=\"on\"\(checked)> \(day.prefix(1).uppercased() + day.dropFirst())</label> "
        }
        return """
            <form method="post" action="/sites/\(id)/settings">\(layout.csrfField)
            <fieldset><legend>Runbooks that may heal drift here</legend>
            <p class="muted">Unticked: drift is escalated to an incident instead.</p>
            <ul class="plain">
            \(boxes)</ul>
            </fieldset>
            <fieldset><legend>Maintenance window</legend>
            <p class="muted">Fixes marked "window only" run only inside it. No day ticked: no window, and those fixes wait.</p>
            <p>\(days)</p>
            <label for="window_start">From</label><input id="window_start" name="window_start" type="time" value="\(window.start)">
            <label for="window_end">Until</label><input id="window_end" name="window_end" type="time" value="\(window.end)">
            <label for="window_time_zone">Time zone</label><input id="window_time_zone" name="window_time_zone" type="text" value="\(window.timeZone)" placeholder="America/Chicago">
            </fieldset>
            <p><button type="submit">Save healing settings</button></p>
            </form>
            """
    }

    func hostRow(_ host: Host) -> HTML {
        var counts: [String: Int] = [:]
        for check in host.checks { counts[check.status, default: 0] += 1 }
        let summary = ["pass", "warn", "fail", "error", "unknown"].compactMap { status -> HTML? in
            guard let count = counts[status] else { return nil }
            return "<span class=\"\(status)\">\(count) \(status)</span>"
        }
        let failing = host.checks.filter { $0.status == "fail" || $0.status == "error" }.map { check -> HTML in
            let observed: HTML? = check.observed.map { " <span class=\"muted\">(\($0))</span>" }
            return "<li>\(check.title)\(observed)</li>"
        }
        let credential: HTML? = host.hasCredential ? nil : " <span class=\"badge warn\">no credential</span>"
        let failingList: HTML = failing.isEmpty ? "<span class=\"muted\">none</span>" : "<ul>\(failing)</ul>"
        return """
            <tr><th scope="row"><a href="/hosts/\(host.id)">\(host.name)</a>\(credential)<br><span class="muted">\(host.platform)\(host.address.map { " · " + $0 } ?? "")</span></th><td>\(HTML.join(summary, separator: " · "))</td><td>\(failingList)</td></tr>

            """
    }
}

extension SitePage.Score {
    /// The scores as a table: one row per framework, its bar and its controls by state; a
    /// framework without evidence reads "unknown", never 0 %.
    public static func table(_ scores: [SitePage.Score]) -> HTML {
        let rows = scores.map { score -> HTML in
            let text: HTML = score.score.map { "\($0)%" } ?? "<span class=\"unknown\">unknown</span>"
            let counts = [ControlStatus.pass, .warn, .fail, .unknown].compactMap { status -> HTML? in
                guard let count = score.counts[status], count > 0 else { return nil }
                return "<span class=\"\(status.rawValue)\">\(count) \(status.rawValue)</span>"
            }
            return """
                <tr><th scope="row">\(score.framework.displayName)</th><td>\(Charts.scoreBar(score.score, label: score.framework.displayName)) \(text)</td><td>\(HTML.join(counts, separator: " · "))</td></tr>

                """
        }
        return Tables.table(["Framework", "Score", "Controls"], rows: rows)
    }
}
