extension AuditPage {
    public func render() -> HTML {
        let rows = entries.map { entry -> HTML in
            """
            <tr><td>\(Format.time(entry.at))</td><td><code>\(entry.actor)</code></td><td>\(entry.action)</td><td><code>\(entry.target)</code></td><td>\(entry.detail)</td></tr>

            """
        }
        let table = Tables.table(
            ["When", "Who", "Did", "To", "Detail"], rows: rows, empty: "Nothing recorded.")
        let more: HTML? = older.map { "<p><a href=\"/audit?before=\($0)\">Older entries</a></p>" }
        return layout.page(
            title: "Audit log",
            """
            <h1>Audit log</h1>
            \(table)
            \(more)
            """)
    }
}
