/// One numbered schema change. Released migrations never change: each carries a checksum of its
/// SQL, and `Migrator` refuses to start when an applied migration's checksum differs.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// The statements, spelled for the dialect given.
    public let statements: @Sendable (SQLDialectNames) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (SQLDialectNames) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// FNV-1a 64 of the statements: a change detector, not a security control.
    func checksum(_ names: SQLDialectNames) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in statements(names).joined(separator: ";\n").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let text = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
