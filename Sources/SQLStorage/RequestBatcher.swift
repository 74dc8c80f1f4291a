public import Compliance

/// Batches the requests of concurrent callers into one statement.
///
/// Requests that arrive while a batch is in flight wait and go together in the next one. At low
/// load a request runs at once, alone; under load one statement (one round trip, one fsync for a
/// write) serves many callers. Used for group commit of the check-in's writes (nonce claims,
/// health reports) and for its reads (appliance records, open orders, site snapshots). Each
/// caller gets its own output, and none is answered before its batch has finished (for a write:
/// committed).
actor RequestBatcher<Item: Sendable, Output: Sendable> {
    typealias Commit = @Sendable ([Item]) async throws(StoreError) -> [Output]

    private let maximumBatch: Int
    private let maximumInFlight: Int
    private let commit: Commit
    private var queue: [(item: Item, waiter: CheckedContinuation<Output, any Error>)] = []
    private var drainers = 0

    /// - Parameters:
    ///   - maximumBatch: the most requests one statement serves.
    ///   - maximumInFlight: how many batches may run at once (each on its own connection).
    init(maximumBatch: Int = 256, maximumInFlight: Int = 2, commit: @escaping Commit) {
        self.maximumBatch = maximumBatch
        self.maximumInFlight = maximumInFlight
        self.commit = commit
    }

    func submit(_ item: Item) async throws(StoreError) -> Output {
        do {
            return try await withCheckedThrowingContinuation { waiter in
                queue.append((item, waiter))
                if drainers < maximumInFlight {
                    drainers += 1
                    Task { await self.drain() }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable("\(error)")
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maximumBatch))
            queue.removeFirst(batch.count)
            do {
                try await run(batch)
            } catch  where batch.count > 1 {
                // One bad item must not fail the others: commit each alone, so only it fails.
                for entry in batch {
                    do {
                        try await run([entry])
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            } catch {
                for entry in batch { entry.waiter.resume(throwing: error) }
            }
        }
        drainers -= 1
    }

    /// Commits `batch` and answers each waiter; throws (answering none) when the commit fails.
    private func run(_ batch: [(item: Item, waiter: CheckedContinuation<Output, any Error>)]) async throws(StoreError) {
        let outputs = try await commit(batch.map(\.item))
        guard outputs.count == batch.count else {
            throw .unavailable("a batch answered \(outputs.count) of \(batch.count) requests")
        }
        for (entry, output) in zip(batch, outputs) { entry.waiter.resume(returning: output) }
    }
}
