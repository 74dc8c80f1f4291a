/// The runbook catalogue (`GET /runbooks`): what each runbook heals, whether it is disruptive or
/// waits for the window, its typed parameters and the controls it serves.
public struct RunbooksPage: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public var name: String
        /// `text ≤ 64`, `integer 1…99999`, `one of: yes, no`…
        public var kind: String
        public var defaultValue: String?
        public var description: String

        public init(name: String, kind: String, defaultValue: String?, description: String) {
            self.name = name
            self.kind = kind
            self.defaultValue = defaultValue
            self.description = description
        }
    }

    public struct Runbook: Sendable, Equatable {
        public var id: String
        public var title: String
        public var platform: String
        public var heals: [String]
        public var disruptive: Bool
        public var needsWindow: Bool
        /// Changes accounts or encryption: an L2 proposal always waits for a person.
        public var sensitive: Bool
        public var timeoutSeconds: Int
        public var parameters: [Parameter]
        public var controls: [String]

        public init(
            id: String, title: String, platform: String, heals: [String], disruptive: Bool, needsWindow: Bool,
            sensitive: Bool, timeoutSeconds: Int, parameters: [Parameter], controls: [String]
        ) {
            self.id = id
            self.title = title
            self.platform = platform
            self.heals = heals
            self.disruptive = disruptive
            self.needsWindow = needsWindow
            self.sensitive = sensitive
            self.timeoutSeconds = timeoutSeconds
            self.parameters = parameters
            self.controls = controls
        }
    }

    public var layout: Layout
    public var runbooks: [Runbook]

    public init(layout: Layout, runbooks: [Runbook]) {
        self.layout = layout
        self.runbooks = runbooks
    }
}
