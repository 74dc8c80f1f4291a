/// How an appliance is deployed: directly by Vigil's partner, or through a reseller whose
/// syslog and webhook also receive every event.
public enum DeploymentMode: String, Codable, Sendable, CaseIterable {
    case direct
    case reseller
}
