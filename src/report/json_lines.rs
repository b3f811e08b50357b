//! JSON lines: each element of the `json` format on a line of its own, so a
//! consumer can stream findings (`jq -c`, log shippers) without reading a
//! whole array. The objects are exactly the `json` format's.

use crate::model::Finding;

/// One JSON object per finding, one per line.
pub fn render(findings: &[Finding]) -> String {
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&super::render_json(findings)).expect("json output parses");
    let mut out = String::new();
    for item in items {
        out.push_str(&item.to_string());
        out.push('\n');
    }
    out
}
