extension BundlePage {
    public func render() -> HTML {
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
            <div class="table-wrap"><table><thead><tr><th scope="col">Check</th><th scope="col">State</th><th scope="col">Observed</th></tr></thead><tbody>
            \(resultRows)</tbody></table></div>
            """
        let stepTable: HTML =
            steps.isEmpty
            ? ""
            : """
            <h2>Steps</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col">Step</th><th scope="col">Runbook</th><th scope="col" class="num">Exit</th><th scope="col" class="num">Took</th><th scope="col">Excerpt (scrubbed)</th></tr></thead><tbody>
            \(stepRows)</tbody></table></div>
            """
        return layout.page(
            title: "Evidence \(id)",
            """
            <p class="muted"><a href="/">Fleet</a> › <a href="/sites/\(siteID)">\(siteName)</a> › <a href="/hosts/\(hostID)">\(hostName)</a></p>
            <h1>Evidence <code>\(id)</code></h1>
            <p>\(verdict)</p>
            <dl>
            <dt>Kind</dt><dd>\(kind), outcome \(outcome)</dd>
            <dt>Observed</dt><dd>\(Format.time(observedAt))</dd>
            <dt>Chain</dt><dd>appliance <code>\(appliance)</code>, sequence \(sequence)</dd>
            <dt>SHA-256</dt><dd><code>\(hash)</code></dd>
            <dt>Previous</dt><dd><code>\(previousHash)</code></dd>
            </dl>
            <p><a class="button" href="/evidence/\(id)/download" download>Download the signed bytes</a> <span class="muted">Exactly as the appliance signed them; their SHA-256 is the hash above. For an offline check of a whole chain use <code>vigil evidence export</code> and <code>vigil verify</code>.</span></p>
            \(resultTable)
            \(stepTable)
            """)
    }
}
