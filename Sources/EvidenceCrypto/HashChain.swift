/// Follows one appliance's bundles in order and reports every way the hash chain can break:
/// gaps, forks, duplicates, reordering, broken links and bundles from another appliance.
///
/// It holds O(1) state, so Central Command's ingestion and `vigil verify` can feed it millions of
/// bundles as they stream past.
public struct HashChainVerifier: Sendable {
    /// One link as read from a bundle.
    public struct Link: Sendable {
        public var sequence: Int64
        public var previousHash: Hash32
        /// SHA-256 of the bundle's canonical bytes.
        public var hash: Hash32
        public var applianceID: String
        /// Where the bundle came from (a file name), for messages.
        public var source: String

        public init(sequence: Int64, previousHash: Hash32, hash: Hash32, applianceID: String, source: String) {
            self.sequence = sequence
            self.previousHash = previousHash
            self.hash = hash
            self.applianceID = applianceID
            self.source = source
        }
    }

    /// A break in the chain.
    public enum Issue: Equatable, Sendable, CustomStringConvertible {
        /// Bundles `from...to` are absent.
        case missing(from: Int64, to: Int64)
        /// The bundle's previous-hash does not match the bundle before it.
        case brokenLink(sequence: Int64, source: String)
        /// Two different bundles claim the same position.
        case fork(sequence: Int64, sources: [String])
        /// The same bundle appears twice.
        case duplicate(sequence: Int64, sources: [String])
        /// A bundle appears after a later one.
        case outOfOrder(sequence: Int64, after: Int64, source: String)
        /// A bundle signed into another appliance's chain.
        case foreignAppliance(sequence: Int64, applianceID: String, source: String)
        /// The first bundle of a chain does not link to the genesis hash.
        case badGenesis(source: String)

        public var description: String {
            switch self {
            case .missing(let from, let to):
                from == to ? "missing bundle: sequence \(from)" : "missing bundles: sequences \(from)–\(to)"
            case .brokenLink(let sequence, let source):
                "chain broken at sequence \(sequence) (\(source)): prev_hash does not match bundle \(sequence - 1)"
            case .fork(let sequence, let sources):
                "fork at sequence \(sequence): different bundles \(sources.joined(separator: " and "))"
            case .duplicate(let sequence, let sources):
                "duplicate bundle at sequence \(sequence): \(sources.joined(separator: " and "))"
            case .outOfOrder(let sequence, let after, let source):
                "bundle \(sequence) (\(source)) appears after bundle \(after): reordered"
            case .foreignAppliance(let sequence, let applianceID, let source):
                "bundle \(sequence) (\(source)) belongs to appliance \(applianceID), not this chain"
            case .badGenesis(let source):
                "chain broken at sequence 1 (\(source)): the first bundle must link to 64 zeros"
            }
        }
    }

    public let applianceID: String
    /// The first sequence expected; bundles before it are out of scope (a partial export).
    public let firstSequence: Int64
    private var last: Link?
    private var lastSources: [String] = []
    public private(set) var accepted: Int64 = 0

    public init(applianceID: String, firstSequence: Int64 = 1) {
        self.applianceID = applianceID
        self.firstSequence = firstSequence
    }

    /// The sequence of the newest accepted bundle.
    public var head: Int64? { last?.sequence }

    /// Feeds the next bundle; returns what is wrong with it (empty when it extends the chain).
    /// Returns whether the link was accepted as the new head.
    public mutating func append(_ link: Link) -> (accepted: Bool, issues: [Issue]) {
        guard link.applianceID == applianceID else {
            return (
                false, [.foreignAppliance(sequence: link.sequence, applianceID: link.applianceID, source: link.source)]
            )
        }
        guard let previous = last else {
            var issues: [Issue] = []
            if link.sequence > firstSequence {
                issues.append(.missing(from: firstSequence, to: link.sequence - 1))
            } else if link.sequence < firstSequence {
                return (false, [.outOfOrder(sequence: link.sequence, after: firstSequence - 1, source: link.source)])
            }
            if link.sequence == 1 && link.previousHash != .zero { issues.append(.badGenesis(source: link.source)) }
            accept(link)
            return (true, issues)
        }
        if link.sequence == previous.sequence {
            lastSources.append(link.source)
            if link.hash == previous.hash {
                return (false, [.duplicate(sequence: link.sequence, sources: lastSources)])
            }
            return (false, [.fork(sequence: link.sequence, sources: lastSources)])
        }
        if link.sequence < previous.sequence {
            return (false, [.outOfOrder(sequence: link.sequence, after: previous.sequence, source: link.source)])
        }
        var issues: [Issue] = []
        if link.sequence > previous.sequence + 1 {
            issues.append(.missing(from: previous.sequence + 1, to: link.sequence - 1))
        } else if link.previousHash != previous.hash {
            issues.append(.brokenLink(sequence: link.sequence, source: link.source))
        }
        accept(link)
        return (true, issues)
    }

    private mutating func accept(_ link: Link) {
        last = link
        lastSources = [link.source]
        accepted += 1
    }
}
