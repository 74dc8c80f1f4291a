import ArgumentParser
import Compliance
import Foundation
import Healing

/// `vigil runbooks …`: the runbook catalogue and L1 rules.
struct RunbooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbooks", abstract: "Check and list runbooks and L1 rules.",
        subcommands: [Lint.self, List.self])

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a runbook catalogue directory exactly as the appliance loads it.",
            discussion: """
                Reads every *.yaml / *.yml under DIR as a runbook and reports every problem as \
                file:line: reason. With --rules, also validates an L1 rule set against the catalogue. \
                Exits 0 when everything is valid, 1 otherwise; nothing is half-accepted.
                """)

        @Argument(help: "The catalogue directory (e.g. Sources/Healing/Catalogue/runbooks).")
        var directory: String

        @Option(name: .long, help: "An L1 rule set (YAML) to check against the catalogue.")
        var rules: String?

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        struct Report: Encodable {
            var valid: Bool
            var runbooks: Int
            var rules: Int?
            var problems: [String]
        }

        func run() throws {
            var report = Report(valid: true, runbooks: 0, rules: nil, problems: [])
            var catalogue: RunbookCatalogue?
            do {
                catalogue = try RunbookCatalogue.load(directory: directory)
                report.runbooks = catalogue?.runbooks.count ?? 0
            } catch {
                report.problems += error.problems.map(\.description)
            }
            if let rules {
                if let catalogue {
                    do throws(CatalogueProblem) {
                        guard let data = FileManager.default.contents(atPath: rules),
                            let text = String(data: data, encoding: .utf8)
                        else { throw CatalogueProblem(file: rules, line: 0, reason: "cannot be read as UTF-8 text") }
                        report.rules = try L1RuleSet.parse(text, file: rules, catalogue: catalogue, source: .custom)
                            .count
                    } catch {
                        report.problems.append(error.description)
                    }
                } else {
                    report.problems.append("\(rules): not checked, because the catalogue did not load")
                }
            }
            report.valid = report.problems.isEmpty
            if json {
                try Output.printJSON(report)
            } else if report.valid {
                print(
                    "\(directory): \(report.runbooks) runbooks valid"
                        + (report.rules.map { ", \($0) rules valid" } ?? ""))
            } else {
                for problem in report.problems { print(problem) }
                print("\(report.problems.count) problem(s); nothing was loaded")
            }
            if !report.valid { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in runbooks (or those of --dir) with what they heal.")

        @Option(name: .long, help: "A catalogue directory instead of the built-in one.")
        var dir: String?

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        struct Entry: Encodable {
            var id: String
            var title: String
            var platform: String
            var heals: [String]
            var parameters: [String]
            var disruptive: Bool
            var needsWindow: Bool
            var sensitive: Bool

            enum CodingKeys: String, CodingKey {
                case id, title, platform, heals, parameters, disruptive, sensitive
                case needsWindow = "needs_window"
            }
        }

        func run() throws {
            let catalogue: RunbookCatalogue
            do {
                catalogue = try dir.map { try RunbookCatalogue.load(directory: $0) } ?? RunbookCatalogue.builtin()
            } catch let error as CatalogueFailure {
                throw CLIError(error.description)
            }
            let entries = catalogue.runbooks.map { runbook in
                Entry(
                    id: runbook.id, title: runbook.title, platform: runbook.platform.rawValue,
                    heals: runbook.heals.map(\.rawValue), parameters: runbook.parameters.map(\.name),
                    disruptive: runbook.disruptive, needsWindow: runbook.needsWindow, sensitive: runbook.sensitive)
            }
            if json { return try Output.printJSON(entries) }
            for entry in entries {
                let flags = [entry.disruptive ? "disruptive" : nil, entry.needsWindow ? "window" : nil]
                    .compactMap { $0 }
                print(
                    "\(entry.id)  \(entry.title)" + (flags.isEmpty ? "" : "  [\(flags.joined(separator: ", "))]"))
                print("    heals \(entry.heals.joined(separator: ", "))")
            }
        }
    }
}
