import CentralCommand
import Foundation
import Testing

@testable import CLI

/// Central Command's `public-url` and `smtp-*` settings: sensible defaults, a working SMTP set-up
/// from the environment, and every broken combination refused with what is wrong.
@Suite struct MailSettingsTests {
    func mail(_ environment: [String: String]) throws -> (String, any Mailer) {
        try CentralServe.mail(
            Settings(configPath: nil, environment: environment), host: "127.0.0.1", port: 8420)
    }

    @Test func defaultsAreTheListeningAddressAndNoMail() throws {
        let (url, mailer) = try mail([:])
        #expect(url == "http://127.0.0.1:8420")
        #expect(mailer is UnconfiguredMailer)
    }

    @Test func aCompleteSMTPSetUpFromTheEnvironment() throws {
        let (url, mailer) = try mail([
            "VIGIL_PUBLIC_URL": "https://vigil.msp.example/", "VIGIL_SMTP_HOST": "smtp.msp.example",
            "VIGIL_SMTP_FROM": "vigil@msp.example", "VIGIL_SMTP_USERNAME": "vigil", "VIGIL_SMTP_PASSWORD": "s3cret",
        ])
        #expect(url == "https://vigil.msp.example")
        #expect(mailer is SMTPMailer)
    }

    @Test(arguments: [
        (["VIGIL_PUBLIC_URL": "javascript:alert(1)"], "public-url"),
        (["VIGIL_PUBLIC_URL": "https://vigil.example/?next=x"], "public-url"),
        (["VIGIL_SMTP_HOST": "smtp.msp.example"], "smtp-from"),
        (
            ["VIGIL_SMTP_HOST": "smtp.msp.example", "VIGIL_SMTP_FROM": "v@m.example", "VIGIL_SMTP_SECURITY": "ssl"],
            "smtp-security"
        ),
        (
            ["VIGIL_SMTP_HOST": "smtp.msp.example", "VIGIL_SMTP_FROM": "v@m.example", "VIGIL_SMTP_SECURITY": "none"],
            "loopback"
        ),
        (
            ["VIGIL_SMTP_HOST": "smtp.msp.example", "VIGIL_SMTP_FROM": "v@m.example", "VIGIL_SMTP_PORT": "70000"],
            "smtp-port"
        ),
        (["VIGIL_SMTP_HOST": "smtp.msp.example", "VIGIL_SMTP_FROM": "not an address"], "smtp-from"),
        (
            ["VIGIL_SMTP_HOST": "smtp.msp.example", "VIGIL_SMTP_FROM": "v@m.example", "VIGIL_SMTP_USERNAME": "u"],
            "smtp-password"
        ),
    ])
    func brokenSettingsAreRefusedNamingTheSetting(environment: [String: String], named: String) {
        let error = #expect(throws: (any Error).self) { try mail(environment) }
        #expect("\(error.map { "\($0)" } ?? "")".contains(named))
    }
}
