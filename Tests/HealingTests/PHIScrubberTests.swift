import Testing

@testable import Healing

/// Every kind of PHI the issue names leaves the scrubber as a tag; ordinary operational text
/// passes unchanged.
@Suite struct PHIScrubberTests {
    @Test(arguments: [
        ("SSN 123-45-6789 on file", "123-45-6789", "[SSN]"),
        ("MRN: A1234567 admitted", "A1234567", "[MRN]"),
        ("medical record number 88-2231-X", "88-2231-X", "[MRN]"),
        ("DOB: 04/12/1961", "04/12/1961", "[DOB]"),
        ("born March 3, 1954 in", "March 3, 1954", "[DOB]"),
        ("visit on 2026-11-02", "2026-11-02", "[DATE]"),
        ("call (555) 123-4567 now", "123-4567", "[PHONE]"),
        ("cell 555.987.6543", "987.6543", "[PHONE]"),
        ("mail jane.doe+x@clinic.example.org", "jane.doe", "[EMAIL]"),
        ("lives at 1234 Oak Tree Lane apt 2", "Oak Tree Lane", "[ADDRESS]"),
        ("Patient: Jane Doe was seen", "Jane Doe", "[NAME]"),
        ("name=Robert O'Neil", "O'Neil", "[NAME]"),
        ("seen by Dr. Gregory House today", "Gregory House", "[NAME]"),
    ])
    func phiIsReplacedByItsTag(text: String, secret: String, tag: String) {
        let scrubbed = PHIScrubber.scrub(text)
        #expect(!scrubbed.contains(secret), "\(scrubbed)")
        #expect(scrubbed.contains(tag), "\(scrubbed)")
    }

    @Test(arguments: [
        "PermitRootLogin yes", "linux.ssh.permit_root_login is failing on records-server",
        "/etc/shadow is 644, owner root", "listening on 22/tcp 443/tcp", "3 security update(s) pending",
        "RB-LIN-SSH-001 healed imaging-workstation: verify passed",
    ])
    func operationalTextPassesUnchanged(text: String) {
        #expect(PHIScrubber.scrub(text) == text)
    }
}
