//! GitHub Actions workflow commands: one `::warning file=..,line=..::msg`
//! line per finding, which the runner turns into annotations on the pull
//! request's diff. Paths are relative to the repository root, where the
//! runner looks for them.

use super::Context;
use crate::model::{Finding, Severity};

/// Every finding as a workflow command line.
pub fn render(findings: &[Finding], context: &Context) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let absolute = crate::workspace::absolute_path(&cwd, &f.path);
        let path = match &context.repository_root {
            Some(root) => absolute
                .strip_prefix(root)
                .map(|p| p.to_path_buf())
                .unwrap_or(f.path.clone()),
            None => f.path.clone(),
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        for step in &f.via {
            message.push_str(&format!(
                "\nnote: `{}` calls `{}` at {}:{}",
                step.function,
                step.calls,
                step.path.display(),
                step.line
            ));
        }
        let span = f.span;
        let mut properties = vec![
            format!("file={}", property(&path.display().to_string())),
            format!("line={}", span.line.max(1)),
            format!("col={}", span.column.max(1)),
        ];
        if span.end_line >= span.line && span.end_line > 0 {
            properties.push(format!("endLine={}", span.end_line));
            properties.push(format!("endColumn={}", span.end_column.max(1)));
        }
        properties.push(format!(
            "title={}",
            property(&format!("blocklint: {}", f.rule))
        ));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// Escapes a command's message, as the Actions toolkit does.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: also `:` and `,`, which delimit properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_toolkit() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
