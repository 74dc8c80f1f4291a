import ArgumentParser
import CentralClient
import Compliance
import Foundation
import VigilAPI

/// `vigil admin`: Central Command's operator API from the command line, with an API key.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer a running Central Command over its API.",
        discussion: """
            Authenticates with an API key taken from VIGIL_API_KEY or --token-file (never from a \
            flag, so it does not show in process lists). `vigil central bootstrap --api-key` prints \
            a platform key; partners create their own with `vigil admin api-key create`.
            """,
        subcommands: [
            AdminPartner.self, AdminClient.self, AdminSite.self, AdminClaimCode.self, AdminUser.self,
            AdminAPIKey.self, AdminAppliance.self, AdminHost.self, AdminCredential.self, AdminEvidence.self,
            AdminState.self, AdminOrder.self, AdminScore.self, AdminAudit.self,
        ])
}

/// Where Central Command is and how to authenticate; shared by every `vigil admin` command.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "Central Command's URL (default: $VIGIL_URL or http://127.0.0.1:8420).")
    var url: String?

    @Option(name: .long, help: "A file holding the API key (default: $VIGIL_API_KEY).")
    var tokenFile: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func client() throws -> OperatorClient {
        let environment = ProcessInfo.processInfo.environment
        let base = try Self.baseURL(url, flag: "--url")
        let token: String
        if let tokenFile {
            do {
                token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)
            } catch {
                throw CLIError("cannot read \(tokenFile): \(error.localizedDescription)")
            }
        } else if let value = environment["VIGIL_API_KEY"] {
            token = value.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            throw CLIError("no API key: set VIGIL_API_KEY or give --token-file")
        }
        guard !token.isEmpty else { throw CLIError("the API key is empty") }
        return OperatorClient(connection: CentralConnection(baseURL: base), token: token)
    }

    /// Central Command's URL from a flag, else `VIGIL_URL`, else the local default.
    static func baseURL(_ text: String?, flag: String) throws -> URL {
        let text = text ?? ProcessInfo.processInfo.environment["VIGIL_URL"] ?? "http://127.0.0.1:8420"
        guard let base = URL(string: text), let scheme = base.scheme, ["http", "https"].contains(scheme),
            base.host != nil
        else { throw ValidationError("\(flag) must be an http:// or https:// URL") }
        return base
    }

    /// Runs `body` with the client, turning API errors into one-line CLI errors.
    func run<T: Encodable>(_ body: (OperatorClient) async throws(CentralClientError) -> T, text: (T) -> String)
        async throws
    {
        let client = try client()
        let value: T
        do {
            value = try await body(client)
        } catch {
            throw CLIError(error.description)
        }
        if json { try Output.printJSON(value) } else { print(text(value)) }
    }
}

/// Path segments given on the command line must be identifiers: they go into URLs.
func pathSegment(_ text: String, _ what: String) throws -> String {
    guard Identifier<Partner>.isValid(text) else {
        throw ValidationError("\(what) must be 1–128 of A–Z a–z 0–9 . _ : -")
    }
    return text
}

/// Percent-encodes a query value.
func queryValue(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}

struct AdminPartner: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner", abstract: "Partners (MSPs).", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a partner (platform operator only).")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The partner's name.") var name: String

        func run() async throws {
            try await options.run({ client throws(CentralClientError) in
                try await client.post("/api/v1/partners", CreatePartner(name: name), as: Partner.self)
            }) { "partner \($0.id) created: \($0.name)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the partners you may see.")
        @OptionGroup var options: AdminOptions

        func run() async throws {
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/partners", as: [Partner].self)
            }) { $0.map { "\($0.id)\t\($0.name)" }.joined(separator: "\n") }
        }
    }
}

struct AdminClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Clients (practices).", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a client of a partner.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The partner ID.") var partner: String
        @Argument(help: "The practice's name.") var name: String

        func run() async throws {
            let partner = try pathSegment(partner, "--partner")
            try await options.run({ client throws(CentralClientError) in
                try await client.post("/api/v1/partners/\(partner)/clients", CreateClient(name: name), as: Client.self)
            }) { "client \($0.id) created: \($0.name)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a partner's clients.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The partner ID.") var partner: String

        func run() async throws {
            let partner = try pathSegment(partner, "--partner")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/partners/\(partner)/clients", as: [Client].self)
            }) { $0.map { "\($0.id)\t\($0.name)" }.joined(separator: "\n") }
        }
    }
}

