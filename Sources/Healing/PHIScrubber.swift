import Foundation

/// Removes protected health information from text that leaves the practice (an L2 prompt, an
/// escalation, an evidence excerpt): social security numbers, medical record numbers, dates
/// (dates of birth among them), phone numbers, email addresses, street addresses, and names
/// that follow a label or title (`Patient: Jane Doe`, `Dr. Smith`). Each is replaced by a tag
/// such as `[SSN]`, so the text stays readable. Conservative by design: a date in a log line is
/// scrubbed too.
public enum PHIScrubber {
    static let rules: [(NSRegularExpression, String)] = {
        let patterns: [(String, String)] = [
            // Emails before anything else takes their parts.
            (#"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"#, "[EMAIL]"),
            (#"\b\d{3}-\d{2}-\d{4}\b"#, "[SSN]"),
            (#"(?i)\b(MRN|medical record( number)?|patient id|chart( number)?)\s*[:#]?\s*[A-Z0-9-]{3,}"#, "[MRN]"),
            (#"(?i)\b(DOB|date of birth|born)\s*[:#]?\s*\S+( \d{1,2},? \d{4})?"#, "[DOB]"),
            (#"\b\d{4}-\d{2}-\d{2}\b"#, "[DATE]"),
            (#"\b\d{1,2}/\d{1,2}/\d{2,4}\b"#, "[DATE]"),
            (
                #"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\b"#,
                "[DATE]"
            ),
            (#"(\+1[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"#, "[PHONE]"),
            (
                #"(?i)\b\d{1,6}\s+([A-Z][a-z]+\s){1,3}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|circle)\b\.?"#,
                "[ADDRESS]"
            ),
            (
                #"(?i)\b(patient|name|client|resident|guardian|member)\s*[:=]\s*[A-Z][A-Za-z'-]+(\s+[A-Z][A-Za-z'-]+){0,2}"#,
                "$1: [NAME]"
            ),
            (#"\b(Dr|Mr|Mrs|Ms|Miss)\.?\s+[A-Z][A-Za-z'-]+(\s+[A-Z][A-Za-z'-]+)?"#, "$1. [NAME]"),
        ]
        return patterns.compactMap { pattern, template in
            (try? NSRegularExpression(pattern: pattern)).map { ($0, template) }
        }
    }()

    public static func scrub(_ text: String) -> String {
        var result = text
        for (pattern, template) in rules {
            let range = NSRange(result.startIndex..<result.endIndex, in: result)
            result = pattern.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return result
    }
}
