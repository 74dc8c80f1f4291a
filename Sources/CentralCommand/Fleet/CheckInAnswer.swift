import Foundation
import VigilAPI

/// A check-in answer and its JSON.
///
/// Everything in a check-in answer but the server time and the orders comes from the site
/// snapshot, so that part is encoded once per snapshot revision (`Template`) and each answer
/// only fills in the two fields that change. The template is `JSONEncoder`'s encoding of the
/// `CheckInResponse` itself, so the wire type stays the one definition of the format, and the
/// filled bytes decode to exactly the response (a test holds them to that with hostile strings).
struct CheckInAnswer: Sendable {
    let response: CheckInResponse
    let template: Template?

    /// The answer's JSON.
    func json() throws -> [UInt8] {
        if let template { return try template.fill(serverTime: response.serverTime, orders: response.orders) }
        return try Array(JSONResponse.encoder().encode(response))
    }

    /// The encoded answer of one snapshot with holes for the server time and the orders.
    struct Template: Sendable {
        /// Pieces between the holes; `holes[i]` goes after `pieces[i]`.
        let pieces: [[UInt8]]
        let holes: [Hole]

        enum Hole: Sendable { case serverTime, orders }

        /// Encodes `response` (its server time and orders are ignored) and finds the holes; nil
        /// when the encoding does not have exactly one of each, and answers are then encoded whole.
        init?(_ response: CheckInResponse) {
            var blank = response
            blank.serverTime = ""
            blank.orders = []
            guard let bytes = try? Array(JSONResponse.encoder().encode(blank)) else { return nil }
            // Inside a JSON string every quote is escaped, so these exact sequences can only be
            // the members themselves.
            let marks: [(Hole, [UInt8], Int)] = [
                (.serverTime, Array(#""server_time":"#.utf8), 2), (.orders, Array(#""orders":"#.utf8), 2),
            ]
            var found: [(hole: Hole, start: Int, end: Int)] = []
            for (hole, key, valueLength) in marks {
                let starts = bytes.indices.filter { bytes[$0...].starts(with: key) }
                guard starts.count == 1, let start = starts.first.map({ $0 + key.count }),
                    start + valueLength <= bytes.count
                else { return nil }
                found.append((hole, start, start + valueLength))
            }
            found.sort { $0.start < $1.start }
            var pieces: [[UInt8]] = []
            var cursor = 0
            for hole in found {
                pieces.append(Array(bytes[cursor..<hole.start]))
                cursor = hole.end
            }
            pieces.append(Array(bytes[cursor...]))
            self.pieces = pieces
            self.holes = found.map(\.hole)
        }

        func fill(serverTime: String, orders: [SignedOrder]) throws -> [UInt8] {
            let encoder = JSONResponse.encoder()
            let time = try encoder.encode(serverTime)
            let orderBytes = orders.isEmpty ? Data("[]".utf8) : try encoder.encode(orders)
            var out: [UInt8] = []
            out.reserveCapacity(pieces.reduce(0) { $0 + $1.count } + time.count + orderBytes.count)
            for (index, piece) in pieces.enumerated() {
                out += piece
                guard index < holes.count else { break }
                switch holes[index] {
                case .serverTime: out += time
                case .orders: out += orderBytes
                }
            }
            return out
        }
    }
}
