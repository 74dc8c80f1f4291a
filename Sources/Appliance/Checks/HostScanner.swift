public import Compliance
import EvidenceCrypto
import Foundation
public import VigilAPI

/// Who the appliance is, as every bundle it writes says.
public struct ApplianceIdentity: Sendable {
    public var applianceID: Appliance.ID
    public var siteID: Site.ID
    public var softwareRevision: String
    public var deploymentMode: DeploymentMode
    /// The reseller's name in `reseller` mode.
    public var reseller: String?

    public init(
        applianceID: Appliance.ID, siteID: Site.ID, softwareRevision: String, deploymentMode: DeploymentMode,
        reseller: String?
    ) {
        self.applianceID = applianceID
        self.siteID = siteID
        self.softwareRevision = softwareRevision
        self.deploymentMode = deploymentMode
        self.reseller = reseller
    }

    /// The host ID the appliance's checks on itself are recorded under: its own ID.
    public var selfHostID: ManagedHost.ID {
        (try? ManagedHost.ID(applianceID.rawValue)) ?? ManagedHost.ID.random(prefix: "appliance")
    }

    /// A bundle of this appliance (sequence and previous hash are set when it is sealed).
    public func bundle(
        kind: EvidenceBundle.Kind, host: ManagedHost.ID, startedAt: Timestamp, finishedAt: Timestamp,
        results: [CheckResult] = [], actions: [ActionStep] = [], outcome: Outcome? = nil
    ) -> EvidenceBundle {
        var controls: [ControlReference] = []
        for control in results.flatMap(\.controls) where !controls.contains(control) { controls.append(control) }
        let failing = results.contains { $0.status.isFailing }
        return EvidenceBundle(
            bundleID: .random(prefix: "bundle"), kind: kind, siteID: siteID, hostID: host, applianceID: applianceID,
            sequence: 1, previousHash: .zero, observedAt: finishedAt, startedAt: startedAt, finishedAt: finishedAt,
            softwareRevision: softwareRevision, deploymentMode: deploymentMode,
            reseller: deploymentMode == .reseller ? (reseller ?? "reseller") : nil, controls: controls,
            actions: actions, results: results, outcome: outcome ?? (failing ? .alert : .success))
    }
}

/// One host's scan: its bundle, and what went wrong reaching it (nil when the scan ran).
public struct HostScan: Sendable {
    public var hostID: ManagedHost.ID
    public var name: String
    public var bundle: EvidenceBundle
    public var problem: String?
}

/// Scans Linux hosts over SSH: every check of a host in one script over one connection, hosts
/// concurrently up to a bound. Host keys are pinned on first use; a changed key is refused and
/// recorded as an `alert`. A host that cannot be reached yields a bundle saying so, never
/// results it did not observe.
public struct HostScanner: Sendable {
    let client: SSHClient
    let pins: any HostKeyPins
    let checks: LinuxChecks
    let identity: ApplianceIdentity
    let maximumConcurrent: Int
    let timeoutSeconds: Int

    public init(
        client: SSHClient = SSHClient(), pins: any HostKeyPins, checks: LinuxChecks = LinuxChecks(),
        identity: ApplianceIdentity, maximumConcurrent: Int = 16, timeoutSeconds: Int = 120
    ) {
        self.client = client
        self.pins = pins
        self.checks = checks
        self.identity = identity
        self.maximumConcurrent = max(1, maximumConcurrent)
        self.timeoutSeconds = timeoutSeconds
    }

    /// This scanner with the concurrency and Linux thresholds of `configuration`.
    public func with(_ configuration: ApplianceConfiguration) -> HostScanner {
        HostScanner(
            client: client, pins: pins, checks: LinuxChecks(policy: configuration.linuxPolicy, catalog: checks.catalog),
            identity: identity, maximumConcurrent: configuration.scanConcurrency, timeoutSeconds: timeoutSeconds)
    }

