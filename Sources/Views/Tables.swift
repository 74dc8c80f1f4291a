/// The one way pages draw a data table: column headers, the rows, a scrolling frame for narrow
/// screens, and a sentence instead of an empty table.
public enum Tables {
    /// A column header; `numeric` right-aligns it like its cells.
    public struct Column: Sendable, ExpressibleByStringLiteral {
        public var title: String
        public var numeric: Bool

        public init(_ title: String, numeric: Bool = false) {
            self.title = title
            self.numeric = numeric
        }

        public init(stringLiteral title: String) { self.init(title) }

        public static func numeric(_ title: String) -> Column { Column(title, numeric: true) }
    }

    /// `rows` under `columns`; `empty` (a sentence, shown muted) when there are none.
    public static func table(_ columns: [Column], rows: [HTML], empty: String? = nil, caption: String? = nil) -> HTML {
        if rows.isEmpty, let empty { return "<p class=\"muted\">\(empty)</p>" }
        let headers = columns.map { column -> HTML in
            column.numeric
                ? "<th scope=\"col\" class=\"num\">\(column.title)</th>" : "<th scope=\"col\">\(column.title)</th>"
        }
        let caption: HTML? = caption.map { "<caption class=\"muted\">\($0)</caption>" }
        return """
            <div class="table-wrap"><table>\(caption)<thead><tr>\(headers)</tr></thead><tbody>
            \(rows)</tbody></table></div>
            """
    }
}
