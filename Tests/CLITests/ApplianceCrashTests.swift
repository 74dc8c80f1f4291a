import Appliance
import CentralClient
import Compliance
import EvidenceCrypto
import Foundation
import LabHosts
import Logging
import SQLStorage
import TestSupport
import Testing
import VigilAPI

@testable import CLI

/// The `vigil appliance` process killed with SIGKILL twenty times — at random moments, and
/// right inside uploads: afterwards Central Command holds the appliance's whole chain exactly once, and every
/// bundle in the outbox carries a receipt.
@Suite(.serialized) struct ApplianceCrashTests {
    /// Records `count` scan bundles into the appliance's outbox while the daemon is down.
    static func fill(_ directory: String, identity: ApplianceIdentity, count: Int) async throws {
        let key = try SigningKey(contentsOf: ApplianceEnrolment.keyPath(in: directory))
        let outbox = try await SQLOutbox.open(
            path: ApplianceEnrolment.databasePath(in: directory), logger: Logger(label: "fill"))
        let recorder = try await EvidenceRecorder(applianceID: identity.applianceID, key: key, outbox: outbox)
        let definition = try CheckCatalog.builtin.definition("appliance.disk.free_space")
        for start in stride(from: 0, to: count, by: 50) {
            let now = Timestamp.now()
            try await recorder.record(
                (start..<min(start + 50, count)).map { _ in
                    identity.bundle(
                        kind: .scan, host: identity.selfHostID, startedAt: now, finishedAt: now,
                        results: [
                            CheckResult(
                                checkID: definition.id, status: .pass, severity: definition.severity,
                                observed: "50% free", controls: definition.controls)
                        ])
                })
        }
        await outbox.close()
    }

    static func outboxStatus(_ directory: String) async throws -> (OutboxStatus, [OutboxEntry]) {
        let outbox = try await SQLOutbox.open(
            path: ApplianceEnrolment.databasePath(in: directory), logger: Logger(label: "check"))
        let status = try await outbox.status()
        let entries = try await outbox.entries(after: 0, limit: 10_000)
        await outbox.close()
        return (status, entries)
    }

    /// The socket inodes `pid` holds that are in LISTEN state (TCP over IPv4 or IPv6, UDP bound).
    /// A whole procfs file. Foundation's `String(contentsOfFile:)` stops after the first page of
    /// one (about 4 kB, some 26 sockets of /proc/net/tcp), which hid listeners on a busy machine.
    static func readAll(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func listeningSockets(of pid: Int32) -> Set<String> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let held = Set(
            fds.compactMap { fd -> String? in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                    target.hasPrefix("socket:[")
                else { return nil }
                return String(target.dropFirst(8).dropLast())
            })
        var listening: Set<String> = []
        for table in ["tcp", "tcp6"] {
            let lines = Self.readAll("/proc/\(pid)/net/\(table)").split(separator: "\n").dropFirst()
            for line in lines {
                let fields = line.split(separator: " ")
                if fields.count > 9, fields[3] == "0A" { listening.insert(String(fields[9])) }
            }
        }
        return held.intersection(listening)
    }

    @Test(.enabled(if: ApplianceDaemonTests.available, ApplianceDaemonTests.skip))
    func killingTheApplianceTwentyTimesDuringUploadLosesAndDuplicatesNothing() async throws {
        let world = try await ApplianceDaemonTests.World(hosts: false)
        defer { world.stop() }
        let data = world.configuration.dataDirectory
        // Enrol once in-process; the key and enrolment record stay in the data directory.
        let first = try await world.daemon()
        let identity = first.identity
        await first.close()

        let config = world.directory.appending("appliance.conf")
        let servers = world.configuration.timeSources.map { "\($0.host):\($0.port)" }.joined(separator: ",")
        try """
        # written by ApplianceCrashTests
        server-url = "\(world.server.connection.baseURL.absoluteString)"
        data-dir = "\(data)"
        time-servers = \(servers)
        scan-interval = 3600
        log-level = warning

        """.write(toFile: config, atomically: true, encoding: .utf8)

        /// The last sequence Central Command holds (counted from `known` on).
        func serverHead(from known: Int64) async throws -> Int64 {
            var head = known
            while true {
                let page = try await world.operatorClient.get(
                    "/api/v1/sites/\(world.site)/appliances/\(identity.applianceID)/evidence?after=\(head)&limit=5000",
                    as: [ProvingBundle].self)
                guard let last = page.last?.sequence else { return head }
                head = last
            }
        }
        /// Whether any bundle after `sequence` has reached Central Command (one small request).
        func arrived(after sequence: Int64) async throws -> Bool {
            try await !world.operatorClient.get(
                "/api/v1/sites/\(world.site)/appliances/\(identity.applianceID)/evidence?after=\(sequence)&limit=1",
                as: [ProvingBundle].self
            ).isEmpty
        }
        var generator = SystemRandomNumberGenerator()
        var head: Int64 = 0
        var midUpload = 0
        for round in 0..<20 {
            try await Self.fill(data, identity: identity, count: 300)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Shell.vigilBinary)
            process.arguments = ["appliance", "--config", config]
            let log = world.directory.appending("appliance-\(round).log")
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try process.run()
            if round == 0 {
                // Pull-only: while it runs, none of its sockets is a listening one.
                try await Task.sleep(for: .milliseconds(400))
                #expect(process.isRunning)
                #expect(Self.listeningSockets(of: process.processIdentifier).isEmpty)
                // The detector does see a listener: this test process's own.
                let listener = try LoopbackReceiver()
                #expect(!Self.listeningSockets(of: getpid()).isEmpty)
                listener.stop()
            }
            if round.isMultiple(of: 2) {
                // A moment anywhere in start-up, check-in, scan or upload.
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...900, using: &generator)))
            } else {
                // Once the first batch of this round has landed, a little later: inside the upload.
                for _ in 0..<500 where try await !arrived(after: head) {
                    try await Task.sleep(for: .milliseconds(5))
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...15, using: &generator)))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Killed mid-upload: some of this round's bundles arrived, not all.
            let before = head
            head = try await serverHead(from: head)
            if head > before, head < Int64((round + 1) * 300) { midUpload += 1 }
        }
        #expect(midUpload >= 3, "only \(midUpload) of 20 kills landed during an upload")

        // A last, uninterrupted run drains the outbox.
        let last = try Shell.vigil(["appliance", "--config", config, "--exit-after", "8"])
        #expect(last.status == 0, "\(last.stderr)")
        let (status, entries) = try await Self.outboxStatus(data)
        #expect(status.unreceipted == 0)
        #expect(status.headSequence >= 6000)
        #expect(entries.map(\.sequence) == Array(1...status.headSequence))
        #expect(entries.allSatisfy { $0.receipt != nil })

        // Central Command holds sequences 1…head once each, byte for byte the outbox's.
        var stored: [ProvingBundle] = []
        var after: Int64 = 0
        while true {
            let page = try await world.operatorClient.get(
                "/api/v1/sites/\(world.site)/appliances/\(identity.applianceID)/evidence?after=\(after)&limit=5000",
                as: [ProvingBundle].self)
            stored += page
            guard let lastSequence = page.last?.sequence, page.count == 5000 else { break }
            after = lastSequence
        }
        #expect(stored.map(\.sequence) == Array(1...status.headSequence))
        #expect(Set(stored.map(\.bundleID)).count == stored.count)
        for (bundle, entry) in zip(stored, entries) {
            #expect(bundle.hash == entry.hash.hex && bundle.bundleID == entry.bundleID.rawValue)
        }
    }
}
