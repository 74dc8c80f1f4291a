public import Compliance

/// Group commit: writes that arrive while a transaction is in flight wait and go together in the
/// next one. At low load a write commits at once, alone; under load one commit (one fsync, one
/// round trip) serves many requests. Each caller gets its own result, and none is answered before
/// its write has committed.
actor GroupCommitter<Item: Sendable, Output: Sendable> {
    typealias Commit = @Sendable ([Item]) async throws(StoreError) -> [Output]

    private let maximumBatch: Int
    private let commit: Commit
    private var queue: [(item: Item, waiter: CheckedContinuation<Output, any Error>)] = []
    private var draining = false

    init(maximumBatch: Int = 256, commit: @escaping Commit) {
        self.maximumBatch = maximumBatch
        self.commit = commit
    }

    func submit(_ item: Item) async throws(StoreError) -> Output {
        do {
            return try await withCheckedThrowingContinuation { waiter in
                queue.append((item, waiter))
                if !draining {
                    draining = true
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
        draining = false
    }

    /// Commits `batch` and answers each waiter; throws (answering none) when the commit fails.
    private func run(_ batch: [(item: Item, waiter: CheckedContinuation<Output, any Error>)]) async throws(StoreError) {
        let outputs = try await commit(batch.map(\.item))
        guard outputs.count == batch.count else { throw .unavailable("group commit answered wrongly") }
        for (entry, output) in zip(batch, outputs) { entry.waiter.resume(returning: output) }
    }
}
