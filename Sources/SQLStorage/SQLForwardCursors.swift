public import Compliance
import SQLKit

/// `ForwardCursors` in the appliance's database; a cursor only moves forward.
public struct SQLForwardCursors: ForwardCursors {
    let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func cursor(_ target: String) async throws(StoreError) -> Int64 {
        try await database.read { sql in
            try await sql.raw("SELECT sequence FROM forward_cursors WHERE target = \(bind: target)").first()?
                .decode(column: "sequence", as: Int64.self) ?? 0
        }
    }

    public func advance(_ target: String, to sequence: Int64) async throws(StoreError) {
        try TextRules.checkName(target, field: "forwarding target")
        try await database.transaction { sql in
            let current =
                try await sql.raw("SELECT sequence FROM forward_cursors WHERE target = \(bind: target)").first()?
                .decode(column: "sequence", as: Int64.self)
            if let current {
                guard sequence > current else { return }
                try await sql.raw(
                    "UPDATE forward_cursors SET sequence = \(bind: sequence) WHERE target = \(bind: target)"
                )
                .run()
            } else {
                try await sql.raw(
                    "INSERT INTO forward_cursors (target, sequence) VALUES (\(bind: target), \(bind: sequence))"
                )
                .run()
            }
        }
    }
}
