/// A QR code (ISO/IEC 18004) of a short text, drawn as SVG on the server: byte mode, error
/// correction level M (15 % of the symbol may be damaged), versions 1–10 (up to 213 bytes), the
/// mask chosen by the standard's penalty rules. Used for appliance claim codes, so a technician
/// can scan the code from a phone instead of typing it. Written here: no QR library resolves on
/// this machine, and the encoder is a few hundred lines of well-specified arithmetic.
public struct QRCode: Sendable, Equatable {
    /// Modules per side: 17 + 4 × version.
    public let size: Int
    public let version: Int
    /// Row-major; true is dark.
    public let modules: [Bool]

    public enum Failure: Error, Equatable {
        /// More than the 213 bytes version 10 holds at level M.
        case tooLong(Int)
    }

    public subscript(row: Int, column: Int) -> Bool { modules[row * size + column] }

    /// Encodes `text` as UTF-8 bytes in the smallest version that holds it.
    public init(_ text: String) throws(Failure) {
        let bytes = Array(text.utf8)
        guard let version = (1...10).first(where: { Self.capacity($0) >= bytes.count }) else {
            throw .tooLong(bytes.count)
        }
        var symbol = Symbol(version: version)
        symbol.drawFunctionPatterns()
        symbol.placeData(Self.codewords(bytes, version: version))
        var best: Symbol?
        var bestPenalty = Int.max
        for mask in 0..<8 {
            var candidate = symbol
            candidate.applyMask(mask)
            candidate.drawFormat(mask: mask)
            let penalty = candidate.penalty()
            if penalty < bestPenalty {
                bestPenalty = penalty
                best = candidate
            }
        }
        let chosen = best ?? symbol
        self.version = version
        self.size = chosen.size
        self.modules = chosen.dark
    }

