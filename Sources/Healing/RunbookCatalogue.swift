public import Compliance
import Foundation

/// The one runbook catalogue: every runbook, by ID and by the checks it heals. Loaded whole or
/// not at all — one bad file and the load fails with every problem, `file:line: reason`.
public struct RunbookCatalogue: Sendable {
    public let runbooks: [Runbook]
    private let byID: [String: Runbook]
    private let byCheck: [CheckID: [Runbook]]

    public init(_ runbooks: [Runbook]) {
        self.runbooks = runbooks.sorted { $0.id < $1.id }
        self.byID = Dictionary(runbooks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var byCheck: [CheckID: [Runbook]] = [:]
        for runbook in self.runbooks {
            for check in runbook.heals { byCheck[check, default: []].append(runbook) }
        }
        self.byCheck = byCheck
    }

    public subscript(id: String) -> Runbook? { byID[id] }

    /// The runbooks that heal `check`, by ID.
    public func runbooks(healing check: CheckID) -> [Runbook] { byCheck[check] ?? [] }

    /// The catalogue shipped with Vigil (`Sources/Healing/Catalogue/runbooks`).
    public static func builtin(checks: CheckCatalog = .builtin) throws(CatalogueFailure) -> RunbookCatalogue {
        guard let url = Bundle.module.url(forResource: "Catalogue", withExtension: nil) else {
            throw CatalogueFailure([CatalogueProblem(file: "Catalogue", line: 0, reason: "missing from the build")])
        }
        return try load(directory: url.appendingPathComponent("runbooks").path, checks: checks)
    }

    /// Loads every `*.yaml` / `*.yml` under `directory` (recursively).
    public static func load(directory: String, checks: CheckCatalog = .builtin) throws(CatalogueFailure)
        -> RunbookCatalogue
    {
        let files = try CatalogueFiles.list(directory)
        var problems: [CatalogueProblem] = []
        var runbooks: [Runbook] = []
        for file in files {
            do {
                runbooks.append(try RunbookFile.read(file.path, display: file.display, checks: checks))
            } catch {
                problems.append(error)
            }
        }
        var seen: [String: String] = [:]
        for runbook in runbooks {
            if let other = seen[runbook.id] {
                problems.append(
                    CatalogueProblem(
                        file: runbook.source, line: 1, reason: "runbook ID \(runbook.id) is used by \(other) too"))
            }
            seen[runbook.id] = runbook.source
        }
        if runbooks.isEmpty && problems.isEmpty {
            problems.append(CatalogueProblem(file: directory, line: 0, reason: "holds no runbook files (*.yaml)"))
        }
        guard problems.isEmpty else { throw CatalogueFailure(problems) }
        return RunbookCatalogue(runbooks)
    }
}

/// Every problem found in a catalogue, so one run of `vigil runbooks lint` shows them all.
public struct CatalogueFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [CatalogueProblem]