struct AdminSite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site", abstract: "Sites (a practice's locations).", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a site of a client.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The client ID.") var client: String
        @Option(name: .long, help: "IANA time zone, e.g. America/Chicago.") var timeZone: String
        @Argument(help: "The site's name.") var name: String

        func run() async throws {
            let clientID = try pathSegment(client, "--client")
            try await options.run({ client throws(CentralClientError) in
                try await client.post(
                    "/api/v1/clients/\(clientID)/sites", CreateSite(name: name, timeZone: timeZone), as: Site.self)
            }) { "site \($0.id) created: \($0.name) (\($0.timeZone))" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's sites.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The client ID.") var client: String

        func run() async throws {
            let clientID = try pathSegment(client, "--client")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/clients/\(clientID)/sites", as: [Site].self)
            }) { $0.map { "\($0.id)\t\($0.name)\t\($0.timeZone)" }.joined(separator: "\n") }
        }
    }
}

struct AdminClaimCode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim-code", abstract: "One-time codes that enrol an appliance at a site.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a claim code (shown once).")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String
        @Option(name: .long, help: "Seconds the code stays valid (60–2592000; default 7 days).") var validFor: Int64?

        func run() async throws {
            let site = try pathSegment(site, "--site")
            try await options.run({ client throws(CentralClientError) in
                try await client.post(
                    "/api/v1/sites/\(site)/claim-codes", CreateClaimCode(validForSeconds: validFor),
                    as: ClaimCodeCreated.self)
            }) { "claim code for site \($0.siteID), valid until \($0.expiresAt) (shown once):\n\($0.code)" }
        }
    }
}

struct AdminUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Operator accounts.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user; the first password is shown once.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "E-mail address (the login name).") var email: String
        @Option(name: .long, help: "Display name.") var name: String
        @Option(name: .long, help: "admin, technician or viewer.") var role: String
        @Option(name: .long, help: "The partner ID; omit for a platform operator.") var partner: String?

        func run() async throws {
            try await options.run({ client throws(CentralClientError) in
                try await client.post(
                    "/api/v1/users", CreateUser(email: email, displayName: name, role: role, partnerID: partner),
                    as: UserCreated.self)
            }) {
                "user \($0.user.id) (\($0.user.email), \($0.user.role)) created; first password (shown once):\n\($0.password)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "A partner ID (platform operators only; default: platform users).") var partner:
            String?

        func run() async throws {
            let query = try partner.map { "?partner=\(try pathSegment($0, "--partner"))" } ?? ""
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/users\(query)", as: [UserInfo].self)
            }) {
                $0.map { "\($0.id)\t\($0.email)\t\($0.role)\($0.disabled ? "\tdisabled" : "")" }.joined(separator: "\n")
            }
        }
    }
}

struct AdminAPIKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key", abstract: "Partner API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key (shown once).")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The partner ID.") var partner: String
        @Argument(help: "A name for the key.") var name: String

        func run() async throws {
            let partner = try pathSegment(partner, "--partner")
            try await options.run({ client throws(CentralClientError) in
                try await client.post(
                    "/api/v1/partners/\(partner)/api-keys", CreateAPIKey(name: name), as: APIKeyCreated.self)
            }) { "API key \($0.id) created (shown once):\n\($0.token)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a partner's API keys (never the tokens).")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The partner ID.") var partner: String

        func run() async throws {
            let partner = try pathSegment(partner, "--partner")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/partners/\(partner)/api-keys", as: [APIKeyInfo].self)
            }) {
                $0.map {
                    "\($0.id)\t\($0.name)\tlast used \($0.lastUsedAt ?? "never")\($0.revokedAt.map { "\trevoked \($0)" } ?? "")"
                }
                .joined(separator: "\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The key ID.") var key: String

        struct Revoked: Encodable {
            var revoked: String
        }

        func run() async throws {
            let key = try pathSegment(key, "key ID")
            try await options.run({ client throws(CentralClientError) in
                try await client.callWithoutAnswer("DELETE", "/api/v1/api-keys/\(key)")
                return Revoked(revoked: key)
            }) { "API key \($0.revoked) revoked" }
        }
    }
}

