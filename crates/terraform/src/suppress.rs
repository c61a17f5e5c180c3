//! Inline suppressions: `# encguard:ignore RULE-ID reason` inside a resource block or in
//! the comment lines directly above it, and Checkov's `#checkov:skip=CKV_AWS_n:reason`
//! for users migrating from it.

use encguard_model::InlineSuppression;

/// The suppressions written in or directly above the block spanning `start..end`.
pub fn around(text: &str, start: usize, end: usize) -> Vec<InlineSuppression> {
    let (start, end) = (start.min(text.len()), end.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut above: Vec<&str> = text[..line_start].lines().rev().take_while(|l| is_comment(l)).collect();
    above.reverse();
    above.into_iter().chain(text[line_start..end].lines()).filter_map(parse).collect()
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

fn parse(line: &str) -> Option<InlineSuppression> {
    let comment = line.find('#').map(|i| &line[i + 1..]).or_else(|| line.find("//").map(|i| &line[i + 2..]))?.trim();
    if let Some(rest) = comment.strip_prefix("encguard:ignore") {
        let mut parts = rest.trim().splitn(2, char::is_whitespace);
        let rule = parts.next()?.trim().to_string();
        let reason = parts.next().unwrap_or("").trim().to_string();
        return (!rule.is_empty()).then_some(InlineSuppression { rule, reason });
    }
    let rest = comment.strip_prefix("checkov:skip=")?;
    let (rule, reason) = rest.split_once(':').unwrap_or((rest, ""));
    Some(InlineSuppression { rule: rule.trim().to_string(), reason: reason.trim().to_string() })
}

#[cfg(test)]
mod tests {
    use super::around;

    #[test]
    fn comments_above_and_inside_a_block() {
        let text = "# encguard:ignore S3-002 logs cannot use KMS\n# checkov:skip=CKV_AWS_145:log bucket\nresource \"aws_s3_bucket\" \"b\" {\n  # encguard:ignore S3-009 new bucket\n  bucket = \"x\"\n}\n";
        let start = text.find("resource").unwrap();
        let found = around(text, start, text.len());
        let rules: Vec<_> = found.iter().map(|s| (s.rule.as_str(), s.reason.as_str())).collect();
        assert_eq!(rules, [("S3-002", "logs cannot use KMS"), ("CKV_AWS_145", "log bucket"), ("S3-009", "new bucket")]);
    }
}