    /// The symbol as SVG, `scale` pixels per module, with the four-module quiet zone the standard
    /// asks for; `label` is its accessible name.
    public func svg(scale: Int = 4, label: String) -> HTML {
        let side = (size + 8) * scale
        var path = ""
        for row in 0..<size {
            for column in 0..<size where self[row, column] {
                path += "M\(column + 4) \(row + 4)h1v1h-1z"
            }
        }
        return """
            <svg class="qr" width="\(side)" height="\(side)" viewBox="0 0 \(size + 8) \(size + 8)" role="img" shape-rendering="crispEdges"><title>\(label)</title><rect width="\(size + 8)" height="\(size + 8)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }

    // MARK: Codewords

    /// Level M: error-correction codewords per block, and the blocks' data codewords.
    static let levelM: [(ec: Int, blocks: [Int])] = [
        (10, [16]), (16, [28]), (26, [44]), (18, [32, 32]), (24, [43, 43]), (16, [27, 27, 27, 27]),
        (18, [31, 31, 31, 31]), (22, [38, 38, 39, 39]), (22, [36, 36, 36, 37, 37]), (26, [43, 43, 43, 43, 44]),
    ]

    static func dataCodewords(_ version: Int) -> Int { levelM[version - 1].blocks.reduce(0, +) }

    /// Bytes a version holds: data codewords less the mode and length header.
    static func capacity(_ version: Int) -> Int {
        dataCodewords(version) - (version < 10 ? 2 : 3)
    }

    /// The final codeword sequence: data (mode, length, bytes, terminator, padding) split into
    /// blocks, each with its Reed–Solomon codewords, interleaved.
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        let capacityBits = dataCodewords(version) * 8
        append(0, min(4, capacityBits - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { ($0 << 1) | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while data.count < dataCodewords(version) {
            data.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        let (ecCount, sizes) = levelM[version - 1]
        var blocks: [[UInt8]] = []
        var offset = 0
        for size in sizes {
            blocks.append(Array(data[offset..<offset + size]))
            offset += size
        }
        let generator = ReedSolomon.generator(degree: ecCount)
        let corrections = blocks.map { ReedSolomon.remainder($0, generator: generator) }
        var result: [UInt8] = []
        for index in 0..<(sizes.max() ?? 0) {
            for block in blocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<ecCount {
            for correction in corrections { result.append(correction[index]) }
        }
        return result
    }
}

/// Arithmetic in GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var result: UInt8 = 0
        var a = a
        var b = b
        while b != 0 {
            if b & 1 == 1 { result ^= a }
            let carry = a & 0x80 != 0
            a <<= 1
            if carry { a ^= 0x1D }
            b >>= 1
        }
        return result
    }

    /// The generator polynomial (x − α⁰)(x − α¹)…(x − α^(degree−1)), highest term (1) omitted.
    static func generator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                coefficients[index] = multiply(coefficients[index], root)
                if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
            }
            root = multiply(root, 2)
        }
        return coefficients
    }

    /// The remainder of data(x)·x^degree divided by the generator: the correction codewords.
    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for index in 0..<generator.count { result[index] ^= multiply(generator[index], factor) }
        }
        return result
    }
}

/// A symbol being built: its modules and which of them are function patterns (not data).
struct Symbol {
    let version: Int
    let size: Int
    var dark: [Bool]
    var function: [Bool]

    init(version: Int) {
        self.version = version
        self.size = 17 + 4 * version
        self.dark = Array(repeating: false, count: size * size)
        self.function = Array(repeating: false, count: size * size)
    }

    mutating func set(_ column: Int, _ row: Int, _ value: Bool) {
        dark[row * size + column] = value
        function[row * size + column] = true
    }

    static let alignmentCentres: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        for (column, row) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = column + dx
                    let y = row + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let distance = max(abs(dx), abs(dy))
                    set(x, y, distance != 2 && distance != 4)
                }
            }
        }
        let centres = Self.alignmentCentres[version - 1]
        for (i, row) in centres.enumerated() {
            for (j, column) in centres.enumerated() {
                let last = centres.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { set(column + dx, row + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        // Reserve the format areas now (drawn for real with the mask) and the dark module.
        drawFormat(mask: 0)
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let bit = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                set(a, b, bit)
                set(b, a, bit)
            }
        }
    }

    /// The 15 format bits (level M, `mask`) in both copies, and the dark module.
    mutating func drawFormat(mask: Int) {
        let data = 0b00 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { set(8, index, bit(index)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for index in 9..<15 { set(14 - index, 8, bit(index)) }
        for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
        set(8, size - 8, true)
    }

    /// Places the codewords' bits in the zigzag order: two columns at a time from the right,
    /// upwards then downwards, around the function patterns, skipping the vertical timing line.
    mutating func placeData(_ codewords: [UInt8]) {
        var index = 0
        let total = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                for offset in 0..<2 {
                    let column = right - offset
                    let upward = (right + 1) & 2 == 0
                    let row = upward ? size - 1 - step : step
                    guard !function[row * size + column] else { continue }
                    if index < total {
                        dark[row * size + column] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                        index += 1
                    }
                }
            }
            right -= 2
        }
    }

    mutating func applyMask(_ mask: Int) {
        for row in 0..<size {
            for column in 0..<size where !function[row * size + column] {
                let flip: Bool =
                    switch mask {
                    case 0: (row + column) % 2 == 0
                    case 1: row % 2 == 0
                    case 2: column % 3 == 0
                    case 3: (row + column) % 3 == 0
                    case 4: (row / 2 + column / 3) % 2 == 0
                    case 5: (row * column) % 2 + (row * column) % 3 == 0
                    case 6: ((row * column) % 2 + (row * column) % 3) % 2 == 0
                    default: ((row + column) % 2 + (row * column) % 3) % 2 == 0
                    }
                if flip { dark[row * size + column].toggle() }
            }
        }
    }

    /// The standard's penalty score: long runs, 2×2 blocks, finder-like patterns, imbalance.
    func penalty() -> Int {
        var score = 0
        func line(_ cell: (Int) -> Bool) {
            var run = 1
            for index in 1..<size {
                if cell(index) == cell(index - 1) {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            if run >= 5 { score += run - 2 }
            let pattern: [Bool] = [true, false, true, true, true, false, true]
            for start in 0...(size - 7) where (0..<7).allSatisfy({ cell(start + $0) == pattern[$0] }) {
                let before = (max(0, start - 4)..<start).allSatisfy { !cell($0) } && start >= 4
                let after = (start + 7..<min(size, start + 11)).allSatisfy { !cell($0) } && start + 11 <= size
                if before || after { score += 40 }
            }
        }
        for row in 0..<size { line { dark[row * size + $0] } }
        for column in 0..<size { line { dark[$0 * size + column] } }
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let value = dark[row * size + column]
                if value == dark[row * size + column + 1], value == dark[(row + 1) * size + column],
                    value == dark[(row + 1) * size + column + 1]
                {
                    score += 3
                }
            }
        }
        let darkCount = dark.filter { $0 }.count
        let total = size * size
        score += abs(darkCount * 20 - total * 10) / total * 10
        return score
    }
}
