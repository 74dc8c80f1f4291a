/// A transparency-log checkpoint (c2sp.org/tlog-checkpoint): the note text that an appliance
/// signs over its evidence log and a witness cosigns.
///
///     vigil.appliance/app-42
///     1000
///     base64(root hash)
///     [extension lines]
public struct Checkpoint: Equatable, Sendable {
    public var origin: String
    public var treeSize: Int
    public var rootHash: Hash32
    public var extensions: [String]

    public init(origin: String, treeSize: Int, rootHash: Hash32, extensions: [String] = []) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text: origin, size, root, extension lines, each ending in a newline.
    public var text: String {
        ([origin, String(treeSize), rootHash.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses checkpoint note text.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("checkpoint text does not end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { throw NoteError("checkpoint has fewer than three lines") }
        guard !lines[0].isEmpty else { throw NoteError("checkpoint origin line is empty") }
        let sizeText = lines[1]
        guard !sizeText.isEmpty, sizeText.utf8.count <= 19,
            sizeText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            sizeText == "0" || !sizeText.hasPrefix("0"), let size = Int(sizeText)
        else { throw NoteError("checkpoint tree size \(String(reflecting: String(sizeText))) is not a decimal number") }
        guard let rootBytes = Base64.decode(lines[2]), let root = Hash32(bytes: rootBytes) else {
            throw NoteError("checkpoint root hash is not base64 of 32 bytes")
        }
        let extensions = lines.dropFirst(3).map(String.init)
        guard extensions.allSatisfy({ !$0.isEmpty }) else { throw NoteError("checkpoint has an empty extension line") }
        self.origin = String(lines[0])
        self.treeSize = size
        self.rootHash = root
        self.extensions = extensions
    }
}
