import Foundation
import Yams

/// A problem in a catalogue file: where it is and what is wrong.
public struct CatalogueProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem concerns the whole file.
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// A YAML value read strictly: only the three node kinds, plain text for scalars (no implicit
/// typing, so `no` stays the text "no"), no aliases or anchors, no duplicate keys, and the line
/// of every node kept for messages. Converted out of Yams at once, so nothing else sees Yams.
indirect enum YAMLValue: Sendable {
    case scalar(String, line: Int)
    case list([YAMLValue], line: Int)
    case map([(key: String, value: YAMLValue, line: Int)], line: Int)

    var line: Int {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): line
        }
    }

    var kind: String {
        switch self {
        case .scalar: "a scalar"
        case .list: "a list"
        case .map: "a mapping"
        }
    }

    /// Parses one YAML document of at most `limit` bytes.
    static func parse(_ text: String, file: String, limit: Int = 256 << 10) throws(CatalogueProblem) -> YAMLValue {
        guard text.utf8.count <= limit else {
            throw CatalogueProblem(file: file, line: 0, reason: "larger than \(limit / 1024) KiB")
        }
        guard !text.contains("\u{0}") else { throw CatalogueProblem(file: file, line: 0, reason: "holds a NUL byte") }
        do {
            // Converted while the parser lives: nodes hold their anchors weakly, and the parser's
            // anchor list is what keeps them (so anchors can be seen, and refused).
            var documents = try Yams.compose_all(yaml: text)
            let root = documents.next()
            if let error = documents.error { throw error }
            guard let root else { throw CatalogueProblem(file: file, line: 0, reason: "is empty") }
            let value = try convert(root, file: file)
            if documents.next() != nil || documents.error != nil {
                throw CatalogueProblem(file: file, line: 0, reason: "holds more than one YAML document")
            }
            return value
        } catch let problem as CatalogueProblem {
            throw problem
        } catch let error as YamlError {
            throw Self.problem(error, file: file)
        } catch {
            throw CatalogueProblem(file: file, line: 0, reason: "not YAML: \(error)")
        }
    }

    static func problem(_ error: YamlError, file: String) -> CatalogueProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return CatalogueProblem(file: file, line: mark.line, reason: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return CatalogueProblem(
                file: file, line: context.mark.line,
                reason: "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return CatalogueProblem(file: file, line: 0, reason: "not valid YAML: \(error)")
        }
    }

    static func convert(_ node: Node, file: String) throws(CatalogueProblem) -> YAMLValue {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            guard scalar.anchor == nil else {
                throw CatalogueProblem(file: file, line: line, reason: "anchors and aliases are not allowed")
            }
            return .scalar(scalar.string, line: line)
        case .sequence(let sequence):
            guard sequence.anchor == nil else {
                throw CatalogueProblem(file: file, line: line, reason: "anchors and aliases are not allowed")
            }
            var items: [YAMLValue] = []
            for item in sequence { items.append(try convert(item, file: file)) }
            return .list(items, line: line)
        case .mapping(let mapping):
            guard mapping.anchor == nil else {
                throw CatalogueProblem(file: file, line: line, reason: "anchors and aliases are not allowed")
            }
            var pairs: [(key: String, value: YAMLValue, line: Int)] = []
            var seen: Set<String> = []
            for (key, value) in mapping {
                let keyLine = key.mark?.line ?? line
                guard case .scalar(let scalar) = key else {
                    throw CatalogueProblem(file: file, line: keyLine, reason: "mapping keys must be plain text")
                }
                guard seen.insert(scalar.string).inserted else {
                    throw CatalogueProblem(file: file, line: keyLine, reason: "duplicate key \(scalar.string)")
                }
                pairs.append((scalar.string, try convert(value, file: file), keyLine))
            }
            return .map(pairs, line: line)
        case .alias:
            throw CatalogueProblem(file: file, line: line, reason: "anchors and aliases are not allowed")
        }
    }
}

/// Reads the fields of one YAML mapping, refusing unknown keys and wrong kinds.
struct YAMLFields {
    let file: String
    let line: Int
    private let pairs: [(key: String, value: YAMLValue, line: Int)]
    private var read: Set<String> = []

    init(_ value: YAMLValue, file: String, what: String) throws(CatalogueProblem) {
        guard case .map(let pairs, let line) = value else {
            throw CatalogueProblem(file: file, line: value.line, reason: "\(what) must be a mapping, not \(value.kind)")
        }
        self.file = file
        self.line = line
        self.pairs = pairs
    }

    func problem(_ line: Int, _ reason: String) -> CatalogueProblem {
        CatalogueProblem(file: file, line: line, reason: reason)
    }

    mutating func value(_ key: String) -> (YAMLValue, Int)? {
        read.insert(key)
        return pairs.first { $0.key == key }.map { ($0.value, $0.line) }
    }

    mutating func string(_ key: String) throws(CatalogueProblem) -> String {
        guard let found = try optionalString(key) else { throw problem(line, "missing required key \(key)") }
        return found
    }

    mutating func optionalString(_ key: String) throws(CatalogueProblem) -> String? {
        guard let (value, keyLine) = value(key) else { return nil }
        guard case .scalar(let text, _) = value else {
            throw problem(keyLine, "\(key) must be text, not \(value.kind)")
        }
        return text
    }

    /// Only `true` or `false`: YAML 1.1's yes/no/on/off are refused as ambiguous.
    mutating func bool(_ key: String, default fallback: Bool) throws(CatalogueProblem) -> Bool {
        guard let (value, keyLine) = value(key) else { return fallback }
        guard case .scalar(let text, _) = value, text == "true" || text == "false" else {
            throw problem(keyLine, "\(key) must be true or false")
        }
        return text == "true"
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>, default fallback: Int?) throws(CatalogueProblem) -> Int
    {
        guard let (value, keyLine) = value(key) else {
            guard let fallback else { throw problem(line, "missing required key \(key)") }
            return fallback
        }
        guard case .scalar(let text, _) = value, let number = Int(text), range.contains(number) else {
            throw problem(keyLine, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A list of text items (an absent key is an empty list).
    mutating func strings(_ key: String) throws(CatalogueProblem) -> [(String, Int)] {
        guard let (value, keyLine) = value(key) else { return [] }
        guard case .list(let items, _) = value else { throw problem(keyLine, "\(key) must be a list") }
        var out: [(String, Int)] = []
        for item in items {
            guard case .scalar(let text, let itemLine) = item else {
                throw problem(item.line, "every item of \(key) must be text, not \(item.kind)")
            }
            out.append((text, itemLine))
        }
        return out
    }

    mutating func list(_ key: String) throws(CatalogueProblem) -> [YAMLValue] {
        guard let (value, keyLine) = value(key) else { return [] }
        guard case .list(let items, _) = value else { throw problem(keyLine, "\(key) must be a list") }
        return items
    }

    /// Refuses keys that were never asked for: a typo must not silently drop a setting.
    func finish() throws(CatalogueProblem) {
        if let unknown = pairs.first(where: { !read.contains($0.key) }) {
            throw problem(unknown.line, "unknown key \(unknown.key)")
        }
    }
}
