public import Logging

/// A plain-text e-mail to one recipient.
public struct MailMessage: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String

    public init(to: String, subject: String, text: String) {
        self.to = to
        self.subject = subject
        self.text = text
    }
}

/// Why a message was not sent; the text is safe to log (it never holds the message or a password).
public struct MailError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Sends e-mail: `SMTPMailer` in production, `LogMailer` in demo mode.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws(MailError)
}

/// Demo mode's mailer: writes each message, body included, to the log at `notice` — magic links
/// reach the person running `vigil demo` without an SMTP server. Never for production: the body
/// of a login e-mail is a credential.
public struct LogMailer: Mailer {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws(MailError) {
        logger.notice(
            "e-mail (demo mode: not sent, shown here)",
            metadata: ["to": "\(message.to)", "subject": "\(message.subject)", "text": "\(message.text)"])
    }
}

/// The mailer before `smtp-host` is set: every send fails with a message saying so.
public struct UnconfiguredMailer: Mailer {
    public init() {}

    public func send(_ message: MailMessage) async throws(MailError) {
        throw MailError("e-mail is not configured: set smtp-host and smtp-from (docs/CONFIGURATION.md)")
    }
}
