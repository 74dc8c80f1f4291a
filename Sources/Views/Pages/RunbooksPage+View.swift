extension RunbooksPage {
    public func render() -> HTML {
        let rows = runbooks.map { runbook -> HTML in
            var flags: [HTML] = []
            if runbook.disruptive { flags.append("<span class=\"badge fail\">disruptive</span>") }
            if runbook.needsWindow { flags.append("<span class=\"badge warn\">window only</span>") }
            if runbook.sensitive { flags.append("<span class=\"badge warn\">needs a person after L2</span>") }
            let parameters = runbook.parameters.map { parameter -> HTML in
                let fallback: HTML? = parameter.defaultValue.map { ", default <code>\($0)</code>" }
                return
                    "<li><code>\(parameter.name)</code> (\(parameter.kind)\(fallback)): \(parameter.description)</li>"
            }
            let parameterList: HTML =
                parameters.isEmpty ? "<span class=\"muted\">none</span>" : "<ul>\(parameters)</ul>"
            let heals = HTML.join(runbook.heals.map { "<code>\($0)</code>" }, separator: ", ")
            return """
                <tr><th scope="row"><code>\(runbook.id)</code><br>\(runbook.title)<br><span class="muted">\(runbook.platform) · at most \(runbook.timeoutSeconds) s</span></th><td>\(heals)</td><td>\(HTML.join(flags, separator: " "))</td><td>\(parameterList)</td><td class="muted">\(runbook.controls.joined(separator: ", "))</td></tr>

                """
        }
        return layout.page(
            title: "Runbooks",
            """
            <h1>Runbooks</h1>
            <p class="muted">Each runbook detects the drift, captures the state it changes, fixes it, verifies the fix and restores the captured state when verification fails. Parameters reach its scripts only as environment variables. A site runs only the runbooks it enables (on the site's page).</p>
            \(Tables.table(["Runbook", "Heals", "Care", "Parameters", "Controls"], rows: rows, empty: "The catalogue is empty."))
            """)
    }
}
