/// One replacement of an appliance's Ed25519 key (ADR 0012). Bundles from `fromSequence` on are
/// signed with `newKey`; earlier ones stay signed with the keys before it. Both keys sign the same
/// statement (`KeyRotationStatement` in VigilAPI): the old key endorses its successor, the new key
/// proves possession, so trust carries across the boundary in either direction.
public struct ApplianceKeyRotation: Equatable, Sendable {
    public var applianceID: Appliance.ID
    /// Base64 of the 32-byte Ed25519 public keys.
    public var oldKey: String
    public var newKey: String
    /// The first sequence the new key signs (the appliance's head at rotation + 1).
    public var fromSequence: Int64
    /// The old key's signature over the statement (base64).
    public var endorsement: String
    /// The new key's signature over the statement (base64).
    public var proof: String
    public var rotatedAt: Timestamp

    public init(
        applianceID: Appliance.ID, oldKey: String, newKey: String, fromSequence: Int64, endorsement: String,
        proof: String, rotatedAt: Timestamp
    ) {
        self.applianceID = applianceID
        self.oldKey = oldKey
        self.newKey = newKey
        self.fromSequence = fromSequence
        self.endorsement = endorsement
        self.proof = proof
        self.rotatedAt = rotatedAt
    }
}

/// Which key signs what, for one appliance: the key at enrolment signs from sequence 1, each
/// rotation's new key from its `fromSequence`. The one rule shared by ingestion, the checkpoint
/// witness, proofs and the offline verifier.
public struct KeyHistory<Key: Sendable>: Sendable {
    /// Keys in order, each with the first sequence it signs; the first from 1.
    public private(set) var entries: [(fromSequence: Int64, key: Key)]

    public init(first: Key) {
        entries = [(1, first)]
    }

    /// Entries already in order, the first from sequence 1 (`map` keeps them so).
    private init(entries: [(fromSequence: Int64, key: Key)]) {
        self.entries = entries
    }

    /// Adds the next key; its range must start after the current key's.
    public mutating func append(_ key: Key, fromSequence: Int64) throws(StoreError) {
        guard let last = entries.last, fromSequence > last.fromSequence else {
            throw .invalid("a key rotation must start after the previous one (at \(fromSequence))")
        }
        entries.append((fromSequence, key))
    }

    /// The newest key: the one that signs requests and new bundles.
    public var current: Key { entries[entries.count - 1].key }

    /// The key that signs bundle `sequence`.
    public func key(for sequence: Int64) -> Key {
        entries.last(where: { $0.fromSequence <= sequence })?.key ?? entries[0].key
    }

    /// The keys that may sign a checkpoint over the first `treeSize` bundles: the key in force
    /// for its last bundle and every later key (a newer key may vouch for older history; a
    /// retired key may not vouch for bundles after its retirement).
    public func keys(forCheckpointOf treeSize: Int64) -> [Key] {
        let index = entries.lastIndex(where: { $0.fromSequence <= treeSize }) ?? 0
        return entries[index...].map(\.key)
    }

    /// The same history with every key transformed (e.g. parsed into a verifying key).
    public func map<Other: Sendable, Failure: Error>(_ transform: (Key) throws(Failure) -> Other) throws(Failure)
        -> KeyHistory<Other>
    {
        var mapped: [(fromSequence: Int64, key: Other)] = []
        for entry in entries { mapped.append((entry.fromSequence, try transform(entry.key))) }
        return KeyHistory<Other>(entries: mapped)
    }
}

extension KeyHistory where Key == String {
    /// Builds the history of string keys from the stored rotations, in order, checking that
    /// each starts from the key before it; without rotations, `current` signs everything. (With
    /// rotations `current` is not consulted: an appliance record read a moment before a rotation
    /// must not make the history disagree with itself.)
    public static func from(current: String, rotations: [ApplianceKeyRotation]) throws(StoreError) -> KeyHistory {
        guard let first = rotations.first else { return KeyHistory(first: current) }
        var history = KeyHistory(first: first.oldKey)
        for rotation in rotations {
            guard rotation.oldKey == history.current else {
                throw .invalid("key rotation at \(rotation.fromSequence) does not start from the key before it")
            }
            try history.append(rotation.newKey, fromSequence: rotation.fromSequence)
        }
        return history
    }
}
