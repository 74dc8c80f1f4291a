import Hummingbird

/// A submitted HTML form (`application/x-www-form-urlencoded`, or `multipart/form-data` for a
/// file upload), read strictly: a malformed escape, a repeated field, a field without `=`, a
/// broken part or a body over the limit is a 400 that says which, never a guess.
struct WebForm: Sendable, Equatable {
    private(set) var fields: [String: String]
    /// Uploaded files by field name (multipart forms only); an empty file input is absent.
    private(set) var files: [String: [UInt8]] = [:]

    /// The largest form any page sends (a resolution note is at most 2,000 characters).
    static let maximumBytes = 32 << 10
    /// The largest upload (a partner logo is at most 64 KiB).
    static let maximumMultipartBytes = 128 << 10

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

    /// Parses a `multipart/form-data` body (RFC 7578) with `boundary`: at most 16 parts, each
    /// with a `Content-Disposition: form-data; name="…"` header and, for files, a `filename`.
    init(multipart body: [UInt8], boundary: String) throws(WebFormError) {
        guard body.count <= Self.maximumMultipartBytes else { throw .tooLarge }
        let delimiter = Array("--\(boundary)".utf8)
        guard body.starts(with: delimiter) else { throw .malformed("the body does not start with the boundary") }
        var fields: [String: String] = [:]
        var files: [String: [UInt8]] = [:]
        var position = delimiter.count
        let separator = Array("\r\n".utf8) + delimiter
        var parts = 0
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[position...].starts(with: Array("--".utf8)) { break }
            guard body[position...].starts(with: Array("\r\n".utf8)) else {
                throw .malformed("a boundary is not followed by a line break")
            }
            position += 2
            parts += 1
            guard parts <= 16 else { throw .malformed("more than 16 parts") }
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position),
                headerEnd - position <= 1024
            else { throw .malformed("a part's headers do not end within 1 KiB") }
            guard let headers = String(validating: body[position..<headerEnd], as: UTF8.self) else {
                throw .malformed("a part's headers are not UTF-8")
            }
            let contentStart = headerEnd + 4
            guard let contentEnd = Self.find(separator, in: body, from: contentStart) else {
                throw .malformed("a part does not end with the boundary")
            }
            let content = Array(body[contentStart..<contentEnd])
            position = contentEnd + separator.count
            let (name, filename) = try Self.disposition(headers)
            guard fields[name] == nil, files[name] == nil else { throw .malformed("field \(name) sent twice") }
            if let filename {
                // An empty file input sends a part with an empty name and no bytes: nothing chosen.
                if !(filename.isEmpty && content.isEmpty) { files[name] = content }
            } else {
                guard !content.contains(0), let text = String(validating: content, as: UTF8.self) else {
                    throw .malformed("field \(name) is not UTF-8 text")
                }
                fields[name] = text
            }
        }
        self.fields = fields
        self.files = files
    }

    /// The field name and (for a file) the file name of a part's `Content-Disposition`.
    static func disposition(_ headers: String) throws(WebFormError) -> (name: String, filename: String?) {
        let line = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition:") }
        guard let line, line.lowercased().contains("form-data") else {
            throw .malformed("a part has no Content-Disposition: form-data header")
        }
        func parameter(_ key: String) -> String? {
            guard let range = line.range(of: "; \(key)=\"") else { return nil }
            let rest = line[range.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { return nil }
            return String(rest[..<end])
        }
        guard let name = parameter("name"), !name.isEmpty, name.utf8.count <= 64 else {
            throw .malformed("a part has no field name")
        }
        return (name, parameter("filename"))
    }

    /// The offset of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The boundary of a `multipart/form-data` content type: 1–70 characters, quoted or not.
    static func boundary(of contentType: String) -> String? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        var value = contentType[range.upperBound...].split(separator: ";").first.map(String.init) ?? ""
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
            value = String(value.dropFirst().dropLast())
        }
        guard (1...70).contains(value.utf8.count), value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 })
        else { return nil }
        return value
    }

    /// Reads and parses the request's form body.
    static func read(_ request: Request, context: AppRequestContext) async throws -> WebForm {
        let type = request.headers[.contentType] ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            guard let boundary = boundary(of: type) else {
                throw HTTPError(.badRequest, message: "malformed form: the multipart boundary is missing or too long")
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maximumMultipartBytes)
            } catch {
                throw HTTPError(
                    .contentTooLarge, message: "the upload is larger than \(maximumMultipartBytes / 1024) KiB")
            }
            do {
                return try WebForm(multipart: Array(buffer.readableBytesView), boundary: boundary)
            } catch {
                throw HTTPError(.badRequest, message: error.description)
            }
        }
        guard type.lowercased().hasPrefix("application/x-www-form-urlencoded") else {
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
