import EvidenceCrypto
import Foundation

/// Plain POSIX file access for the verifier's hot path and the writer: no Foundation overhead per
/// file, symbolic links refused, sizes checked before anything is read.
enum FileIO {
    enum ReadFailure: Error, Equatable {
        case unreadable(String)
        case tooLarge(Int64)
    }

    /// Reads a whole regular file of at most `limit` bytes.
    static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            if code == ELOOP {
                return .failure(.unreadable("is a symbolic link; evidence files must be regular files"))
            }
            return .failure(.unreadable(String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(.unreadable(info.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "is not a regular file"))
        }
        let size = Int(info.st_size)
        guard size <= limit else { return .failure(.tooLarge(Int64(info.st_size))) }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var total = 0
            while total < size {
                let count = Glibc.read(descriptor, buffer.baseAddress.map { $0 + total }, size - total)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    break
                }
                if count == 0 { break }
                total += count
            }
            initialized = total
        }
        if let failure { return .failure(.unreadable(failure)) }
        return .success(bytes)
    }

    /// Creates or replaces `path` with `bytes`; `mode` applies to new files.
    static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644) throws(EvidenceSetError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let array = Array(bytes)
        var written = 0
        while written < array.count {
            let count = array[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
            written += count
        }
    }

    /// The names in a directory, or why it cannot be listed.
    static func list(_ path: String) -> Result<[String], ReadFailure> {
        do {
            return .success(try FileManager.default.contentsOfDirectory(atPath: path))
        } catch {
            return .failure(.unreadable(FileErrorText.describe(error)))
        }
    }

    /// Calls `body` with each entry name of a directory (not `.` and `..`), streaming.
    static func forEachName(in path: String, _ body: (UnsafeRawBufferPointer) -> Void) -> ReadFailure? {
        guard let directory = opendir(path) else { return .unreadable(String(cString: strerror(errno))) }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let length = raw.firstIndex(of: 0) ?? raw.count
                let name = UnsafeRawBufferPointer(rebasing: raw[0..<length])
                if length == 1 && name[0] == UInt8(ascii: ".") { return }
                if length == 2 && name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".") { return }
                body(name)
            }
        }
        return nil
    }

    enum Kind { case missing, directory, file, other }

    static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default: return .other
        }
    }

    static func makeDirectory(_ path: String) throws(EvidenceSetError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io(path: path, reason: FileErrorText.describe(error))
        }
    }
}

extension Int64 {
    /// "2.0 GB", "7.1 MB", "512 bytes": sizes in reports and messages.
    public var humanBytes: String {
        let value = Double(self)
        if value >= 1e9 { return String(format: "%.1f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        if value >= 1e3 { return String(format: "%.1f kB", value / 1e3) }
        return "\(self) bytes"
    }
}
