import Foundation

/// Standard base64 (RFC 4648 §4), strict on decoding: no white space, correct padding.
public enum Base64 {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Decodes strict base64; nil when `text` is not exactly that.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let string = String(text)
        guard string.utf8.count % 4 == 0,
            string.utf8.allSatisfy({ byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
            }),
            let data = Data(base64Encoded: string)
        else { return nil }
        let bytes = [UInt8](data)
        // Reject non-canonical encodings (stray bits in the padding) so that one value has one text.
        guard encode(bytes) == string else { return nil }
        return bytes
    }
}
