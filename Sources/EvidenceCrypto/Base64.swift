import Foundation

/// Standard base64 (RFC 4648 §4), strict on decoding: no white space, correct padding.
public enum Base64 {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes strict base64; nil when `text` is not exactly that (no white space, correct
    /// padding, and zero padding bits, so that one value has one text).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let string = String(text)
        guard string.utf8.count % 4 == 0, let data = Data(base64Encoded: string) else { return nil }
        let bytes = [UInt8](data)
        // Foundation ignores stray bits in the last group; re-encoding only that group finds them.
        let tail = bytes.count % 3 == 0 ? min(3, bytes.count) : bytes.count % 3
        guard encode(bytes.suffix(tail)) == String(string.suffix(tail == 0 ? 0 : 4)) else { return nil }
        return bytes
    }
}
