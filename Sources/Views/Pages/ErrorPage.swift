/// A plain page for a refused or failed web request: the status and what to do, never a stack.
public struct ErrorPage: Sendable, Equatable {
    public var status: Int
    public var title: String
    public var message: String

    public init(status: Int, title: String, message: String) {
        self.status = status
        self.title = title
        self.message = message
    }

    public func render() -> HTML {
        Layout.document(
            title: title,
            """
            <main id="main"><div class="card">
            <h1>\(title)</h1>
            <p>\(message)</p>
            <p class="muted">HTTP \(status) · <a href="/">Back to the fleet</a></p>
            </div></main>
            """)
    }
}
