/// The port for appliance enrolment: partners create one-time claim codes for a site; an
/// appliance redeems one, once, before it expires, and becomes the site's appliance in the same
/// transaction. Only a hash of each code is stored.
public protocol EnrolmentStore: Sendable {
    /// Records a claim code (by the SHA-256 of its normalised text) for `site`.
    func createClaimCode(hash: HexDigest, site: Site.ID, expiresAt: Timestamp, createdAt: Timestamp)
        async throws(StoreError)

    /// Redeems the claim code with `hash` at `at` and creates `appliance` at its site, atomically.
    /// Throws notFound for an unknown code, conflict for a used one, invalid for an expired one.
    /// Returns the appliance as stored (with the code's site).
    func enrol(claimCodeHash hash: HexDigest, appliance: Appliance, at: Timestamp) async throws(StoreError) -> Appliance
}
