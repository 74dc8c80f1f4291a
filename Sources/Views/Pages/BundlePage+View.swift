extension BundlePage {
    public func render() -> HTML {
        // The portal has no site or host pages: its trail leads back to the practice's status.
        let trail: HTML =
            layout.root.isEmpty
            ? "<a href=\"/\">Fleet</a> › <a href=\"/sites/\(siteID)\">\(siteName)</a> › <a href=\"/hosts/\(hostID)\">\(hostName)</a>"
            : "<a href=\"\(layout.home)\">\(siteName)</a> › \(hostName)"
        let verdict: HTML =
            signatureVerifies
            ? "<span class=\"badge pass\">signature verifies</span> with the appliance's key for sequence \(sequence)"
            : "<span class=\"badge fail\">signature does not verify</span> — report this: stored evidence must never change"
        let resultRows = results.map { result -> HTML in
            "<tr><td><code>\(result.check)</code></td><td><span class=\"badge \(result.status)\">\(result.status)</span></td><td>\(result.observed ?? "")</td></tr>\n"
        }
        let stepRows = steps.map { step -> HTML in
            "<tr><td>\(step.step)</td><td>\(step.runbook ?? "")</td><td class=\"num\">\(step.exitCode)</td><td class=\"num\">\(step.milliseconds) ms</td><td>\(step.excerpt ?? "")</td></tr>\n"
        }
        let resultTable: HTML =
            results.isEmpty
            ? ""
            : """
            <h2>Check results</h2>
            \(Tables.table(["Check", "State", "Observed"], rows: resultRows))
            """
        let stepTable: HTML =
            steps.isEmpty
            ? ""
            : """
            <h2>Steps</h2>
            \(Tables.table(["Step", "Runbook", .numeric("Exit"), .numeric("Took"), "Excerpt (scrubbed)"], rows: stepRows))
            """
        return layout.page(
            title: "Evidence \(id)",
            """
            <p class="muted">\(trail)</p>
            <h1>Evidence <code>\(id)</code></h1>
            <p>\(verdict)</p>
            <dl>
            <dt>Kind</dt><dd>\(kind), outcome \(outcome)</dd>
            <dt>Observed</dt><dd>\(Format.time(observedAt))</dd>
            <dt>Chain</dt><dd>appliance <code>\(appliance)</code>, sequence \(sequence)</dd>
            <dt>SHA-256</dt><dd><code>\(hash)</code></dd>
            <dt>Previous</dt><dd><code>\(previousHash)</code></dd>
            </dl>
            <p><a class="button" href="\(layout.root)/evidence/\(id)/download" download>Download the signed bytes</a> <span class="muted">Exactly as the appliance signed them; their SHA-256 is the hash above. For an offline check of a whole chain use <code>vigil evidence export</code> and <code>vigil verify</code>.</span></p>
            \(resultTable)
            \(stepTable)
            """)
    }
}
