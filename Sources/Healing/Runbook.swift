public import Compliance
import Foundation

/// A runbook (PRODUCT.md §5): one file of data that heals one or more checks on one platform.
/// Scripts never see parameter text: the executor hands each parameter over as an environment
/// variable `VIGIL_<NAME>` whose value arrives base64-encoded (`RunbookScript`).
public struct Runbook: Sendable, Equatable, Identifiable {
    public enum Step: String, Sendable, CaseIterable {
        /// Exit 0: the drift is present and the runbook applies; exit 1: nothing to do.
        case detect
        /// Prints the pre-state the rollback restores (standard output, kept by the executor).
        case capture
        case remediate
        /// Exit 0: the fix holds.
        case verify
        /// Restores the pre-state, found in the file named by `VIGIL_PRESTATE`.
        case rollback
    }

    public var id: String
    public var title: String
    public var platform: Platform
    /// The checks this runbook heals.
    public var heals: [CheckID]
    public var parameters: [RunbookParameter]
    public var scripts: [Step: String]
    /// Interrupts service (restarts, reboots, package upgrades): runs only in the window.
    public var disruptive: Bool
    /// Waits for the maintenance window even when not disruptive.
    public var needsWindow: Bool
    /// Touches encryption or accounts: an L2 plan using it always needs a human's approval.
    public var sensitive: Bool
    /// Per step.
    public var timeoutSeconds: Int
    public var controls: [ControlReference]
    /// Where it was loaded from (for messages).
    public var source: String

    /// Whether the runbook may run only inside the maintenance window.
    public var requiresWindow: Bool { disruptive || needsWindow }

    public func script(_ step: Step) -> String { scripts[step] ?? "" }

    /// Checks `values` against the typed parameters: unknown names refused, defaults applied,
    /// every value validated. The result is what the scripts receive.
    public func resolve(_ values: [String: String]) throws(RunbookError) -> [String: String] {
        for name in values.keys where !parameters.contains(where: { $0.name == name }) {
            throw .invalidParameter(runbook: id, name: name, reason: "this runbook has no such parameter")
        }
        var resolved: [String: String] = [:]
        for parameter in parameters {
            if let value = values[parameter.name] {
                if let problem = parameter.problem(with: value) {
                    throw .invalidParameter(runbook: id, name: parameter.name, reason: problem)
                }
                resolved[parameter.name] = value
            } else if let fallback = parameter.defaultValue {
                resolved[parameter.name] = fallback
            } else {
                throw .invalidParameter(runbook: id, name: parameter.name, reason: "required and not given")
            }
        }
        return resolved
    }

    /// `RB-LIN-SSH-001`: `RB`, a platform code, a family of capitals and digits, three digits.
    public static func isValidID(_ id: String) -> Bool {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "RB", ["LIN", "WIN", "APP"].contains(parts[1]),
            (1...12).contains(parts[2].count),
            parts[2].unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) }),
            parts[3].count == 3, parts[3].unicodeScalars.allSatisfy({ ("0"..."9").contains($0) })
        else { return false }
        return true
    }
}

/// One typed parameter of a runbook.
public struct RunbookParameter: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Text of at most `maximumLength` characters, printable, no control characters.
        case text(maximumLength: Int)
        case integer(ClosedRange<Int>)
        case boolean
        /// One of a fixed list.
        case choice([String])
        /// An absolute path without `..`, spaces allowed, no control characters.
        case path
    }

    public var name: String
    public var kind: Kind
    public var defaultValue: String?
    public var description: String

    public init(name: String, kind: Kind, defaultValue: String?, description: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.description = description
    }

    /// The environment variable the scripts read.
    public var variable: String { "VIGIL_" + name.uppercased() }

    /// Lowercase letters, digits and `_`, starting with a letter, at most 32.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.utf8.count <= 32 else {
            return false
        }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Why `value` is not acceptable, or nil.
    public func problem(with value: String) -> String? {
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "control characters (newlines, NUL, escapes) are not allowed"
        }
        switch kind {
        case .text(let maximumLength):
            return value.count <= maximumLength ? nil : "at most \(maximumLength) characters"
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                return "a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            return nil
        case .boolean:
            return value == "true" || value == "false" ? nil : "true or false"
        case .choice(let options):
            return options.contains(value) ? nil : "one of \(options.joined(separator: ", "))"
        case .path:
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard value.hasPrefix("/"), value.utf8.count <= 4096, !parts.contains(".."), !parts.contains(".") else {
                return "an absolute path without . or .. segments"
            }
            return nil
        }
    }
}

/// Why a runbook cannot be used as asked.
public enum RunbookError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRunbook(String)
    case invalidParameter(runbook: String, name: String, reason: String)

    public var description: String {
        switch self {
        case .unknownRunbook(let id): "no runbook \(id) in the catalogue"
        case .invalidParameter(let runbook, let name, let reason): "\(runbook): parameter \(name): \(reason)"
        }
    }
}
