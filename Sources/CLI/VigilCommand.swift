public import ArgumentParser

/// `vigil`: the one executable. Every mode and tool is a subcommand.
public struct VigilCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Compliance evidence and self-healing for MSPs that look after healthcare practices.",
        version: VigilVersion.current,
        subcommands: [
            KeysCommand.self, EvidenceCommand.self, VerifyCommand.self, CentralCommandCommand.self, AdminCommand.self,
            ApplianceCommand.self, DemoCommand.self, RunbooksCommand.self,
        ]
    )

    public init() {}
}

/// The entry point `main.swift` calls: parse arguments, run, exit with the command's code.
public enum VigilMain {
    public static func run() async {
        await VigilCommand.main()
    }
}

/// The version every component reports.
public enum VigilVersion {
    public static let current = "0.1.0"
}
