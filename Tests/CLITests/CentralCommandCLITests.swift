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

    @Test func refusesABadDatabaseURLWithAUsageError() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let result = try Shell.vigil(["central", "--data-dir", directory.path, "--database-url", "mysql://x@y/z"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("postgres://"))
    }
}
