/// Comparing secrets without a timing hint (they are made by `Compliance.RandomHex`).
enum RandomSecrets {
    /// Whether two secrets are equal, without stopping at the first difference (no timing hint).
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
