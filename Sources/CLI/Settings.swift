import ArgumentParser
import Foundation

/// Settings of `vigil central` and `vigil appliance` from a configuration file and the
/// environment (each command names the settings it knows). Precedence: a
/// command-line flag, then `VIGIL_<NAME>` in the environment, then the file, then the default.
///
/// The file (`--config FILE` or `VIGIL_CONFIG`) holds one `name = value` per line, names as the
/// flags without their dashes (`database-url = "postgres://…"`); `#` starts a comment; values may
/// be quoted. Unknown names are refused, so a typo never passes silently.
struct Settings {
    static let central: [String] = [
        "data-dir", "database-url", "bcrypt-cost", "host", "port", "cache-seconds", "log-format", "log-level",
        "private-metrics", "insecure-cookies", "public-url", "smtp-host", "smtp-port", "smtp-security",
        "smtp-username", "smtp-password", "smtp-from", "smtp-ca-file",
    ]

    let known: [String]
    private var values: [String: (value: String, source: String)] = [:]

    init(configPath: String?, environment: [String: String], known: [String] = Settings.central) throws {
        self.known = known
        if let path = configPath ?? environment["VIGIL_CONFIG"] {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read configuration file \(path): \(error.localizedDescription)")
            }
            for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = Self.stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                let place = "\(path) line \(index + 1)"
                guard let equals = line.firstIndex(of: "=") else {
                    throw ValidationError("\(place): expected name = value")
                }
                let name = line[..<equals].trimmingCharacters(in: .whitespaces)
                guard known.contains(name) else {
                    throw ValidationError(
                        "\(place): unknown setting \(String(reflecting: name)); known: \(known.joined(separator: ", "))"
                    )
                }
                let value = try Self.unquote(
                    line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), place)
                values[name] = (value, place)
            }
        }
        for name in known {
            let variable = "VIGIL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable] { values[name] = (value, variable) }
        }
    }

    /// The value of `name` and where it came from, when the environment or file sets it.
    func string(_ name: String) -> (value: String, source: String)? { values[name] }

    func int(_ name: String) throws -> Int? {
        guard let (text, source) = values[name] else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(source): \(name) must be a whole number") }
        return value
    }

    func double(_ name: String) throws -> Double? {
        guard let (text, source) = values[name] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw ValidationError("\(source): \(name) must be a number")
        }
        return value
    }

    /// A comma-separated list; empty items are dropped.
    func list(_ name: String) -> [String]? {
        values[name].map {
            $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    func bool(_ name: String) throws -> Bool? {
        guard let (text, source) = values[name] else { return nil }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ValidationError("\(source): \(name) must be true or false")
        }
    }

    /// Drops a `#` comment that is not inside quotes.
    static func stripComment(_ line: String) -> String {
        var inQuotes = false
        var previous: Character?
        for (offset, character) in line.enumerated() {
            if character == "\"", previous != "\\" { inQuotes.toggle() }
            if character == "#", !inQuotes { return String(line.prefix(offset)) }
            previous = character
        }
        return line
    }

    static func unquote(_ text: String, _ place: String) throws -> String {
        guard text.hasPrefix("\"") else { return text }
        guard text.count >= 2, text.hasSuffix("\"") else { throw ValidationError("\(place): unterminated quote") }
        var result = ""
        var escaping = false
        for character in text.dropFirst().dropLast() {
            if escaping {
                result.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
