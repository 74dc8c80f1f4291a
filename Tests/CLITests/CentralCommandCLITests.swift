import Foundation
import LabHosts
import TestSupport
import Testing

/// `vigil central` as an operator runs it: embedded defaults, real HTTP on loopback, clean stop.
@Suite struct CentralCommandCLITests {
    @Test func servesHealthOnEmbeddedDefaultsAndStopsCleanlyOnSIGTERM() throws {
        let directory = try TemporaryDirectory("vigil-central")
        // A port the kernel just handed out; if a parallel test takes it first, the server cannot
        // bind and the attempt is repeated on another.
        var result = try serve(directory, port: try ServerPorts.free())
        for _ in 0..<2 {
            let log = (try? String(contentsOfFile: directory.appending("log"), encoding: .utf8)) ?? ""
            guard log.contains("Address already in use") else { break }
            result = try serve(directory, port: try ServerPorts.free())
        }
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

    func serve(_ directory: TemporaryDirectory, port: Int) throws -> Shell.Result {
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
        return try Shell.run(script)
    }

    @Test func bootstrapCreatesTheAdministratorOnceWithAPasswordAndKeyTheServerAccepts() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let data = directory.appending("data")
        let bootstrap = try Shell.vigil([
            "central", "bootstrap", "--data-dir", data, "--email", "Ops@Example.com", "--api-key", "--bcrypt-cost", "4",
            "--json",
        ])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        let created = try JSONSerialization.jsonObject(with: Data(bootstrap.stdout.utf8)) as? [String: Any]
        let password = try #require(created?["password"] as? String)
        let user = try #require(created?["user"] as? [String: Any])
        #expect(user["email"] as? String == "ops@example.com")
        #expect(user["role"] as? String == "admin")
        let token = try #require((created?["api_key"] as? [String: Any])?["token"] as? String)
        #expect(token.hasPrefix("vigil_key-"))
        // Only hashes are stored: neither the password nor the key's secret is in the database.
        for file in try FileManager.default.contentsOfDirectory(atPath: data) where file.hasPrefix("vigil.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(data)/\(file)"))
            #expect(bytes.range(of: Data(String(token.suffix(64)).utf8)) == nil, "\(file) holds the API key secret")
            #expect(bytes.range(of: Data(password.utf8)) == nil, "\(file) holds the password")
        }
        let again = try Shell.vigil(["central", "bootstrap", "--data-dir", data])
        #expect(again.status != 0)
        #expect(again.stderr.contains("exists already"))

        let port = try ServerPorts.free()
        let script = """
            '\(Shell.vigilBinary)' central --data-dir '\(data)' --port \(port) --insecure-cookies > '\(directory.appending("log"))' 2>&1 &
            pid=$!
            for attempt in $(seq 1 150); do
              if curl -sf http://127.0.0.1:\(port)/healthz > /dev/null; then break; fi
              sleep 0.1
            done
            curl -s -w '\\nstatus=%{http_code}\\n' -H 'Authorization: Bearer \(token)' http://127.0.0.1:\(port)/api/v1/partners
            curl -s -o /dev/null -w 'wrong=%{http_code}\\n' -H 'Authorization: Bearer vigil_x_y' http://127.0.0.1:\(port)/api/v1/partners
            curl -s -c '\(directory.appending("cookies"))' -o /dev/null -w 'login=%{http_code}\\n' -H 'Content-Type: application/json' \\
              -d '{"email":"ops@example.com","password":"\(password)"}' http://127.0.0.1:\(port)/api/v1/auth/login
            curl -s -b '\(directory.appending("cookies"))' -o /dev/null -w 'session=%{http_code}\\n' http://127.0.0.1:\(port)/api/v1/auth/session
            kill -TERM "$pid"
            wait "$pid" || true
            """
        let result = try Shell.run(script)
        #expect(result.stdout.contains("[]\nstatus=200"), "\(result.stdout)")
        #expect(result.stdout.contains("wrong=401"))
        #expect(result.stdout.contains("login=200"))
        #expect(result.stdout.contains("session=200"))
        let mode =
            try FileManager.default.attributesOfItem(atPath: "\(data)/secret.key")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test func writesStructuredJSONLogsWithoutSecrets() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let port = try ServerPorts.free()
        let script = """
            '\(Shell.vigilBinary)' central --data-dir '\(directory.appending("data"))' --port \(port) --log-format json --log-level debug 2> '\(directory.appending("log"))' &
            pid=$!
            for attempt in $(seq 1 150); do
              if curl -sf http://127.0.0.1:\(port)/healthz > /dev/null; then break; fi
              sleep 0.1
            done
            curl -s -o /dev/null -H 'Authorization: Bearer vigil_key-abc_\(String(repeating: "f", count: 64))' http://127.0.0.1:\(port)/api/v1/partners
            kill -TERM "$pid"
            wait "$pid" || true
            """
        _ = try Shell.run(script)
        let log = try String(contentsOfFile: directory.appending("log"), encoding: .utf8)
        let lines = log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["time"] != nil && object?["message"] != nil, "\(line)")
        }
        #expect(log.contains(#""route":"\/api\/v1\/partners""#) || log.contains(#""route":"/api/v1/partners""#))
        #expect(log.contains(#""status":"401""#))
        #expect(!log.contains(String(repeating: "f", count: 64)), "the log holds a credential")
    }

    @Test func readsSettingsFromAFileAndTheEnvironmentWithFlagsWinning() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let filePort = Int.random(in: 20_000..<40_000)
        let environmentPort = filePort + 1
        let flagPort = filePort + 2
        let config = directory.appending("central.conf")
        try """
        # Central Command settings
        data-dir = "\(directory.appending("data"))"   # quoted, with a comment
        port = \(filePort)
        log-format = json
        """.write(toFile: config, atomically: true, encoding: .utf8)
        func serveOnce(_ extra: [String], environment: [String: String], port: Int) throws -> String {
            let script = """
                '\(Shell.vigilBinary)' central --config '\(config)' \(extra.joined(separator: " ")) 2> '\(directory.appending("log"))' &
                pid=$!
                for attempt in $(seq 1 150); do
                  if curl -sf http://127.0.0.1:\(port)/healthz > /dev/null; then echo "up on \(port)"; break; fi
                  sleep 0.1
                done
                kill -TERM "$pid"
                wait "$pid" || true
                """
            return try Shell.run(script, environment: environment).stdout
        }
        #expect(try serveOnce([], environment: [:], port: filePort).contains("up on \(filePort)"))
        let log = try String(contentsOfFile: directory.appending("log"), encoding: .utf8)
        #expect(log.hasPrefix("{"), "log-format = json from the file")
        #expect(
            try serveOnce([], environment: ["VIGIL_PORT": String(environmentPort)], port: environmentPort)
                .contains("up on \(environmentPort)"))
        #expect(
            try serveOnce(
                ["--port", String(flagPort)], environment: ["VIGIL_PORT": String(environmentPort)], port: flagPort
            ).contains("up on \(flagPort)"))

        for (text, complaint) in [
            ("prot = 1\n", "unknown setting"), ("port = eighty\n", "whole number"), ("port\n", "name = value"),
            ("data-dir = \"unterminated\n", "unterminated"),
        ] {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            let result = try Shell.vigil(["central", "--config", config])
            #expect(result.status == 64, "\(text)")
            #expect(result.stderr.contains(complaint), "\(text): \(result.stderr)")
        }
        let badEnvironment = try Shell.execute(
            Shell.vigilBinary, ["central", "--data-dir", directory.appending("data")],
            environment: ["VIGIL_LOG_LEVEL": "loud"])
        #expect(badEnvironment.status == 64)
        #expect(badEnvironment.stderr.contains("log level"))
    }

    @Test func refusesABadDatabaseURLWithAUsageError() throws {
        let directory = try TemporaryDirectory("vigil-central")
        let result = try Shell.vigil(["central", "--data-dir", directory.path, "--database-url", "mysql://x@y/z"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("postgres://"))
    }
}