    /// Scans every Linux target; results come back in the targets' order.
    public func scan(_ targets: [CheckInTarget], includePatching: Bool) async -> [HostScan] {
        let linux = targets.filter { $0.platform == Platform.linux.rawValue }
        var scans = [HostScan?](repeating: nil, count: linux.count)
        await withTaskGroup(of: (Int, HostScan).self) { group in
            var next = 0
            func start() {
                guard next < linux.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await scan(linux[index], includePatching: includePatching)) }
            }
            for _ in 0..<min(maximumConcurrent, linux.count) { start() }
            for await (index, scan) in group {
                scans[index] = scan
                start()
            }
        }
        return scans.compactMap { $0 }
    }

    /// Scans one host.
    public func scan(_ target: CheckInTarget, includePatching: Bool) async -> HostScan {
        let started = Timestamp.now()
        let host = (try? ManagedHost.ID(target.hostID)) ?? ManagedHost.ID.random(prefix: "unknown")
        func failed(_ step: String, _ problem: String) -> HostScan {
            let finished = Timestamp.now()
            let action = ActionStep(
                step: step, exitCode: -1,
                durationMilliseconds: finished.millisecondsSinceEpoch - started.millisecondsSinceEpoch,
                outputHash: HexDigest.digest(Array(problem.utf8)), excerpt: LinuxChecks.clip(problem))
            return HostScan(
                hostID: host, name: target.name,
                bundle: identity.bundle(
                    kind: .scan, host: host, startedAt: started, finishedAt: finished, actions: [action],
                    outcome: .alert),
                problem: problem)
        }
        let endpoint: SSHEndpoint
        do {
            endpoint = try Self.endpoint(for: target)
        } catch {
            return failed("connect", error.description)
        }
        let pinned: String?
        do {
            pinned = try await pins.pinnedKey(of: host)
        } catch {
            return failed("connect", "cannot read the pinned host key: \(error.description)")
        }
        let probe = LinuxProbe(includePatching: includePatching)
        let sent = Date().timeIntervalSince1970
        let output: SSHCommandResult
        do {
            output = try await client.run(
                script: probe.script, on: endpoint, pinnedHostKey: pinned, timeoutSeconds: timeoutSeconds)
        } catch {
            return failed(error.isHostKeyChange ? "host_key" : "connect", error.description)
        }
        let received = Date().timeIntervalSince1970
        if pinned == nil, !output.hostKey.isEmpty {
            do {
                _ = try await pins.pin(output.hostKey, of: host, at: Timestamp.now())
            } catch {
                return failed("host_key", "cannot pin the host key: \(error.description)")
            }
        }
        let text = String(decoding: output.stdout, as: UTF8.self)
        let sections = probe.sections(of: text)
        guard sections.complete else {
            let reason = String(decoding: output.stderr.prefix(300), as: UTF8.self)
            return failed(
                "probe",
                "the scan script did not finish (exit \(output.exitStatus.map(String.init) ?? "none")) \(reason)")
        }
        let results: [CheckResult]
        do {
            results = try checks.evaluate(sections, window: sent...max(sent, received))
        } catch {
            return failed("probe", "cannot evaluate the checks: \(error.description)")
        }
        let finished = Timestamp.now()
        let action = ActionStep(
            step: "scan", exitCode: Int32(clamping: output.exitStatus ?? -1),
            durationMilliseconds: finished.millisecondsSinceEpoch - started.millisecondsSinceEpoch,
            outputHash: HexDigest.digest(output.stdout))
        return HostScan(
            hostID: host, name: target.name,
            bundle: identity.bundle(
                kind: .scan, host: host, startedAt: started, finishedAt: finished, results: results, actions: [action]),
            problem: nil)
    }

    /// Where and how to log in: the target's address (`host`, `host:port`, `[v6]:port`) and
    /// its credential.
    static func endpoint(for target: CheckInTarget) throws(SSHError) -> SSHEndpoint {
        guard let address = target.address, !address.isEmpty else {
            throw .connect("host \(target.name) has no address")
        }
        guard let credential = target.credential else {
            throw .authentication("host \(target.name) has no credential; set one in Central Command")
        }
        let (host, port) = try parseAddress(address)
        let authentication: SSHAuthentication
        switch credential.kind {
        case StoredCredential.Kind.password.rawValue:
            authentication = .password(credential.secret)
        case StoredCredential.Kind.sshPrivateKey.rawValue:
            do {
                authentication = .privateKey(try OpenSSHPrivateKey.parse(credential.secret))
            } catch {
                throw .authentication("the private key of \(target.name) is unusable: \(error.description)")
            }
        default:
            throw .authentication("unknown credential kind \(String(reflecting: credential.kind))")
        }
        return SSHEndpoint(host: host, port: port, username: credential.username, authentication: authentication)
    }

    static func parseAddress(_ address: String) throws(SSHError) -> (String, Int) {
        func port(_ text: Substring) throws(SSHError) -> Int {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw .connect("\(String(reflecting: address)) has a bad port")
            }
            return port
        }
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw .connect("\(address) lacks ]") }
            let host = String(address[address.index(after: address.startIndex)..<close])
            let rest = address[address.index(after: close)...]
            if rest.isEmpty { return (host, 22) }
            guard rest.hasPrefix(":") else { throw .connect("\(String(reflecting: address)) is malformed") }
            return (host, try port(rest.dropFirst()))
        }
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (address, 22)
        case 2 where !parts[0].isEmpty: return (String(parts[0]), try port(parts[1]))
        default:
            // A bare IPv6 address.
            return (address, 22)
        }
    }
}

extension SSHError {
    var isHostKeyChange: Bool {
        if case .hostKeyChanged = self { return true }
        return false
    }
}

extension HexDigest {
    /// SHA-256 of `bytes` (the domain layer has no hashing of its own; hex is the bridge).
    static func digest(_ bytes: some Sequence<UInt8>) -> HexDigest {
        let hex = Hash32.sha256(Array(bytes)).hex
        return (try? HexDigest(hex: hex)) ?? .zero
    }
}
