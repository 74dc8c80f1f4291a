import Compliance
import Foundation
import TestSupport
import Testing
import VigilAPI

/// `vigil admin` against a real `vigil central` process: the tenancy tree, claim codes, users,
/// API keys, orders and listings, human and `--json` output, and clear errors.
@Suite struct AdminCLITests {
    @Test func administersARunningServerWithAnAPIKey() async throws {
        let directory = try TemporaryDirectory("vigil-admin")
        let (server, token, _) = try await FaultTests.startFresh(in: directory)
        defer { server.stop() }
        let port = server.port
        let environment = ["VIGIL_API_KEY": token, "VIGIL_URL": "http://127.0.0.1:\(port)"]
        func admin(_ arguments: [String], env: [String: String]? = nil) throws -> Shell.Result {
            try Shell.execute(Shell.vigilBinary, ["admin"] + arguments, environment: env ?? environment)
        }
        func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
            let result = try admin(arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return try JSONDecoder().decode(T.self, from: Data(result.stdout.utf8))
        }

        struct Named: Decodable { var id: String }
        let partner = try json(Named.self, ["partner", "create", "Alpha MSP"])
        let client = try json(Named.self, ["client", "create", "--partner", partner.id, "Bright Smiles Dental"])
        let site = try json(
            Named.self, ["site", "create", "--client", client.id, "--time-zone", "America/Chicago", "Main Street"])
        let code = try json(ClaimCodeCreated.self, ["claim-code", "create", "--site", site.id, "--valid-for", "3600"])
        #expect(code.siteID == site.id)
        let user = try json(
            UserCreated.self,
            [
                "user", "create", "--email", "Tech@Alpha.example", "--name", "Tech", "--role", "technician",
                "--partner",
                partner.id,
            ])
        #expect(user.user.email == "tech@alpha.example")
        #expect(user.password.count == 20)
        let key = try json(APIKeyCreated.self, ["api-key", "create", "--partner", partner.id, "psa"])
        let keys = try json([APIKeyInfo].self, ["api-key", "list", "--partner", partner.id])
        #expect(keys.map(\.id) == [key.id])
        #expect(try json([EvidenceSummary].self, ["evidence", "list", "--site", site.id]).isEmpty)
        #expect(try json([FrameworkScore].self, ["score", "--site", site.id]).allSatisfy { $0.score == 0 })

        let host = try json(
            Named.self, ["host", "create", "--site", site.id, "--platform", "linux", "--address", "10.0.0.5", "ehr-01"])
        let secretFile = directory.appending("secret")
        try "correct horse battery staple\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let credential = try json(
            CredentialInfo.self,
            [
                "credential", "set", "--host", host.id, "--kind", "password", "--username", "vigil", "--secret-file",
                secretFile,
            ])
        #expect(credential.username == "vigil")
        #expect(try json([ManagedHost].self, ["host", "list", "--site", site.id]).map(\.id.rawValue) == [host.id])
        let audit = try admin(["audit", "--limit", "50"])
        #expect(audit.status == 0)
        #expect(audit.stdout.contains("credential.set"))
        #expect(!audit.stdout.contains("correct horse"), "the audit log holds a secret")
        let unknownState = try admin(
            ["state", "--site", site.id, "--host", host.id, "--check", "linux.ssh.permit_root_login"])
        #expect(unknownState.status == 1)
        #expect(unknownState.stderr.contains("unknown"))

        // Human output names what was made.
        let listed = try admin(["partner", "list"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("\(partner.id)\tAlpha MSP"))

        // The partner's own key sees its partner only; revoked, it stops working.
        let partnerEnvironment = ["VIGIL_API_KEY": key.token, "VIGIL_URL": environment["VIGIL_URL"] ?? ""]
        let own = try admin(["partner", "list", "--json"], env: partnerEnvironment)
        #expect(own.stdout.contains(partner.id))
        #expect(try admin(["api-key", "revoke", key.id]).status == 0)
        let revoked = try admin(["partner", "list"], env: partnerEnvironment)
        #expect(revoked.status == 1)
        #expect(revoked.stderr.contains("401"))

        // Errors are one clear line, never a crash.
        let unknownAppliance = try admin(
            ["order", "create", "--site", site.id, "--appliance", "appliance-ghost", "--type", "run_checks"])
        #expect(unknownAppliance.status == 1)
        #expect(unknownAppliance.stderr.contains("404"))
        let badParameter = try admin(
            ["order", "create", "--site", site.id, "--appliance", "a", "--type", "run_checks", "--param", "novalue"])
        #expect(badParameter.status == 64)
        let traversal = try admin(["site", "list", "--client", "../../etc"])
        #expect(traversal.status == 64)
        let noKey = try admin(
            ["partner", "list"], env: ["VIGIL_API_KEY": "", "VIGIL_URL": "http://127.0.0.1:\(port)"])
        #expect(noKey.status == 1)
        let unreachable = try admin(
            ["partner", "list"],
            env: ["VIGIL_API_KEY": token, "VIGIL_URL": "http://127.0.0.1:\(ServerProcess.freePort())"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot reach"))
    }
}
