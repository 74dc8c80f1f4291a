/// Where a check runs: the appliance itself, or a Linux or Windows host it looks after.
public enum Platform: String, Codable, Sendable, CaseIterable, Comparable {
    case appliance
    case linux
    case windows

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