struct AdminAppliance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appliance", abstract: "Enrolled appliances.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a site's appliances.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String

        func run() async throws {
            let site = try pathSegment(site, "--site")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/sites/\(site)/appliances", as: [ApplianceInfo].self)
            }) {
                $0.map { "\($0.id)\t\($0.status)\t\($0.lastCheckInAt ?? "never")\t\($0.softwareVersion ?? "-")" }
                    .joined(separator: "\n")
            }
        }
    }
}

struct AdminEvidence: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Stored evidence.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a site's evidence bundles.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String
        @Option(name: .long, help: "Only this host.") var host: String?
        @Option(name: .long, help: "Only bundles with this check.") var check: String?
        @Option(name: .long, help: "From (RFC 3339).") var from: String?
        @Option(name: .long, help: "To, exclusive (RFC 3339).") var to: String?
        @Option(name: .long, help: "At most this many (1–10000).") var limit: Int = 1000

        func run() async throws {
            let site = try pathSegment(site, "--site")
            var query = ["limit=\(limit)"]
            for (name, value) in [("host", host), ("check", check), ("from", from), ("to", to)] {
                if let value { query.append("\(name)=\(queryValue(value))") }
            }
            let path = "/api/v1/sites/\(site)/evidence?\(query.joined(separator: "&"))"
            try await options.run({ client throws(CentralClientError) in
                try await client.get(path, as: [EvidenceSummary].self)
            }) {
                $0.map { "\($0.observedAt)\t\($0.hostID)\t\($0.bundleID)\t\($0.applianceID)#\($0.sequence)" }
                    .joined(separator: "\n")
            }
        }
    }
}

struct AdminOrder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order", abstract: "Signed orders to appliances.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an order; Central Command signs it.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String
        @Option(name: .long, help: "The appliance ID.") var appliance: String
        @Option(name: .long, help: "run_checks, run_runbook, sync_rules or collect_diagnostics.") var type: String
        @Option(name: .long, help: "A parameter as name=value (repeatable).") var param: [String] = []
        @Option(name: .long, help: "Seconds until it expires (60–86400; default 900).") var ttl: Int64?

        func run() async throws {
            let site = try pathSegment(site, "--site")
            var parameters: [String: String] = [:]
            for pair in param {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ValidationError("--param must be name=value")
                }
                parameters[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            let body = CreateOrder(
                applianceID: appliance, type: type, parameters: parameters.isEmpty ? nil : parameters, ttlSeconds: ttl)
            try await options.run({ client throws(CentralClientError) in
                try await client.post("/api/v1/sites/\(site)/orders", body, as: OrderInfo.self)
            }) { "order \($0.id) (\($0.type)) for \($0.applianceID): \($0.status), expires \($0.expiresAt)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a site's orders, newest first.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String

        func run() async throws {
            let site = try pathSegment(site, "--site")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/sites/\(site)/orders", as: [OrderInfo].self)
            }) { $0.map { "\($0.id)\t\($0.type)\t\($0.applianceID)\t\($0.status)" }.joined(separator: "\n") }
        }
    }
}

struct AdminScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "A site's framework scores (missing evidence counts as unknown).")
    @OptionGroup var options: AdminOptions
    @Option(name: .long, help: "The site ID.") var site: String
    @Option(name: .long, help: "As of this time (RFC 3339; default now).") var at: String?

    func run() async throws {
        let site = try pathSegment(site, "--site")
        let query = at.map { "?at=\(queryValue($0))" } ?? ""
        try await options.run({ client throws(CentralClientError) in
            try await client.get("/api/v1/sites/\(site)/scores\(query)", as: [FrameworkScore].self)
        }) {
            $0.map {
                "\($0.framework.rawValue)\t\($0.score)%\tpass \($0.passing)  warn \($0.warning)  fail \($0.failing)  unknown \($0.unknown)"
            }.joined(separator: "\n")
        }
    }
}

