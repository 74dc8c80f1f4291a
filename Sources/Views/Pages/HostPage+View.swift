extension HostPage {
    public func render() -> HTML {
        let rows = checks.map { check -> HTML in
            let observed: HTML =
                check.status == "unknown" && check.bundleID == nil
                ? "<span class=\"muted\">unknown: no evidence yet</span>"
                : "\(check.observed ?? "")"
            let proof: HTML =
                check.bundleID.map { bundle in
                    let when = check.observedAt.map { Format.relative($0, from: now) } ?? ""
                    return "<a href=\"/evidence/\(bundle)\">\(when)</a>"
                } ?? "<span class=\"muted\">–</span>"
            return """
                <tr><th scope="row">\(check.title)<br><code class="muted">\(check.id)</code></th><td><span class="badge \(check.status)">\(check.status)</span></td><td>\(observed)</td><td>\(Charts.sparkline(check.history, label: "\(check.title): last \(check.history.count) results"))</td><td>\(proof)</td></tr>

                """
        }
        let bundleRows = bundles.map { bundle -> HTML in
            """
            <tr><td><a href="/evidence/\(bundle.id)"><code>\(bundle.id)</code></a></td><td>\(bundle.kind)</td><td><span class="badge \(bundle.outcome == "success" ? "pass" : bundle.outcome == "alert" || bundle.outcome == "failed" ? "fail" : "warn")">\(bundle.outcome)</span></td><td>\(Format.time(bundle.observedAt))</td><td><code>\(bundle.appliance)</code> #\(bundle.sequence)</td></tr>

            """
        }
        let bundleTable = Tables.table(
            ["Bundle", "Kind", "Outcome", "Observed", "Appliance"], rows: bundleRows, empty: "No evidence yet.")
        return layout.page(
            title: name, live: true,
            """
            <p class="muted"><a href="/">Fleet</a> › <a href="/sites/\(siteID)">\(siteName)</a></p>
            <h1>\(name)</h1>
            <p class="muted">\(platform)\(address.map { " · " + $0 } ?? "")</p>
            \(notice.map { "<p class=\"tile\" role=\"status\">\($0)</p>" as HTML })
            <h2>Checks</h2>
            \(Tables.table(["Check", "State", "Observed", "History", "Evidence"], rows: rows))
            <h2>Recent evidence</h2>
            \(bundleTable)
            <h2>Credential</h2>
            \(credentialForm)
            """)
    }

    /// The scanning credential: written here, never read back (only its kind and user name).
    var credentialForm: HTML {
        let current: HTML =
            credential.map {
                "<p>Set: <code>\($0.kind)</code> for user <code>\($0.username)</code>. The secret is sealed and never shown; saving replaces it.</p>"
            } ?? "<p class=\"warn\">None: the appliance cannot scan this host until one is set.</p>"
        return """
            \(current)
            <form method="post" action="/hosts/\(id)/credential" autocomplete="off">\(layout.csrfField)
            <label for="kind">Kind</label><select id="kind" name="kind"><option value="ssh_private_key">SSH private key (OpenSSH format)</option><option value="password">Password</option></select>
            <label for="username">User name</label><input id="username" name="username" type="text" required maxlength="64">
            <label for="secret">Key or password</label><textarea id="secret" name="secret" rows="4" required spellcheck="false"></textarea>
            <p><button type="submit">Save credential</button></p>
            </form>
            """
    }
}
