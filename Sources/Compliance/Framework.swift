/// A compliance framework whose controls checks are mapped to.
public enum Framework: String, Codable, Sendable, CaseIterable {
    case hipaa
    case soc2
    case pciDSS = "pci_dss"
    case nistCSF = "nist_csf"
    case cis

    /// The name people use for the framework.
    public var displayName: String {
        switch self {
        case .hipaa: "HIPAA Security Rule"
        case .soc2: "SOC 2"
        case .pciDSS: "PCI DSS"
        case .nistCSF: "NIST CSF"
        case .cis: "CIS Controls"
        }
    }
}
