public import Compliance
public import Foundation
public import Healing

/// Everything the appliance daemon is told (docs/CONFIGURATION.md; the CLI reads it from a file
/// and the environment). Defaults are what an MSP would pick for a small practice.
public struct ApplianceConfiguration: Sendable {
    /// Central Command's base URL.
    public var serverURL: URL
    /// Where the key, the enrolment record and the outbox live (created 0700).
    public var dataDirectory: String
    /// The claim code for the first run; ignored once enrolled.
    public var claimCode: String?
    /// NTP servers for the clock check (at least three answering for a pass).
    public var timeSources: [TimeSource] = ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org"]
        .map { TimeSource(host: $0) }
    /// Seconds between full scans of the appliance and its hosts (orders can ask for one sooner).
    public var scanIntervalSeconds = 900
    /// Seconds between queries for pending security updates on each host (an apt or dnf
    /// simulation costs seconds of CPU on the host).
    public var patchIntervalSeconds = 21_600
    /// Hosts scanned at once.
    public var scanConcurrency = 16
    /// Seconds one host's scan may take.
    public var scanTimeoutSeconds = 120
    /// Days a receipted bundle keeps its bytes in the outbox (its hash and receipt stay for ever).
    public var retentionDays = 90
    public var deploymentMode: DeploymentMode = .direct
    /// The reseller's name (`reseller` mode).
    public var reseller: String?
    /// Reseller mode: the RFC 5424 receiver (`tcp://host:port` or `tls://host:port`) and the CA
    /// certificates (PEM) that verify a TLS receiver (default: the system's roots).
    public var syslogURL: String?
    public var syslogCAFile: String?
    /// Reseller mode: the webhook and its HMAC secret (at least 16 characters).
    public var webhookURL: URL?
    public var webhookSecret: String?
    public var linuxPolicy = LinuxCheckPolicy()
    public var selfChecks = SelfCheckPolicy()
    /// Free share of the data directory's file system below which the appliance alerts.
    public var diskMinimumFreePercent = 15.0
    /// A runbook catalogue directory instead of the built-in one (loaded strictly at start).
    public var runbookDirectory: String?
    /// An L1 rule set (YAML) instead of the built-in rules.
    public var rulesFile: String?
    /// The L2 planner (nil: L2 is skipped and drifts without an L1 rule escalate).
    public var l2: L2Configuration?
    /// Stop after this many seconds (demo and tests); nil runs until cancelled.
    public var exitAfterSeconds: Double?

    public init(serverURL: URL, dataDirectory: String) {
        self.serverURL = serverURL
        self.dataDirectory = dataDirectory
    }

    /// Where reseller mode sends every event (empty in direct mode).
    public var forwarders: [any EventForwarder] {
        guard deploymentMode == .reseller else { return [] }
        var forwarders: [any EventForwarder] = []
        if let syslogURL, let syslog = try? SyslogForwarder.parse(syslogURL, caFile: syslogCAFile) {
            forwarders.append(syslog)
        }
        if let webhookURL, let webhookSecret {
            forwarders.append(WebhookForwarder(url: webhookURL, secret: webhookSecret))
        }
        return forwarders
    }

    /// What is wrong with this configuration, or nil.
    public var problem: String? {
        guard let scheme = serverURL.scheme?.lowercased(), ["http", "https"].contains(scheme), serverURL.host != nil
        else { return "server-url must be an http or https URL" }
        if dataDirectory.isEmpty { return "data-dir must not be empty" }
        if scanIntervalSeconds < 10 { return "scan-interval must be at least 10 seconds" }
        if patchIntervalSeconds < scanIntervalSeconds { return "patch-interval must be at least scan-interval" }
        if !(1...256).contains(scanConcurrency) { return "scan-concurrency must be 1–256" }
        if !(5...3600).contains(scanTimeoutSeconds) { return "scan-timeout must be 5–3600 seconds" }
        if retentionDays < 1 { return "retention-days must be at least 1" }
        if timeSources.isEmpty { return "time-servers must name at least one server" }
        if deploymentMode == .reseller {
            if (reseller ?? "").isEmpty { return "reseller mode needs reseller (its name)" }
            if syslogURL == nil, webhookURL == nil { return "reseller mode needs syslog-url, webhook-url or both" }
        }
        if let syslogURL {
            do {
                _ = try SyslogForwarder.parse(syslogURL, caFile: syslogCAFile)
            } catch {
                return error.description
            }
        }
        if let webhookURL {
            guard ["http", "https"].contains(webhookURL.scheme?.lowercased() ?? ""), webhookURL.host != nil else {
                return "webhook-url must be an http or https URL"
            }
            guard (webhookSecret ?? "").count >= 16 else {
                return "webhook-url needs webhook-secret of at least 16 characters"
            }
        }
        if !(0...100).contains(diskMinimumFreePercent) { return "disk-min-free must be 0–100" }
        return nil
    }
}
