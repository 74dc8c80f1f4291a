/// One control of one framework, such as HIPAA `164.312(b)` or CIS `8.2`.
public struct ControlReference: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let framework: Framework
    public let control: String

    public init(framework: Framework, control: String) throws(DomainError) {
        let text = "\(framework.rawValue):\(control)"
        guard !control.isEmpty, control.utf8.count <= 64,
            control.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw DomainError.invalidControlReference(text)
        }
        self.framework = framework
        self.control = control
    }

    /// Parses `framework:control`, e.g. `hipaa:164.312(b)`.
    public init(parsing text: String) throws(DomainError) {
        guard let colon = text.firstIndex(of: ":"),
            let framework = Framework(rawValue: String(text[..<colon]))
        else {
            throw DomainError.invalidControlReference(text)
        }
        try self.init(framework: framework, control: String(text[text.index(after: colon)...]))
    }

    public var description: String { "\(framework.rawValue):\(control)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let framework = try container.decode(Framework.self, forKey: .framework)
        let control = try container.decode(String.self, forKey: .control)
        do {
            try self.init(framework: framework, control: control)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .control, in: container, debugDescription: error.description)
        }
    }

    enum CodingKeys: String, CodingKey {
        case framework, control
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}
