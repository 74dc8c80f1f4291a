import Foundation

/// What the executor sends to `/bin/sh -s` for one step: a fixed preamble that sets each
/// parameter from its base64 form, then the runbook's script text unchanged. The only
/// parameter-derived text in the program is base64 (`A–Z a–z 0–9 + / =`), which cannot close a
/// quote or start a command, so no value — quotes, `$( )`, backticks, newlines — is ever parsed
/// as shell syntax. Values with control characters never get this far (`RunbookParameter`).
public enum RunbookScript {
    public static func program(
        _ runbook: Runbook, step: Runbook.Step, parameters: [String: String], preState: [UInt8]? = nil
    ) -> String {
        // A root script finds the sbin tools whatever PATH the login or sudo left.
        var lines = [
            "set -u", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "VIGIL_RUNBOOK=\(runbook.id)", "VIGIL_STEP=\(step.rawValue)",
        ]
        lines.append("export PATH VIGIL_RUNBOOK VIGIL_STEP")
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard RunbookParameter.isValidName(name) else { continue }
            let variable = "VIGIL_" + name.uppercased()
            let encoded = Data(value.utf8).base64EncodedString()
            // The trailing x keeps trailing newlines that $( ) would strip (none pass validation,
            // but the decoding must not depend on that).
            lines.append("\(variable)=$(printf '%s' '\(encoded)' | base64 -d; printf x)")
            lines.append("\(variable)=${\(variable)%x}")
            lines.append("export \(variable)")
        }
        if let preState {
            lines.append("VIGIL_PRESTATE=$(mktemp)")
            lines.append("trap 'rm -f \"$VIGIL_PRESTATE\"' EXIT")
            lines.append("printf '%s' '\(Data(preState).base64EncodedString())' | base64 -d > \"$VIGIL_PRESTATE\"")
            lines.append("export VIGIL_PRESTATE")
        }
        return lines.joined(separator: "\n") + "\n" + runbook.script(step)
    }
}