    public init(_ problems: [CatalogueProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// The YAML files of a catalogue directory, in a stable order.
enum CatalogueFiles {
    static func list(_ directory: String) throws(CatalogueFailure) -> [(path: String, display: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CatalogueFailure([CatalogueProblem(file: directory, line: 0, reason: "no such directory")])
        }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw CatalogueFailure([CatalogueProblem(file: directory, line: 0, reason: "cannot be listed")])
        }
        var files: [(String, String)] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
            files.append((directory + "/" + relative, relative))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    static func read(_ path: String, display: String) throws(CatalogueProblem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogueProblem(file: display, line: 0, reason: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CatalogueProblem(file: display, line: 0, reason: "is not UTF-8 text")
        }
        return text
    }
}

/// One runbook file: its schema, checked strictly.
enum RunbookFile {
    static let maximumScript = 32 << 10

    static func read(_ path: String, display: String, checks: CheckCatalog) throws(CatalogueProblem) -> Runbook {
        let text = try CatalogueFiles.read(path, display: display)
        return try parse(text, file: display, checks: checks)
    }

    static func parse(_ text: String, file: String, checks: CheckCatalog) throws(CatalogueProblem) -> Runbook {
        var fields = try YAMLFields(YAMLValue.parse(text, file: file), file: file, what: "a runbook")
        let id = try fields.string("id")
        guard Runbook.isValidID(id) else {
            throw fields.problem(fields.line, "id \(String(reflecting: id)) is not of the form RB-LIN-SSH-001")
        }
        let title = try fields.string("title")
        guard (1...120).contains(title.count), !title.contains("\n") else {
            throw fields.problem(fields.line, "title must be one line of 1–120 characters")
        }
        let platformText = try fields.string("platform")
        guard let platform = Platform(rawValue: platformText) else {
            throw fields.problem(
                fields.line, "platform must be one of \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let code = ["linux": "LIN", "windows": "WIN", "appliance": "APP"][platform.rawValue]
        guard id.split(separator: "-")[1] == code ?? "" else {
            throw fields.problem(fields.line, "a \(platform.rawValue) runbook's ID starts RB-\(code ?? "?")-")
        }
        var heals: [CheckID] = []
        for (raw, line) in try fields.strings("heals") {
            guard let check = try? CheckID(raw), checks[check] != nil else {
                throw fields.problem(line, "heals \(raw), which is not a check in the catalogue")
            }
            guard check.platform == platform else {
                throw fields.problem(
                    line, "heals \(raw), a \(check.platform.rawValue) check, from a \(platform.rawValue) runbook")
            }
            heals.append(check)
        }
        guard !heals.isEmpty else { throw fields.problem(fields.line, "heals must name at least one check") }
        var controls: [ControlReference] = []
        for (raw, line) in try fields.strings("controls") {
            guard let control = try? ControlReference(parsing: raw) else {
                throw fields.problem(line, "control \(raw) is not framework:control, e.g. hipaa:164.312(b)")
            }
            controls.append(control)
        }
        // Without its own list, a runbook serves the controls of the checks it heals (the check
        // catalogue is the one source of that mapping).
        if controls.isEmpty {
            controls = Array(Set(heals.flatMap { checks[$0]?.controls ?? [] })).sorted()
        }
        var parameters: [RunbookParameter] = []
        for item in try fields.list("parameters") {
            let parameter = try self.parameter(item, file: file)
            guard !parameters.contains(where: { $0.name == parameter.name }) else {
                throw fields.problem(item.line, "parameter \(parameter.name) is declared twice")
            }
            parameters.append(parameter)
        }
        var scripts: [Runbook.Step: String] = [:]
        for step in Runbook.Step.allCases {
            let script = try fields.string(step.rawValue)
            guard !script.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw fields.problem(fields.line, "\(step.rawValue) must not be empty")
            }
            guard script.utf8.count <= maximumScript else {
                throw fields.problem(fields.line, "\(step.rawValue) is longer than \(maximumScript / 1024) KiB")
            }
            scripts[step] = script
        }
        let runbook = Runbook(
            id: id, title: title, platform: platform, heals: heals, parameters: parameters, scripts: scripts,
            disruptive: try fields.bool("disruptive", default: false),
            needsWindow: try fields.bool("needs_window", default: false),
            sensitive: try fields.bool("sensitive", default: false),
            timeoutSeconds: try fields.int("timeout_seconds", in: 1...3600, default: 60), controls: controls,
            source: file)
        try fields.finish()
        return runbook
    }

    static func parameter(_ value: YAMLValue, file: String) throws(CatalogueProblem) -> RunbookParameter {
        var fields = try YAMLFields(value, file: file, what: "a parameter")
        let name = try fields.string("name")
        guard RunbookParameter.isValidName(name) else {
            throw fields.problem(fields.line, "parameter name \(String(reflecting: name)) must be a–z 0–9 _, ≤ 32")
        }
        let type = try fields.string("type")
        let kind: RunbookParameter.Kind
        switch type {
        case "text": kind = .text(maximumLength: try fields.int("max_length", in: 1...4096, default: 256))
        case "integer":
            let minimum = try fields.int("min", in: Int(Int32.min)...Int(Int32.max), default: 0)
            let maximum = try fields.int("max", in: Int(Int32.min)...Int(Int32.max), default: Int(Int32.max))
            guard minimum <= maximum else { throw fields.problem(fields.line, "parameter \(name): min is above max") }
            kind = .integer(minimum...maximum)
        case "boolean": kind = .boolean
        case "choice":
            let options = try fields.strings("values").map(\.0)
            guard !options.isEmpty else { throw fields.problem(fields.line, "parameter \(name) lists no values") }
            kind = .choice(options)
        case "path": kind = .path
        default:
            throw fields.problem(fields.line, "parameter \(name): type must be text, integer, boolean, choice or path")
        }
        let parameter = RunbookParameter(
            name: name, kind: kind, defaultValue: try fields.optionalString("default"),
            description: try fields.optionalString("description") ?? "")
        if let fallback = parameter.defaultValue, let problem = parameter.problem(with: fallback) {
            throw fields.problem(fields.line, "parameter \(name): default \(String(reflecting: fallback)): \(problem)")
        }
        try fields.finish()
        return parameter
    }
}
