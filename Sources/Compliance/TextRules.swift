/// Rules for free text that people type (names, time zones, addresses): storage refuses what
/// would be truncated, mangled or mistaken for markup in some backend or log.
public enum TextRules {
    /// A name: 1–200 characters, no control characters (NUL, newlines, escapes…).
    public static func checkName(_ text: String, field: String) throws(StoreError) {
        guard !text.isEmpty, text.count <= 200 else {
            throw .invalid("\(field) must be 1–200 characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("\(field) must not contain control characters")
        }
    }

    /// Optional text under the same rules.
    public static func checkOptionalName(_ text: String?, field: String) throws(StoreError) {
        if let text { try checkName(text, field: field) }
    }

    /// Longer free text (results, notes): up to 4,000 characters; newlines and tabs allowed,
    /// other control characters not.
    public static func checkLongText(_ text: String, field: String) throws(StoreError) {
        guard text.count <= 4000 else { throw .invalid("\(field) must be at most 4000 characters") }
        let allowed: Set<Unicode.Scalar> = ["\n", "\t"]
        guard
            !text.unicodeScalars.contains(where: {
                $0.properties.generalCategory == .control && !allowed.contains($0)
            })
        else { throw .invalid("\(field) must not contain control characters other than newline and tab") }
    }
}
