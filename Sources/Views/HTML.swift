/// A fragment of HTML. Text interpolated into it is escaped; only another `HTML` value goes in
/// as it is. String literals in the source are trusted markup; everything else — names, notes,
/// messages, anything a tenant, a host or an appliance wrote — is escaped by default.
/// `HTML.unsafeRaw` is the one way around that, for markup this target builds itself.
public struct HTML: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public private(set) var text: String

    public var description: String { text }

    public init(stringLiteral value: String) { text = value }

    public init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    /// Markup inserted without escaping. Audited: every caller passes text this target made.
    public static func unsafeRaw(_ markup: String) -> HTML {
        var html = HTML(stringLiteral: "")
        html.text = markup
        return html
    }

    /// `items` one after another.
    public static func join(_ items: some Sequence<HTML>, separator: HTML = "") -> HTML {
        var text = ""
        var first = true
        for item in items {
            if !first { text += separator.text }
            text += item.text
            first = false
        }
        return .unsafeRaw(text)
    }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// Text: escaped for element content and quoted attribute values alike.
        public mutating func appendInterpolation(_ value: String) { HTML.escape(value, into: &text) }

        public mutating func appendInterpolation(_ value: Substring) { HTML.escape(value, into: &text) }

        /// Numbers need no escaping.
        public mutating func appendInterpolation<Number: BinaryInteger>(_ value: Number) { text += String(value) }

        public mutating func appendInterpolation(_ html: HTML) { text += html.text }

        public mutating func appendInterpolation(_ list: [HTML]) {
            for item in list { text += item.text }
        }

        /// Optional markup: nothing when nil.
        public mutating func appendInterpolation(_ html: HTML?) { text += html?.text ?? "" }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and in quoted attributes.
    static func escape(_ value: some StringProtocol, into text: inout String) {
        // Most text needs nothing: append it whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || Self.special.contains($0) }) {
            text += value
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\"": text += "&quot;"
            case "'": text += "&#39;"
            // Control characters other than tab and newlines cannot appear in HTML text.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": text += "\u{FFFD}"
            default: text.unicodeScalars.append(scalar)
            }
        }
    }

    /// `&`, `<`, `>`, `"`, `'`.
    private static let special: Set<UInt8> = [0x26, 0x3C, 0x3E, 0x22, 0x27]
}
