public import CentralClient
public import Compliance
public import EvidenceCrypto
import Foundation
public import Healing
public import Logging
import SQLStorage
public import VigilAPI

/// What one turn of the daemon did, for logs and tests.
public struct DaemonTurn: Sendable {
    public var cycle: CycleReport
    /// Bundles committed to the outbox in this turn.
    public var recorded = 0
    /// Hosts scanned in this turn (0 when no scan was due).
    public var scannedHosts = 0
    /// Whether the appliance checked itself in this turn.
    public var checkedSelf = false
    /// Events forwarded in this turn, by target (reseller mode).
    public var forwarded: [String: Int] = [:]
    /// Incidents raised or updated in this turn: host name and check.
    public var escalations: [(host: String, check: String)] = []
    /// Runbooks run (or deferred) in this turn: runbook, host name, outcome.
    public var remediations: [(runbook: String, host: String, outcome: Outcome)] = []
    /// The tree size Central Command cosigned in this turn, if it did.
    public var witnessedSize: Int?
    public var problems: [String] = []
}

/// The appliance (PRODUCT.md §4): enrolled once, then every 60 s ± 10 % it checks its clock,
/// checks in, gates and runs orders, scans itself and its Linux hosts when a scan is due,
/// commits every bundle to the outbox, and uploads. Pull-only: it opens no listening socket.
/// Target credentials live only in memory, replaced at every check-in that lists targets.
public actor ApplianceDaemon {
    /// The configuration the daemon was started with (file and environment).
    nonisolated public let configuration: ApplianceConfiguration
    /// What is in force: the configuration with Central Command's `update_configuration`
    /// overrides (kept in `DATA/overrides.json`).
    public private(set) var effective: ApplianceConfiguration
    nonisolated public let identity: ApplianceIdentity
    nonisolated public let enrolment: ApplianceEnrolment
    let database: VigilDatabase
    let outbox: SQLOutbox
    /// The appliance's signing key and what signs with it; replaced together by a key rotation.
    var key: SigningKey
    var recorder: EvidenceRecorder
    var cycle: CheckInCycle
    var link: any CentralLink
    /// A key rotation whose outcome is not known yet (`appliance-key.next.pem` exists), and the
    /// order that asked for it when this run started it. Nothing is recorded until it is settled.
    var pendingKey: (key: SigningKey, orderID: String?)?
    var scanner: HostScanner
    let deferred: SQLDeferredOrders
    let cursors: SQLForwardCursors
    let forwarders: [any EventForwarder]
    let serverKey: VerifyingKey
    let logger: Logger
    let startedAt = Timestamp.now()
    /// Healing (PRODUCT.md §5): the runbook catalogue, the L1 rules and their ledger, the
    /// runbooks the site enabled, and fixes waiting for the maintenance window.
    nonisolated public let catalogue: RunbookCatalogue
    var engine: L1Engine
    /// The rules the appliance was started with, and the revision of the promoted rules from
    /// Central Command merged with them (-1: none fetched yet).
    let baseRules: [L1Rule]
    var promotedRevision: Int64 = -1
    var nextRuleSync = Date.distantPast
    let executor: RunbookExecutor
    var ledger = L1Ledger()
    var enabledRunbooks: Set<String> = []
    var waitingHeals: [String: WaitingHeal] = [:]
    /// Host|check pairs escalated in this run (cleared when the check passes again).
    var escalated: Set<String> = []
    /// The L2 planner, and the host|check pairs it was asked about in this drift episode.
    let l2: L2PlannerClient?
    var l2Asked: Set<String> = []

    var targets: [CheckInTarget] = []
    /// Hosts already reported as not scannable by this appliance (said once per run).
    var unsupported: Set<String> = []
    var nextScan = Date.distantPast
    var nextPatchQuery = Date.distantPast
    var nextPrune = Date.distantPast
    var nextResticCheck = Date.distantPast
    var centralReachable: Bool?
    /// The size of the last checkpoint Central Command cosigned in this run.
    var witnessedSize = 0
    var clock: ClockVerdict?
    var window: MaintenanceWindow?
    var random = SystemRandomNumberGenerator()
    var backoff = Backoff(baseSeconds: 60, capSeconds: 600)

    /// Enrols if needed and opens the outbox; `link` replaces the HTTP client in tests.
    public static func start(
        _ configuration: ApplianceConfiguration, softwareRevision: String, logger: Logger,
        link: (any CentralLink)? = nil
    ) async throws(ApplianceError) -> ApplianceDaemon {
        if let problem = configuration.problem { throw .configuration(problem) }
        let (catalogue, rules) = try loadHealing(configuration)
        let (key, enrolment) = try await ApplianceEnrolment.loadOrEnrol(
            directory: configuration.dataDirectory, serverURL: configuration.serverURL,
            claimCode: configuration.claimCode, softwareRevision: softwareRevision)
        let applianceID: Appliance.ID
        let siteID: Site.ID
        let serverKey: VerifyingKey
        do {
            applianceID = try Appliance.ID(enrolment.applianceID)
            siteID = try Site.ID(enrolment.siteID)
            serverKey = try VerifyingKey(text: enrolment.serverPublicKey)
        } catch {
            throw .configuration("enrolment record is malformed: \(error)")
        }
        let database: VigilDatabase
        do {
            database = try await SQLOutbox.openApplianceDatabase(
                path: ApplianceEnrolment.databasePath(in: configuration.dataDirectory), logger: logger)
        } catch {
            throw .storage(error.description)
        }
        let outbox = SQLOutbox(database: database)
        let recorder: EvidenceRecorder
        do {
            recorder = try await EvidenceRecorder(applianceID: applianceID, key: key, outbox: outbox)
        } catch {
            await database.close()
            throw .storage(error.description)
        }
        let identity = ApplianceIdentity(
            applianceID: applianceID, siteID: siteID, softwareRevision: softwareRevision,
            deploymentMode: configuration.deploymentMode, reseller: configuration.reseller)
        let link =
            link
            ?? ApplianceClient(
                connection: CentralConnection(baseURL: configuration.serverURL), applianceID: applianceID, key: key)
        let cycle = makeCycle(
            link: link, serverKey: serverKey, applianceID: applianceID, database: database, outbox: outbox,
            softwareRevision: softwareRevision)
        let scanner = HostScanner(
            pins: SQLHostKeyPins(database: database), checks: LinuxChecks(policy: configuration.linuxPolicy),
            identity: identity, maximumConcurrent: configuration.scanConcurrency,
            timeoutSeconds: configuration.scanTimeoutSeconds)
        let daemon = ApplianceDaemon(
            configuration: configuration, identity: identity, enrolment: enrolment, database: database, outbox: outbox,
            key: key, recorder: recorder, cycle: cycle, link: link, scanner: scanner, serverKey: serverKey,
            logger: logger, catalogue: catalogue, rules: rules)
        await daemon.loadPendingKey()
        return daemon
    }

    /// The runbook catalogue and L1 rules: built in, or from `runbook-dir` / `rules-file`; a bad
    /// file stops the start with every problem as file:line.
    static func loadHealing(_ configuration: ApplianceConfiguration) throws(ApplianceError) -> (
        RunbookCatalogue, [L1Rule]
    ) {
        do throws(CatalogueFailure) {
            let catalogue: RunbookCatalogue
            if let directory = configuration.runbookDirectory {
                catalogue = try RunbookCatalogue.load(directory: directory)
            } else {
                catalogue = try RunbookCatalogue.builtin()
            }
            guard let rulesFile = configuration.rulesFile else {
                return (catalogue, try L1RuleSet.builtin(catalogue: catalogue))
            }
            guard let data = FileManager.default.contents(atPath: rulesFile),
                let text = String(data: data, encoding: .utf8)
            else { throw CatalogueFailure([CatalogueProblem(file: rulesFile, line: 0, reason: "cannot be read")]) }
            do {
                return (catalogue, try L1RuleSet.parse(text, file: rulesFile, catalogue: catalogue, source: .custom))
            } catch {
                throw CatalogueFailure([error])
            }
        } catch {
            throw .configuration("healing catalogue: \(error.description)")
        }
    }

    static func makeCycle(
        link: any CentralLink, serverKey: VerifyingKey, applianceID: Appliance.ID, database: VigilDatabase,
        outbox: SQLOutbox, softwareRevision: String
    ) -> CheckInCycle {
        CheckInCycle(
            link: link,
            gate: OrderGate(serverKey: serverKey, applianceID: applianceID, ledger: SQLOrderLedger(database: database)),
            uploader: EvidenceUploader(outbox: outbox, sink: link, serverKey: serverKey, applianceID: applianceID),
            outbox: outbox, softwareVersion: softwareRevision, startedAt: Timestamp.now())
    }

    init(
        configuration: ApplianceConfiguration, identity: ApplianceIdentity, enrolment: ApplianceEnrolment,
        database: VigilDatabase, outbox: SQLOutbox, key: SigningKey, recorder: EvidenceRecorder, cycle: CheckInCycle,
        link: any CentralLink, scanner: HostScanner, serverKey: VerifyingKey, logger: Logger,
        catalogue: RunbookCatalogue, rules: [L1Rule]
    ) {
        self.key = key
        self.catalogue = catalogue
        self.engine = L1Engine(rules)
        self.baseRules = rules
        self.executor = RunbookExecutor(pins: SQLHostKeyPins(database: database))
        self.l2 = configuration.l2.map { L2PlannerClient(configuration: $0) }
        self.configuration = configuration
        self.effective = configuration
        self.identity = identity
        self.enrolment = enrolment
        self.database = database
        self.outbox = outbox
        self.recorder = recorder
        self.cycle = cycle
        self.link = link
        self.scanner = scanner
        self.deferred = SQLDeferredOrders(database: database)
        self.cursors = SQLForwardCursors(database: database)
        self.forwarders = configuration.forwarders
        self.serverKey = serverKey
        self.logger = logger
        if let saved = Self.loadOverrides(configuration.dataDirectory) {
            for (key, value) in saved where ConfigurationOverrides.check(key, value) == nil {
                Self.apply(key, value, to: &effective)
            }
            self.scanner = scanner.with(effective)
        }
    }

    /// Runs turns until cancelled or `exitAfterSeconds` pass, then closes the outbox.
    public func run() async {
        let deadline = configuration.exitAfterSeconds.map { Date().addingTimeInterval($0) }
        logger.info(
            "appliance running",
            metadata: [
                "appliance": "\(identity.applianceID)", "site": "\(identity.siteID)",
                "server": "\(configuration.serverURL.absoluteString)",
            ])
        while !Task.isCancelled {
            let turn = await turn()
            for problem in turn.problems + turn.cycle.problems {
                logger.warning("\(problem)")
            }
            // Central Command unreachable: back off exponentially with jitter (60 s doubling
            // to 10 minutes), so a fleet returning after an outage does not arrive at once.
            var delay: Double
            if case .failure = turn.cycle.checkIn {
                delay = max(turn.cycle.nextDelay(using: &random), backoff.failed(using: &random))
            } else {
                backoff.succeeded()
                delay = turn.cycle.nextDelay(using: &random)
            }
            if let deadline {
                delay = min(delay, deadline.timeIntervalSinceNow)
                if delay <= 0 { break }
            }
            try? await Task.sleep(for: .seconds(delay))
            if let deadline, Date() >= deadline { break }
        }
        await database.close()
        logger.info("appliance stopped")
    }

    /// One turn: clock, check-in with orders, scans when due, upload, pruning.
    public func turn(forceScan: Bool = false) async -> DaemonTurn {
        let clock = await checkClock()
        self.clock = clock
        let offset = clock?.medianOffsetSeconds.map { Int64(($0 * 1000).rounded()) }
        var bundles: [EvidenceBundle] = []
        var settledOrder: (String, OrderReport)?
        if pendingKey != nil {
            if let (bundle, order) = await settlePendingKey() {
                bundles.append(bundle)
                settledOrder = order
            } else {
                // Which key signs the next bundle is unknown: record nothing until it is.
                var turn = DaemonTurn(cycle: CycleReport(checkIn: .failure(.transport("key rotation unsettled"))))
                turn.problems.append(
                    "a key rotation is unsettled (Central Command unreachable); nothing is recorded until it is")
                return turn
            }
        }
        let report = await cycle.run(clockOffsetMilliseconds: offset)
        var turn = DaemonTurn(cycle: report)

        switch report.checkIn {
        case .success(let answer):
            // Held in memory only; a host or credential no longer listed is forgotten here.
            targets = answer.targets
            enabledRunbooks = Set(answer.enabledRunbooks)
            window = answer.maintenanceWindow
            if centralReachable == false { logger.info("Central Command reachable again") }
            centralReachable = true
        case .failure(let error):
            if centralReachable != false {
                logger.error("cannot check in: \(error.description)")
                bundles.append(egressAlert(error.description))
            }
            centralReachable = false
        }

        // A scan due before the next check-in runs now: with check-ins jittered ± 10 %, a scan
        // interval equal to the check-in interval would otherwise skip every other turn.
        let earlyBy = min(Double(effective.scanIntervalSeconds) * 0.15, 30)
        var scanNow = forceScan || Date().addingTimeInterval(earlyBy) >= nextScan
        for admission in report.admissions {
            bundles.append(contentsOf: orderEvidence(admission))
        }
        var finishedOrders: [(String, OrderReport, [EvidenceBundle])] = []
        var rotation: (payload: OrderPayload, started: Timestamp)?
        for (payload, type, signed) in report.accepted {
            let started = Timestamp.now()
            if type == .rotateKey {
                // Run after this turn's bundles are uploaded: the new key starts at the boundary.
                rotation = (payload, started)
                continue
            }
            if case .deferred(let reason) = gate(type, payload.parameters) {
                do {
                    try await deferred.keep(
                        orderID: payload.orderID, payload: signed.payload, signature: signed.signature,
                        reason: reason, at: started)
                } catch {
                    turn.problems.append("cannot keep deferred order \(payload.orderID): \(error.description)")
                }
                bundles.append(
                    orderBundle(
                        orderID: payload.orderID, type: payload.type, started: started, exitCode: 0,
                        detail: "deferred: \(reason)", outcome: .deferred))
                continue
            }
            finishedOrders.append(await execute(type, payload: payload, started: started, scanNow: &scanNow))
        }
        if centralReachable == true, Date() >= nextRuleSync {
            if let problem = await syncRules() { turn.problems.append(problem) }
        }
        await runDeferred(&finishedOrders, &bundles, &turn, scanNow: &scanNow)
        bundles.append(contentsOf: await runWaitingHeals(&turn))
        bundles.append(contentsOf: finishedOrders.flatMap(\.2))
        var reports = finishedOrders.map { ($0.0, $0.1) }
        if let settledOrder { reports.append(settledOrder) }

        if scanNow {
            let includePatching = Date() >= nextPatchQuery
            bundles.append(await selfScan(clock: clock))
            for target in targets
            where target.platform != Platform.linux.rawValue && !unsupported.contains(target.hostID) {
                unsupported.insert(target.hostID)
                turn.problems.append(
                    "host \(target.name) is \(target.platform): this appliance scans Linux hosts only so far; it has no evidence"
                )
            }
            let scans = await scanner.scan(targets, includePatching: includePatching)
            for scan in scans {
                if let problem = scan.problem { turn.problems.append("host \(scan.name): \(problem)") }
            }
            bundles.append(contentsOf: scans.map(\.bundle))
            turn.scannedHosts = scans.count
            bundles.append(contentsOf: await heal(scans, &turn))
            turn.checkedSelf = true
            nextScan = Date().addingTimeInterval(Double(effective.scanIntervalSeconds))
            if includePatching {
                nextPatchQuery = Date().addingTimeInterval(Double(effective.patchIntervalSeconds))
            }
        }

        if !bundles.isEmpty {
            do {
                try await recorder.record(bundles)
                turn.recorded = bundles.count
            } catch {
                // Nothing was committed: the results are lost for this turn and retried at the
                // next scan; the error is loud.
                turn.problems.append("cannot record \(bundles.count) bundles: \(error.description)")
            }
            if centralReachable == true { turn.cycle.upload = await cycle.uploader.flush() }
        }
        if let rotation {
            let (status, detail) = await rotateKey(orderID: rotation.payload.orderID)
            logger.notice("order \(rotation.payload.orderID) (rotate_key): \(detail)")
            let answer = OrderReport(status: status.rawValue, detail: detail)
            if status == .completed || pendingKey == nil {
                let bundle = orderBundle(
                    orderID: rotation.payload.orderID, type: rotation.payload.type, started: rotation.started,
                    exitCode: status == .completed ? 0 : 1, detail: detail,
                    outcome: status == .completed ? .success : .failed)
                do {
                    try await recorder.record([bundle])
                    turn.recorded += 1
                } catch {
                    turn.problems.append("cannot record the key rotation: \(error.description)")
                }
                turn.cycle.upload = await cycle.uploader.flush()
            }
            // An unsettled rotation is reported when it is settled.
            if pendingKey == nil { reports.append((rotation.payload.orderID, answer)) }
        }
        for (order, answer) in reports where centralReachable == true {
            do {
                _ = try await link.report(answer, order: order)
            } catch {
                turn.problems.append("order \(order): cannot report \(answer.status): \(error.description)")
            }
        }
        if let failure = turn.cycle.upload.failure { turn.problems.append("upload: \(failure)") }
        await submitCheckpointIfDue(&turn)
        await forward(&turn)
        await pruneIfDue(&turn)
        return turn
    }

    // MARK: Checks on the appliance itself

    /// The clock check; nil only if the catalogue lacks the clock check (a build defect, logged).
    func checkClock() async -> ClockVerdict? {
        do {
            return try await ClockCheck(sources: configuration.timeSources).run()
        } catch {
            logger.error("clock check: \(error)")
            return nil
        }
    }

    /// The appliance's own checks as one scan bundle.
    func selfScan(clock: ClockVerdict?) async -> EvidenceBundle {
        let started = Timestamp.now()
        var results = clock.map { [$0.result] } ?? []
        let checkRepository = Date() >= nextResticCheck
        do {
            results.append(
                try DiskSpaceCheck(
                    path: configuration.dataDirectory, minimumFreePercent: configuration.diskMinimumFreePercent
                ).run())
            results += try await Self.offThePool { [policy = configuration.selfChecks] () throws(DomainError) in
                try ApplianceSelfChecks(policy: policy).run(runResticCheck: checkRepository)
            }
        } catch {
            logger.error("self checks: \(error)")
        }
        if checkRepository {
            nextResticCheck = Date().addingTimeInterval(configuration.selfChecks.resticCheckIntervalSeconds)
        }
        return identity.bundle(
            kind: .scan, host: identity.selfHostID, startedAt: started, finishedAt: Timestamp.now(), results: results)
    }

    /// Runs blocking work (local programs, up to a `restic check`) on a Dispatch thread, so it
    /// never holds one of Swift concurrency's few cooperative threads.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws(DomainError) -> T)
        async throws(DomainError)
        -> T
    {
        let result: Result<T, DomainError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(DomainError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// An `alert` bundle: Central Command cannot be reached (DNS, egress, the server down).
    func egressAlert(_ why: String) -> EvidenceBundle {
        let now = Timestamp.now()
        let action = ActionStep(
            step: "check_in", exitCode: -1, durationMilliseconds: 0, outputHash: HexDigest.digest(Array(why.utf8)),
            excerpt: LinuxChecks.clip(why))
        return identity.bundle(
            kind: .scan, host: identity.selfHostID, startedAt: now, finishedAt: now, actions: [action], outcome: .alert)
    }

    // MARK: Orders

    /// Evidence for orders that were refused or expired (accepted ones are recorded when run).
    func orderEvidence(_ admission: OrderAdmission) -> [EvidenceBundle] {
        let now = Timestamp.now()
        switch admission {
        case .accepted, .seenBefore:
            return []
        case .expired(let id, let expiresAt):
            return [
                orderBundle(
                    orderID: id, type: nil, started: now, exitCode: 1, detail: "expired at \(expiresAt)",
                    outcome: .expired)
            ]
        case .rejected(let id, let reason):
            return [
                orderBundle(
                    orderID: id ?? "unverified", type: nil, started: now, exitCode: 1, detail: reason,
                    outcome: .rejected)
            ]
        }
    }

    /// The gate for an order now. A runbook order waits for the window only when its runbook
    /// is disruptive or needs the window (an unknown runbook is refused at once: nothing runs).
    func gate(_ type: OrderType, _ parameters: [String: String]) -> ActionDecision {
        let disruptive =
            type == .runRunbook
            ? (catalogue[parameters["runbook"] ?? ""]?.requiresWindow ?? false) : type.isDisruptive
        return ActionGate.decide(
            disruptive: disruptive, clockTrusted: clock?.trustworthy ?? false, window: window, at: Date())
    }

    /// Runs an accepted order: its report to Central Command and its evidence (the order's
    /// bundle, after the remediation's when it ran a runbook).
    func execute(_ type: OrderType, payload: OrderPayload, started: Timestamp, scanNow: inout Bool) async -> (
        String, OrderReport, [EvidenceBundle]
    ) {
        let (status, detail, remediation) = await accept(type, payload: payload, scanNow: &scanNow)
        var bundles = remediation.map { [$0] } ?? []
        bundles.append(
            orderBundle(
                orderID: payload.orderID, type: payload.type, started: started, exitCode: status == .completed ? 0 : 1,
                detail: detail, outcome: status == .completed ? .success : .failed))
        return (payload.orderID, OrderReport(status: status.rawValue, detail: detail), bundles)
    }

    /// Deferred orders whose time has come run; expired ones are recorded and reported.
    func runDeferred(
        _ finished: inout [(String, OrderReport, [EvidenceBundle])], _ bundles: inout [EvidenceBundle],
        _ turn: inout DaemonTurn, scanNow: inout Bool
    ) async {
        let waiting: [(orderID: String, payload: String, signature: String)]
        do {
            waiting = try await deferred.pending()
        } catch {
            turn.problems.append("deferred orders: \(error.description)")
            return
        }
        let now = Timestamp.now()
        for entry in waiting {
            let signed = SignedOrder(payload: entry.payload, signature: entry.signature)
            guard let payload = ServerSignatures.verify(signed, with: serverKey),
                let type = OrderType(rawValue: payload.type)
            else {
                try? await deferred.remove(orderID: entry.orderID)
                continue
            }
            if let expires = try? Timestamp(parsing: payload.expiresAt), expires <= now {
                let detail = "expired at \(payload.expiresAt) while deferred"
                finished.append(
                    (
                        payload.orderID, OrderReport(status: OrderStatus.expired.rawValue, detail: detail),
                        [
                            orderBundle(
                                orderID: payload.orderID, type: payload.type, started: now, exitCode: 1, detail: detail,
                                outcome: .expired)
                        ]
                    ))
            } else if gate(type, payload.parameters) == .run {
                finished.append(await execute(type, payload: payload, started: now, scanNow: &scanNow))
            } else {
                continue
            }
            do {
                try await deferred.remove(orderID: entry.orderID)
            } catch {
                turn.problems.append("deferred order \(entry.orderID): \(error.description)")
            }
        }
    }

    /// Runs an accepted order; returns its final status and what to say about it.
    /// Returns its final status, what to say about it, and the remediation bundle of a runbook.
    func accept(_ type: OrderType, payload: OrderPayload, scanNow: inout Bool) async -> (
        OrderStatus, String, EvidenceBundle?
    ) {
        switch type {
        case .runChecks:
            scanNow = true
            return (.completed, "scan of the appliance and \(targets.count) host(s) run in this cycle", nil)
        case .syncRules:
            if let problem = await syncRules() { return (.failed, problem, nil) }
            return (
                .completed,
                "built-in rules and \(engine.rules.count - baseRules.count) promoted rule(s) at revision \(promotedRevision) in force",
                nil
            )
        case .collectDiagnostics:
            return (.completed, diagnostics(), nil)
        case .updateConfiguration:
            let (status, detail) = updateConfiguration(payload.parameters)
            return (status, detail, nil)
        case .rotateKey:
            // `turn()` runs rotations itself once the turn's bundles are uploaded; never deferred.
            return (.failed, "rotate_key runs only at the end of a turn", nil)
        case .runRunbook:
            return await runOrderedRunbook(payload, scanNow: &scanNow)
        }
    }

    /// Applies Central Command's settings and keeps them for the next start.
    func updateConfiguration(_ parameters: [String: String]) -> (OrderStatus, String) {
        for (key, value) in parameters {
            if let problem = ConfigurationOverrides.check(key, value) { return (.failed, problem) }
        }
        var saved = Self.loadOverrides(configuration.dataDirectory) ?? [:]
        saved.merge(parameters) { _, new in new }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(saved).write(
                to: URL(fileURLWithPath: Self.overridesPath(configuration.dataDirectory)), options: .atomic)
        } catch {
            return (.failed, "cannot keep the settings: \(error.localizedDescription)")
        }
        for (key, value) in parameters { Self.apply(key, value, to: &effective) }
        scanner = scanner.with(effective)
        nextScan = min(nextScan, Date().addingTimeInterval(Double(effective.scanIntervalSeconds)))
        let applied = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return (.completed, "applied and kept: \(applied.joined(separator: ", "))")
    }

    static func overridesPath(_ directory: String) -> String { directory + "/overrides.json" }

    static func loadOverrides(_ directory: String) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: overridesPath(directory)) else { return nil }
        return try? JSONDecoder().decode([String: String].self, from: data)
    }

    /// One checked override (`ConfigurationOverrides.check` passed).
    static func apply(_ key: String, _ value: String, to configuration: inout ApplianceConfiguration) {
        switch key {
        case "scan_interval": configuration.scanIntervalSeconds = Int(value) ?? configuration.scanIntervalSeconds
        case "patch_interval": configuration.patchIntervalSeconds = Int(value) ?? configuration.patchIntervalSeconds
        case "scan_concurrency": configuration.scanConcurrency = Int(value) ?? configuration.scanConcurrency
        case "allowed_ports":
            configuration.linuxPolicy.allowedPorts = Set(
                value.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        default: break
        }
    }

    /// Scrubbed diagnostics: counts and states, never credentials, host names or addresses.
    func diagnostics() -> String {
        let offset = clock?.medianOffsetSeconds.map { String(format: "%+.3f s", $0) } ?? "unknown"
        let linux = targets.filter { $0.platform == Platform.linux.rawValue }.count
        let withCredential = targets.filter { $0.credential != nil }.count
        let uptime = (Timestamp.now().millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch) / 1000
        return [
            "software \(identity.softwareRevision)", "mode \(identity.deploymentMode.rawValue)",
            "uptime \(uptime) s", "targets \(targets.count) (linux \(linux), with credential \(withCredential))",
            "clock offset \(offset)", "clock \(clock?.trustworthy == true ? "trusted" : "not trusted")",
            "scan interval \(effective.scanIntervalSeconds) s", "concurrency \(effective.scanConcurrency)",
        ].joined(separator: "; ")
    }

    func orderBundle(
        orderID: String, type: String?, started: Timestamp, exitCode: Int32, detail: String, outcome: Outcome
    ) -> EvidenceBundle {
        let finished = Timestamp.now()
        let text = "order \(orderID)\(type.map { " (\($0))" } ?? ""): \(detail)"
        let action = ActionStep(
            step: "order", exitCode: exitCode,
            durationMilliseconds: finished.millisecondsSinceEpoch - started.millisecondsSinceEpoch,
            outputHash: HexDigest.digest(Array(text.utf8)), excerpt: LinuxChecks.clip(text))
        return identity.bundle(
            kind: .order, host: identity.selfHostID, startedAt: started, finishedAt: finished, actions: [action],
            outcome: outcome)
    }

    // MARK: Key rotation (ADR 0012)

    /// Replaces the appliance's key at the end of its uploaded chain: every bundle receipted,
    /// the new key written beside the old one, Central Command told (both keys sign the
    /// statement), then the new key renamed into place and used for everything after.
    func rotateKey(orderID: String) async -> (OrderStatus, String) {
        guard centralReachable == true else {
            return (.failed, "Central Command is unreachable; the key is rotated only when every bundle is receipted")
        }
        _ = await cycle.uploader.flush()
        let unreceipted: Int64
        do {
            unreceipted = try await outbox.status().unreceipted
        } catch {
            return (.failed, "outbox: \(error.description)")
        }
        guard unreceipted == 0 else {
            return (.failed, "\(unreceipted) bundle(s) are not receipted yet; send the order again once they are")
        }
        let head = await recorder.head.sequence
        guard head >= 1 else { return (.failed, "nothing is signed yet; the key is rotated after the first bundle") }
        let next = SigningKey()
        let nextPath = ApplianceEnrolment.nextKeyPath(in: configuration.dataDirectory)
        try? FileManager.default.removeItem(atPath: nextPath)
        do {
            try next.write(to: nextPath)
        } catch {
            return (.failed, "cannot write \(nextPath): \(error.description)")
        }
        let oldText = Base64.encode(key.verifyingKey.rawRepresentation)
        let newText = Base64.encode(next.verifyingKey.rawRepresentation)
        let statement = KeyRotationStatement.message(
            applianceID: identity.applianceID.rawValue, oldKey: oldText, newKey: newText, fromSequence: head + 1)
        let request = KeyRotationRequest(
            newKey: newText, fromSequence: head + 1, endorsement: Base64.encode(key.signature(for: statement)),
            proof: Base64.encode(next.signature(for: statement)))
        do {
            _ = try await link.rotateKey(request)
        } catch .status(let code, let why) where code != 401 && code < 500 {
            // A definite refusal: the old key stays.
            try? FileManager.default.removeItem(atPath: nextPath)
            return (.failed, "Central Command refused the new key (\(code)): \(why)")
        } catch {
            pendingKey = (next, orderID)
            return (
                .failed, "the key rotation's outcome is unknown (\(error.description)); it is settled at the next turn"
            )
        }
        let old = key.verifyingKey.fingerprint
        if let problem = await adopt(next) {
            pendingKey = (next, orderID)
            return (.failed, "Central Command took the new key but \(problem); it is settled at the next turn")
        }
        return (
            .completed,
            "key rotated: \(next.verifyingKey.fingerprint) signs from bundle \(head + 1); \(old) signed bundles 1–\(head)"
        )
    }

    /// Makes `next` the appliance's key: renamed over `appliance-key.pem` (atomic), then the
    /// recorder, the client and the cycle rebuilt with it. Nil when done, else the problem.
    func adopt(_ next: SigningKey) async -> String? {
        let directory = configuration.dataDirectory
        // The recorder first: if it cannot open, nothing has changed and the next key stays next.
        let nextRecorder: EvidenceRecorder
        do {
            nextRecorder = try await EvidenceRecorder(applianceID: identity.applianceID, key: next, outbox: outbox)
        } catch {
            return "cannot reopen the outbox: \(error.description)"
        }
        guard rename(ApplianceEnrolment.nextKeyPath(in: directory), ApplianceEnrolment.keyPath(in: directory)) == 0
        else {
            return "cannot rename the new key into place: \(String(cString: strerror(errno)))"
        }
        recorder = nextRecorder
        key = next
        link = link.rekeyed(next)
        cycle = Self.makeCycle(
            link: link, serverKey: serverKey, applianceID: identity.applianceID, database: database, outbox: outbox,
            softwareRevision: identity.softwareRevision)
        pendingKey = nil
        logger.notice("appliance key is now \(next.verifyingKey.fingerprint)")
        return nil
    }

    /// A next key left by a rotation that did not finish (crash, lost answer) is settled first.
    func loadPendingKey() {
        let path = ApplianceEnrolment.nextKeyPath(in: configuration.dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            pendingKey = (try SigningKey(contentsOf: path), nil)
        } catch {
            // Never sent with a usable key: Central Command cannot have it.
            logger.warning("discarding unreadable \(path): \(error.description)")
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Asks Central Command which key it holds, by checking in with the next key (and, if that is
    /// refused, with the current one). Returns the evidence of the settlement and, when this run
    /// started the rotation, the order's final report; nil while it cannot be told.
    func settlePendingKey() async -> (EvidenceBundle, (String, OrderReport)?)? {
        guard let (next, orderID) = pendingKey else { return nil }
        let probe = CheckInRequest(
            softwareVersion: identity.softwareRevision, uptimeSeconds: 0, queueDepth: 0, clockOffsetMilliseconds: nil)
        let started = Timestamp.now()
        let nextPath = ApplianceEnrolment.nextKeyPath(in: configuration.dataDirectory)
        let detail: String
        let success: Bool
        do {
            _ = try await link.rekeyed(next).checkIn(probe)
            let old = key.verifyingKey.fingerprint
            if let problem = await adopt(next) {
                logger.error("key rotation: \(problem)")
                return nil
            }
            detail =
                "key rotation settled: Central Command holds \(next.verifyingKey.fingerprint), which replaces \(old)"
            success = true
        } catch .status(401, _) {
            do {
                _ = try await link.checkIn(probe)
            } catch {
                return nil
            }
            try? FileManager.default.removeItem(atPath: nextPath)
            pendingKey = nil
            detail =
                "key rotation abandoned: Central Command never took \(next.verifyingKey.fingerprint); the key stays"
            success = false
        } catch {
            return nil
        }
        logger.notice("\(detail)")
        let bundle = orderBundle(
            orderID: orderID ?? "rotate_key", type: OrderType.rotateKey.rawValue, started: started,
            exitCode: success ? 0 : 1, detail: detail, outcome: success ? .success : .failed)
        let status: OrderStatus = success ? .completed : .failed
        return (bundle, orderID.map { ($0, OrderReport(status: status.rawValue, detail: detail)) })
    }

    // MARK: Reseller forwarding

    /// Sends every bundle not yet delivered to each forwarding target, in chain order, and
    /// moves the target's cursor only after a batch is delivered (at least once, never skipped).
    func forward(_ turn: inout DaemonTurn) async {
        guard !forwarders.isEmpty else { return }
        let head = await recorder.head.sequence
        for forwarder in forwarders {
            do {
                var cursor = try await cursors.cursor(forwarder.name)
                while cursor < head {
                    let batch = try await outbox.entries(after: cursor, limit: 200)
                    guard let last = batch.last?.sequence else { break }
                    // A bundle pruned past retention has no bytes left to describe.
                    let events = try batch.compactMap { entry -> ForwardedEvent? in
                        guard let bytes = entry.canonicalBytes else { return nil }
                        let bundle = try JSONDecoder().decode(EvidenceBundle.self, from: Data(bytes))
                        return ForwardedEvent(bundle, sequence: entry.sequence, hash: entry.hash.hex)
                    }
                    try await forwarder.send(events)
                    try await cursors.advance(forwarder.name, to: last)
                    cursor = last
                    turn.forwarded[forwarder.name, default: 0] += events.count
                }
            } catch {
                turn.problems.append("forwarding to \(forwarder.name): \(error)")
            }
        }
    }

    // MARK: Housekeeping

    /// Once everything is receipted and the chain has grown, asks Central Command to cosign a
    /// checkpoint over it: the witness that lets an auditor trust the whole log offline.
    func submitCheckpointIfDue(_ turn: inout DaemonTurn) async {
        guard centralReachable == true, turn.cycle.upload.failure == nil else { return }
        let head = await recorder.head.sequence
        guard head > witnessedSize else { return }
        do {
            guard try await outbox.status().unreceipted == 0 else { return }
            let note = await recorder.signedCheckpoint()
            let cosigned = try await link.submit(checkpoint: note.serialized)
            witnessedSize = Int(cosigned.treeSize)
            turn.witnessedSize = witnessedSize
        } catch {
            turn.problems.append("checkpoint at size \(head): \(error)")
        }
    }

    func pruneIfDue(_ turn: inout DaemonTurn) async {
        guard Date() >= nextPrune else { return }
        nextPrune = Date().addingTimeInterval(3600)
        let cutoff = Timestamp(
            millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - Int64(configuration.retentionDays)
                * 86_400_000)
        do {
            let pruned = try await outbox.prune(receiptedBefore: cutoff)
            if pruned > 0 {
                logger.info("pruned \(pruned) receipted bundles older than \(configuration.retentionDays) days")
            }
        } catch {
            turn.problems.append("pruning: \(error.description)")
        }
    }

    /// Closes the outbox (for callers that drive `turn()` themselves).
    public func close() async { await database.close() }
}
