import Foundation
import TestSupport
import Testing

/// `vigil central` as an operator runs it: embedded defaults, real HTTP on loopback, clean stop.
@Suite struct CentralCommandCLITests {
    @Test func servesHealthOnEmbeddedDefaultsAndStopsCleanlyOnSIGTERM() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let port = Int.random(in: 20_000..<60_000)
        let script = """
            '\(Shell.vigilBinary)' central --data-dir '\(directory.appending("data"))' --port \(port) > '\(directory.appending("log"))' 2>&1 &
            pid=$!
            for attempt in $(seq 1 150); do
              if curl -sf http://127.0.0.1:\(port)/healthz > /dev/null; then break; fi
              sleep 0.1
            done
            curl -sf http://127.0.0.1:\(port)/readyz
            echo
            curl -s -o /dev/null -w 'unsigned=%{http_code}\\n' -X POST -H 'Content-Type: application/json' -d '{}' \\
              http://127.0.0.1:\(port)/api/v1/appliance/evidence
            kill -TERM "$pid"
            wait "$pid" && echo "exit=0" || echo "exit=$?"
            """
        let result = try Shell.run(script)
        #expect(result.stdout.contains("\"ready\":true"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("unsigned=401"))
        #expect(result.stdout.contains("exit=0"))
        let mode =
            try FileManager.default.attributesOfItem(atPath: directory.appending("data/server-key.pem"))[
                .posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let dataMode =
            try FileManager.default.attributesOfItem(atPath: directory.appending("data"))[.posixPermissions]
            as? NSNumber
        #expect(dataMode?.intValue == 0o700)
    }

    @Test func bootstrapPrintsAPlatformKeyOnceThatTheServerAccepts() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let data = directory.appending("data")
        let bootstrap = try Shell.vigil(["central", "bootstrap", "--data-dir", data, "--json"])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        let created = try JSONDecoder().decode([String: String?].self, from: Data(bootstrap.stdout.utf8))
        let token = try #require(created["token"] ?? nil)
        #expect(token.hasPrefix("vigil_key-"))
        // Only a hash is stored: the token's secret is nowhere in the database file.
        let secret = String(token.suffix(64))
        for file in try FileManager.default.contentsOfDirectory(atPath: data) where file.hasPrefix("vigil.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(data)/\(file)"))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the API key secret")
        }
        let port = Int.random(in: 20_000..<60_000)
        let script = """
            '\(Shell.vigilBinary)' central --data-dir '\(data)' --port \(port) > '\(directory.appending("log"))' 2>&1 &
            pid=$!
            for attempt in $(seq 1 150); do
              if curl -sf http://127.0.0.1:\(port)/healthz > /dev/null; then break; fi
              sleep 0.1
            done
            curl -s -w '\\nstatus=%{http_code}\\n' -H 'Authorization: Bearer \(token)' http://127.0.0.1:\(port)/api/v1/partners
            curl -s -o /dev/null -w 'wrong=%{http_code}\\n' -H 'Authorization: Bearer vigil_x_y' http://127.0.0.1:\(port)/api/v1/partners
            kill -TERM "$pid"
            wait "$pid" || true
            """
        let result = try Shell.run(script)
        #expect(result.stdout.contains("[]\nstatus=200"), "\(result.stdout)")
        #expect(result.stdout.contains("wrong=401"))
    }

    @Test func refusesABadDatabaseURLWithAUsageError() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let result = try Shell.vigil(["central", "--data-dir", directory.path, "--database-url", "mysql://x@y/z"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("postgres://"))
    }
}