struct AdminHost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "Hosts the appliance checks.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a host to a site.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String
        @Option(name: .long, help: "linux or windows.") var platform: String
        @Option(name: .long, help: "Address the appliance reaches it at.") var address: String?
        @Argument(help: "The host's name.") var name: String

        func run() async throws {
            let site = try pathSegment(site, "--site")
            try await options.run({ client throws(CentralClientError) in
                try await client.post(
                    "/api/v1/sites/\(site)/hosts", CreateHost(name: name, platform: platform, address: address),
                    as: ManagedHost.self)
            }) { "host \($0.id) created: \($0.name) (\($0.platform.rawValue))" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a site's hosts.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The site ID.") var site: String

        func run() async throws {
            let site = try pathSegment(site, "--site")
            try await options.run({ client throws(CentralClientError) in
                try await client.get("/api/v1/sites/\(site)/hosts", as: [ManagedHost].self)
            }) {
                $0.map { "\($0.id)\t\($0.name)\t\($0.platform.rawValue)\t\($0.address ?? "-")" }.joined(separator: "\n")
            }
        }
    }
}

struct AdminCredential: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential", abstract: "How the appliance logs in to a host (write-only).",
        subcommands: [SetCredential.self])

    struct SetCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a host's credential; the secret is read from a file or standard input, never a flag.")
        @OptionGroup var options: AdminOptions
        @Option(name: .long, help: "The host ID.") var host: String
        @Option(name: .long, help: "password or ssh_private_key.") var kind: String
        @Option(name: .long, help: "The login name on the host.") var username: String
        @Option(name: .long, help: "File holding the secret, or - for standard input.") var secretFile: String

        func run() async throws {
            let host = try pathSegment(host, "--host")
            let data: Data
            if secretFile == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: secretFile) else {
                    throw CLIError("cannot read \(secretFile)")
                }
                data = read
            }
            var secret = String(decoding: data, as: UTF8.self)
            // A password file ends with one newline that is not part of the password.
            if kind == "password", secret.hasSuffix("\n") { secret.removeLast() }
            let body = TargetCredential(kind: kind, username: username, secret: secret)
            try await options.run({ client throws(CentralClientError) in
                try await client.call("PUT", "/api/v1/hosts/\(host)/credential", body, as: CredentialInfo.self)
            }) { "credential of host \($0.hostID) set (\($0.kind), user \($0.username))" }
        }
    }
}

struct AdminState: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "The state of a check on a host at a time, with the bundle that proves it.")
    @OptionGroup var options: AdminOptions
    @Option(name: .long, help: "The site ID.") var site: String
    @Option(name: .long, help: "The host ID.") var host: String
    @Option(name: .long, help: "The check ID, e.g. linux.ssh.permit_root_login.") var check: String
    @Option(name: .long, help: "As of this time (RFC 3339; default now).") var at: String?

    func run() async throws {
        let site = try pathSegment(site, "--site")
        var query = "host=\(queryValue(host))&check=\(queryValue(check))"
        if let at { query += "&at=\(queryValue(at))" }
        try await options.run({ client throws(CentralClientError) in
            try await client.get("/api/v1/sites/\(site)/state?\(query)", as: CheckStateProof.self)
        }) {
            "\($0.checkID) on \($0.hostID): \($0.status.rawValue) (observed \($0.observedAt); bundle \($0.bundle.bundleID), "
                + "\($0.bundle.applianceID)#\($0.bundle.sequence), sha256 \($0.bundle.hash))"
        }
    }
}

struct AdminAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log, newest first.")
    @OptionGroup var options: AdminOptions
    @Option(name: .long, help: "At most this many entries (1–10000).") var limit: Int = 100
    @Option(name: .long, help: "Entries older than this entry ID.") var before: Int64?
    @Option(name: .long, help: "One partner's entries (platform operators only).") var partner: String?

    func run() async throws {
        var query = ["limit=\(limit)"]
        if let before { query.append("before=\(before)") }
        if let partner { query.append("partner=\(try pathSegment(partner, "--partner"))") }
        let path = "/api/v1/audit-log?\(query.joined(separator: "&"))"
        try await options.run({ client throws(CentralClientError) in
            try await client.get(path, as: [AuditEntryInfo].self)
        }) {
            $0.map {
                "\($0.id)\t\($0.at)\t\($0.actor)\t\($0.action)\t\($0.target)\($0.detail.isEmpty ? "" : "\t\($0.detail)")"
            }
            .joined(separator: "\n")
        }
    }
}
