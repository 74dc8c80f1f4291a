public import Compliance

/// The audit log (`GET /audit`, administrators): who did what, newest first, a page at a time.
public struct AuditPage: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var id: Int64
        public var at: Timestamp
        public var actor: String
        public var action: String
        public var target: String
        public var detail: String

        public init(id: Int64, at: Timestamp, actor: String, action: String, target: String, detail: String) {
            self.id = id
            self.at = at
            self.actor = actor
            self.action = action
            self.target = target
            self.detail = detail
        }
    }

    public var layout: Layout
    public var entries: [Entry]
    /// The `before` of the next (older) page, when there is one.
    public var older: Int64?

    public init(layout: Layout, entries: [Entry], older: Int64?) {
        self.layout = layout
        self.entries = entries
        self.older = older
    }
}
