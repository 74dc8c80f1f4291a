import Compliance

/// How an enrolled appliance authenticates every request (docs/adr/0006-appliance-request-signatures.md):
/// Ed25519 over a fixed message binding method, path, time, a one-time nonce and the body's
/// SHA-256. Shared by Central Command (which verifies) and the appliance (which signs).
public enum ApplianceRequestSigning {
    public static let applianceHeader = "Vigil-Appliance"
    public static let timestampHeader = "Vigil-Timestamp"
    public static let nonceHeader = "Vigil-Nonce"
    public static let signatureHeader = "Vigil-Signature"
    /// Requests whose timestamp is further than this from the server's clock are refused.
    public static let maximumSkewSeconds: Int64 = 300

    /// The signed message:
    /// `vigil-request-v1\n<METHOD>\n<path and query>\n<unix seconds>\n<nonce>\n<hex SHA-256 of body>\n`.
    public static func message(method: String, path: String, timestamp: Int64, nonce: String, bodySHA256Hex: String)
        -> [UInt8]
    {
        Array("vigil-request-v1\n\(method)\n\(path)\n\(timestamp)\n\(nonce)\n\(bodySHA256Hex)\n".utf8)
    }

    /// A fresh nonce: 128 random bits as 32 hex characters.
    public static func newNonce() -> String { RandomHex.make(bytes: 16) }

    /// A nonce is 16–64 characters from `[A-Za-z0-9_-]`.
    public static func isValidNonce(_ nonce: String) -> Bool {
        (16...64).contains(nonce.utf8.count)
            && nonce.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}

/// The JSON body of every error response: `{"error": {"message": "…"}}`.
public struct APIErrorBody: Codable, Equatable, Sendable {
    public struct Detail: Codable, Equatable, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    public var error: Detail

    public init(message: String) { self.error = Detail(message: message) }
}

/// `GET /readyz`.
public struct ReadinessReport: Codable, Equatable, Sendable {
    public var ready: Bool
    public var database: String
    public var version: String

    public init(ready: Bool, database: String, version: String) {
        self.ready = ready
        self.database = database
        self.version = version
    }
}
