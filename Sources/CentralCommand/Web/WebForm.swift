import Hummingbird

/// A submitted HTML form (`application/x-www-form-urlencoded`), read strictly: a malformed
/// escape, a repeated field, a field without `=` or a body over the limit is a 400 that says
/// which, never a guess.
struct WebForm: Sendable, Equatable {
    private(set) var fields: [String: String]

    /// The largest form any page sends (a resolution note is at most 2,000 characters).
    static let maximumBytes = 32 << 10

    subscript(_ name: String) -> String? { fields[name] }

    init(fields: [String: String]) { self.fields = fields }

    init(parsing body: String) throws(WebFormError) {
        guard body.utf8.count <= Self.maximumBytes else { throw .tooLarge }
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { throw .malformed("field without a value") }
            let name = try Self.decode(pair[..<equals])
            let value = try Self.decode(pair[pair.index(after: equals)...])
            guard !name.isEmpty else { throw .malformed("field without a name") }
            guard fields.updateValue(value, forKey: name) == nil else { throw .malformed("field \(name) sent twice") }
        }
        self.fields = fields
    }

    /// `+` is a space; `%XX` a byte; the bytes must be UTF-8 without NUL.
    static func decode(_ text: Substring) throws(WebFormError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else {
                    throw .malformed("a % escape is not two hex digits")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard !bytes.contains(0), let string = String(validating: bytes, as: UTF8.self) else {
            throw .malformed("a field is not UTF-8 text")
        }
        return string
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Reads and parses the request's form body.
    static func read(_ request: Request, context: AppRequestContext) async throws -> WebForm {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw HTTPError(.unsupportedMediaType, message: "send the form as application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the form is larger than \(maximumBytes / 1024) KiB")
        }
        do {
            return try WebForm(parsing: String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
}

/// Why a form body was refused.
enum WebFormError: Error, Equatable, CustomStringConvertible {
    case tooLarge
    case malformed(String)

    var description: String {
        switch self {
        case .tooLarge: "the form is larger than \(WebForm.maximumBytes / 1024) KiB"
        case .malformed(let why): "malformed form: \(why)"
        }
    }
}

/// Where a form may send the browser back to: a path on this server only (`/…`, never `//…`,
/// a scheme or a backslash), else the fallback.
enum LocalPath {
    static func checked(_ path: String?, fallback: String = "/") -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), path.utf8.count <= 512,
            !path.contains("\\"), path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return fallback }
        return path
    }
}
