import Compliance

extension FleetPage {
    public func render() -> HTML {
        let appliances = sites.reduce(into: [ApplianceStatus: Int]()) { total, site in
            for (status, count) in site.appliances { total[status, default: 0] += count }
        }
        let open = sites.reduce(0) { $0 + $1.openIncidents }
        let breached = sites.reduce(0) { $0 + $1.breachedIncidents }
        let failing = sites.reduce(0) { $0 + $1.failingChecks }
        let offline = (appliances[.offline] ?? 0) + (appliances[.never] ?? 0)
        let columns: [Tables.Column] =
            ["Site"] + frameworks.map { Tables.Column($0.displayName) } + [
                .numeric("Failing checks"), "Appliances", "Incidents",
            ]
        let table = Tables.table(
            columns, rows: sites.map(row),
            empty: "No sites yet. Create a client and a site, then enrol an appliance with a claim code.",
            caption: "\(sites.count) sites, as of \(Format.time(now))")
        return layout.page(
            title: "Fleet", live: true,
            """
            <h1>Fleet</h1>
            <section class="summary" aria-label="Totals">
            <div class="tile"><span class="muted">Sites</span><strong>\(sites.count)</strong></div>
            <div class="tile"><span class="muted">Failing checks</span><strong class="\(failing > 0 ? "fail" : "pass")">\(failing)</strong></div>
            <div class="tile"><span class="muted">Appliances online</span><strong>\(appliances[.online] ?? 0)</strong><span class="muted">\(appliances[.stale] ?? 0) stale · \(offline) offline</span></div>
            <div class="tile"><span class="muted">Open incidents</span><strong>\(open)</strong><span class="\(breached > 0 ? "breached" : "muted")">\(breached) past SLA</span></div>
            </section>
            \(table)
            """)
    }

    func row(_ site: Site) -> HTML {
        let scores = zip(frameworks, site.scores).map { framework, score -> HTML in
            let text: HTML = score.map { "\($0)%" } ?? "<span class=\"unknown\">unknown</span>"
            return "<td>\(Charts.scoreBar(score, label: framework.displayName, width: 80)) \(text)</td>"
        }
        var states: [HTML] = []
        for status in [ApplianceStatus.online, .stale, .offline, .never] {
            if let count = site.appliances[status], count > 0 {
                states.append("<span class=\"badge \(status.rawValue)\">\(count) \(status.rawValue)</span> ")
            }
        }
        if states.isEmpty { states = ["<span class=\"muted\">none enrolled</span>"] }
        var incidents: HTML = "<span class=\"muted\">none open</span>"
        if site.openIncidents > 0 {
            let due: HTML? = site.nextDue.map { due in
                due.millisecondsSinceEpoch < now.millisecondsSinceEpoch
                    ? " <span class=\"breached\">SLA passed \(Format.relative(due, from: now))</span>"
                    : " <span class=\"muted\">next due \(Format.relative(due, from: now))</span>"
            }
            incidents = "<a href=\"/incidents?site=\(site.id)\">\(site.openIncidents) open</a>\(due)"
        }
        return """
            <tr><th scope="row"><a href="/sites/\(site.id)">\(site.name)</a><br><span class="muted">\(site.client) · \(site.partner) · \(site.hosts) hosts</span></th>\(scores)<td class="num \(site.failingChecks > 0 ? "fail" : "")">\(site.failingChecks)</td><td>\(states)</td><td>\(incidents)</td></tr>

            """
    }
}
