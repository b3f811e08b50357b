//! One summary however a file is read: whole, or elided with every blanked
//! function body and every item blanked whole parsed alone and merged, as a
//! lazy run reads the files the plan needs in pieces. Used by
//! tests/pieces.rs over the fixtures, and by the fuzz target (included by
//! path) over whatever it makes up.

use blocklint::collect::{Blanked, collect, collect_body, collect_elided, collect_item};
use blocklint::elide::{Keep, elide};
use blocklint::parse::parse;
use blocklint::resolve::ExternNames;
use blocklint::rules::RuleSet;
use blocklint::summary::FileSummary;

/// For a text syn parses: summarised whole (as a lazy run parses a file
/// whole: doc comments, constants and item-level macros blanked), and
/// summarised in pieces (long bodies blanked, with every item kept, and
/// with every module-level item left out), the summaries are the same.
/// `Err` says how they differ.
pub fn check_pieces(text: &str, rules: &RuleSet) -> Result<(), String> {
    if parse(text).is_err() {
        return Ok(());
    }
    let externs = ExternNames::default();
    let items_only = Keep {
        bodies: false,
        names: None,
        keep_bodies: None,
    };
    let whole = match elide(text, items_only) {
        Some(elided) => {
            let tree = parse(&elided.text)
                .map_err(|e| format!("the elided text does not parse: {}", e.message))?;
            let blanked = Blanked {
                hidden: &elided.hidden,
                ..Blanked::default()
            };
            collect_elided(&tree, &externs, rules, blanked).0
        }
        None => collect(&parse(text).expect("parsed above"), &externs, rules),
    };
    let whole = normal(&whole);
    let nothing: Vec<String> = Vec::new();
    for names in [None, Some(&nothing[..])] {
        let keep = Keep {
            bodies: true,
            names,
            keep_bodies: None,
        };
        let Some(elided) = elide(text, keep) else {
            continue;
        };
        let tree = parse(&elided.text)
            .map_err(|e| format!("the elided text does not parse: {}", e.message))?;
        let blanked = Blanked {
            hidden: &elided.hidden,
            bodies: &elided.bodies,
            body_ranges: &elided.body_ranges,
        };
        let (mut summary, left) = collect_elided(&tree, &externs, rules, blanked);
        let mut items = FileSummary::default();
        let mut names = Vec::new();
        for item in &left.items {
            let module = left
                .module_of(item)
                .ok_or_else(|| format!("no module scope for item {}", item.name))?;
            let parsed = collect_item(text, item, module, &externs, rules)
                .map_err(|e| format!("item {} does not parse alone: {}", item.name, e.message))?;
            items.append(parsed);
            names.push(item.name.clone());
        }
        summary.merge_items(items, &names);
        for body in &left.bodies {
            let at = (body.line, body.column);
            let header = summary
                .functions
                .iter()
                .find(|f| f.elided && (f.span.line, f.span.column) == at)
                .cloned()
                .ok_or_else(|| format!("no function for the body at {at:?}"))?;
            let parsed = collect_body(text, body, &header, &externs, rules)
                .map_err(|e| format!("the body at {at:?} does not parse alone: {}", e.message))?;
            summary.merge_bodies(parsed, &[at]);
        }
        let pieces = normal(&summary);
        if pieces != whole {
            let only_whole: Vec<_> = whole.iter().filter(|x| !pieces.contains(x)).collect();
            let only_pieces: Vec<_> = pieces.iter().filter(|x| !whole.contains(x)).collect();
            return Err(format!(
                "summaries differ (names kept: {:?});\nwhole only: {only_whole:#?}\npieces only: {only_pieces:#?}",
                names.is_empty()
            ));
        }
    }
    Ok(())
}

/// A summary as sorted lines, with each call's async context written out
/// (pieces list their contexts in another order).
fn normal(summary: &FileSummary) -> Vec<String> {
    let mut out = Vec::new();
    for f in &summary.functions {
        let mut f = f.clone();
        let contexts: Vec<String> = f
            .calls
            .iter()
            .map(|c| format!("{:?}", c.async_context.map(|i| &summary.contexts[i])))
            .collect();
        for call in &mut f.calls {
            call.async_context = None;
        }
        out.push(format!("{f:?} {contexts:?}"));
    }
    out.extend(summary.types.iter().map(|t| format!("type {t}")));
    out.extend(summary.fields.iter().map(|f| format!("field {f:?}")));
    out.extend(summary.uses.iter().map(|u| format!("use {u:?}")));
    out.extend(summary.mods.iter().map(|m| format!("mod {m:?}")));
    out.extend(summary.item_lines.iter().map(|l| format!("lines {l:?}")));
    out.extend(summary.contexts.iter().map(|c| format!("context {c:?}")));
    out.sort();
    out
}
