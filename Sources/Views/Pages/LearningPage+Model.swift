public import VigilAPI

/// The learning flywheel (`GET /learning`, platform operator only): resolution patterns the
/// appliances reported, rules proposed from them, and promoted rules with their record.
public struct LearningPage: Sendable, Equatable {
    public var layout: Layout
    public var overview: LearningOverview
    public var notice: String?

    public init(layout: Layout, overview: LearningOverview, notice: String? = nil) {
        self.layout = layout
        self.overview = overview
        self.notice = notice
    }
}
