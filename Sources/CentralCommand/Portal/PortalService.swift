import Compliance
import Foundation
import Logging

/// Limits of the client portal; `docs/CONFIGURATION.md` lists them.
public struct PortalPolicy: Sendable {
    /// A login link works this long after it was sent…
    public var linkSeconds: Int64 = 15 * 60
    /// …and at most this many are sent per contact in that time.
    public var linksPerWindow = 5
    /// A portal session ends this long after login…
    public var sessionSeconds: Int64 = 8 * 3600
    /// …or after this long without a request.
    public var idleSeconds: Int64 = 30 * 60

    public init() {}
}

/// The client portal's logins: magic links by e-mail (single use, short-lived, stored as hashes)
/// and server-side sessions, each step in the partner's audit log.
struct PortalService {
    let services: CentralServices

    static let cookieName = "vigil_portal"

    var store: any PortalStore { services.portal }
    var policy: PortalPolicy { services.portalPolicy }

    /// Sends a login link to every enabled contact with this address (a person may be the
    /// contact of several practices), unless it has had `linksPerWindow` links in the window.
    /// Sending happens in the background: the caller's answer and its timing are the same
    /// whether or not the address is known. Refuses only what is not an e-mail address.
    func requestLink(email: String) async throws(AccountError) {
        let normalized: String
        do {
            normalized = try User.normalizedEmail(email)
        } catch {
            throw .invalid("That is not an email address.")
        }
        let now = services.clock()
        let contacts = try await storage { () async throws(StoreError) in try await store.contacts(email: normalized) }
        for contact in contacts.prefix(10) where contact.disabledAt == nil {
            guard
                let client = try await storage({ () async throws(StoreError) in
                    try await services.tenancy.client(contact.clientID)
                })
            else { continue }
            let since = now.adding(milliseconds: -policy.linkSeconds * 1000)
            let sent = try await storage { () async throws(StoreError) in
                try await store.linkCount(of: contact.id, since: since)
            }
            guard sent < policy.linksPerWindow else {
                await audit(
                    now, "portal.link_throttled", contact, partner: client.partnerID,
                    "\(sent) links in the last \(policy.linkSeconds / 60) min")
                continue
            }
            let token = SessionTokens.generate()
            try await storage { () async throws(StoreError) in
                try await store.create(
                    MagicLink(
                        tokenHash: SessionTokens.hash(token), contactID: contact.id, createdAt: now,
                        expiresAt: now.adding(milliseconds: policy.linkSeconds * 1000)))
            }
            let from = try await storage { () async throws(StoreError) in
                try await services.shownName(of: client.partnerID)
            }
            let message = Self.message(
                to: contact, practice: client.name, from: from ?? "Your IT provider",
                link: services.publicURL + "/portal/login/" + token, minutes: policy.linkSeconds / 60)
            await audit(now, "portal.link_sent", contact, partner: client.partnerID, "to \(contact.email)")
            let mailer = services.mailer
            let events = services.events
            let logger = services.logger
            let clock = services.clock
            Task {
                do throws(MailError) {
                    try await mailer.send(message)
                } catch {
                    logger.error(
                        "portal login e-mail not sent",
                        metadata: ["contact": "\(contact.id)", "error": "\(error.description)"])
                    try? await events.append([
                        AuditEntry(
                            at: clock(), actor: "system", action: "portal.link_failed",
                            target: "contact:\(contact.id)", detail: error.description, partnerID: client.partnerID)
                    ])
                }
            }
        }
    }

    /// The login e-mail: who it is for, the link, how long it works, what to do if unexpected.
    static func message(to contact: PortalContact, practice: String, from: String, link: String, minutes: Int64)
        -> MailMessage
    {
        MailMessage(
            to: contact.email, subject: "Your login link for \(practice)'s compliance portal",
            text: """
                Hello \(contact.name),

                Use this link to see \(practice)'s compliance status. It works once, within \(minutes) minutes:

                \(link)

                If you did not ask for it, ignore this message: nothing changes and no one is logged in.

                \(from), through Vigil
                """)
    }

    /// Redeems a link: a new session for its contact when the link exists, is unused, has not
    /// expired and the contact is enabled; `.unauthenticated` otherwise (one answer for all).
    func redeem(token: String) async throws(AccountError) -> (token: String, contact: PortalContact) {
        guard SessionTokens.isWellFormed(token) else { throw .unauthenticated }
        let now = services.clock()
        guard
            let id = try await storage({ () async throws(StoreError) in
                try await store.redeem(SessionTokens.hash(token), at: now)
            }),
            let contact = try await storage({ () async throws(StoreError) in try await store.contact(id) }),
            contact.disabledAt == nil
        else { throw .unauthenticated }
        let sessionToken = SessionTokens.generate()
        try await storage { () async throws(StoreError) in
            try await store.create(
                PortalSession(
                    tokenHash: SessionTokens.hash(sessionToken), contactID: contact.id, createdAt: now,
                    expiresAt: now.adding(milliseconds: policy.sessionSeconds * 1000), lastSeenAt: now))
        }
        let partner = try? await services.tenancy.client(contact.clientID)?.partnerID
        await audit(now, "portal.login", contact, partner: partner, "magic link redeemed")
        return (sessionToken, contact)
    }

    /// The contact behind a portal cookie; `.unauthenticated` when unknown, expired, idle or
    /// disabled.
    func authenticate(token: String) async throws(AccountError) -> PortalContact {
        guard SessionTokens.isWellFormed(token) else { throw .unauthenticated }
        let now = services.clock()
        let hash = SessionTokens.hash(token)
        guard let session = try await storage({ () async throws(StoreError) in try await store.portalSession(hash) })
        else { throw .unauthenticated }
        guard session.expiresAt > now, session.lastSeenAt.adding(milliseconds: policy.idleSeconds * 1000) > now else {
            try? await store.deletePortalSession(hash)
            throw .unauthenticated
        }
        guard
            let contact = try await storage({ () async throws(StoreError) in
                try await store.contact(session.contactID)
            }), contact.disabledAt == nil
        else { throw .unauthenticated }
        if now.millisecondsSinceEpoch - session.lastSeenAt.millisecondsSinceEpoch > 60_000 {
            try? await store.touchPortalSession(hash, at: now)
        }
        return contact
    }

    func logout(token: String) async {
        guard SessionTokens.isWellFormed(token) else { return }
        try? await store.deletePortalSession(SessionTokens.hash(token))
    }

    private func audit(
        _ at: Timestamp, _ action: String, _ contact: PortalContact, partner: Partner.ID?, _ detail: String
    )
        async
    {
        try? await services.events.append([
            AuditEntry(
                at: at, actor: "contact:\(contact.id)", action: action, target: "contact:\(contact.id)",
                detail: detail, partnerID: partner)
        ])
    }

    private func storage<T>(_ body: () async throws(StoreError) -> T) async throws(AccountError) -> T {
        do {
            return try await body()
        } catch {
            throw .storage(error)
        }
    }
}
