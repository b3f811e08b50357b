//! The rule data: what blocks, what offloads, and what to use instead.
//!
//! The TOML files in `rules/` are embedded at build time and loaded once into
//! plain lookup tables. Validation is strict (unknown keys, unknown rule ids,
//! malformed paths are errors) so that a typo in the data fails `cargo test`
//! instead of silently weakening the linter.

use crate::model::Severity;
use crate::types::{Ty, is_valid_path};
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::hashing::{HashMap, HashSet};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The async runtime a crate runs on, which decides the `help:` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    Tokio,
    AsyncStd,
    Smol,
    Unknown,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::AsyncStd => "async-std",
            Runtime::Smol => "smol",
            Runtime::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FamilyFile {
    #[serde(default)]
    rule: Vec<RuleMeta>,
    #[serde(default)]
    function: Vec<FunctionEntry>,
    #[serde(default)]
    method: Vec<MethodEntry>,
    #[serde(default, rename = "unique-method")]
    unique_method: Vec<UniqueMethodEntry>,
    #[serde(default)]
    offload: Vec<OffloadEntry>,
    #[serde(default)]
    wrapper: Vec<WrapperEntry>,
    #[serde(default, rename = "async-api")]
    async_api: Vec<AsyncApiEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleMeta {
    id: String,
    summary: String,
    default: bool,
    severity: String,
    doc: String,
}

/// The async alternative of a blocking API, per runtime. `{name}` stands for
/// the last segment of the matched callee.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Instead {
    tokio: Option<String>,
    #[serde(rename = "async-std")]
    async_std: Option<String>,
    smol: Option<String>,
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FunctionEntry {
    paths: Vec<String>,
    rule: Option<String>,
    returns: Option<String>,
    instead: Option<Instead>,
    /// The rule applies only where the runtime is a current-thread one
    /// (`tokio::task::block_in_place`).
    #[serde(default, rename = "current-thread-only")]
    current_thread_only: bool,
    /// Blocking only when the first argument is a blocking I/O value (a std
    /// file or socket): `serde_json::from_reader(file)` blocks,
    /// `serde_json::from_reader(&bytes[..])` does not.
    #[serde(default, rename = "blocking-io-argument")]
    blocking_io_argument: bool,
    fix: Option<FixTable>,
}

/// The rewrite into the async form, per runtime (`[function.fix]`,
/// `[method.fix]`). See rules/README.md.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct FixTable {
    tokio: Option<FixSpec>,
    #[serde(rename = "async-std")]
    async_std: Option<FixSpec>,
    smol: Option<FixSpec>,
}

/// One rewrite. Exactly one of `path` (replace the called path, add
/// `.await`), `root` (replace the path call a method chain starts from, add
/// `.await`) or `template` (replace the whole call; `{call}`, `{receiver}`
/// stand for the original text) is set.
#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    pub path: Option<String>,
    pub root: Option<String>,
    pub template: Option<String>,
    /// A tokio feature the rewrite needs (`fs`, `time`, `process`).
    pub feature: Option<String>,
    #[serde(default = "machine_applicable")]
    pub applicability: String,
    /// What the user is told, e.g. "use the async API".
    pub message: Option<String>,
}

fn machine_applicable() -> String {
    "machine-applicable".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodEntry {
    #[serde(rename = "type")]
    ty: String,
    names: Vec<String>,
    rule: Option<String>,
    returns: Option<String>,
    #[serde(default)]
    iterate: bool,
    instead: Option<Instead>,
    /// Blocking only when the receiver wraps a blocking I/O value
    /// (`ZipArchive<File>`, not `ZipArchive<Cursor<Vec<u8>>>`).
    #[serde(default, rename = "blocking-io-element")]
    blocking_io_element: bool,
    fix: Option<FixTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UniqueMethodEntry {
    names: Vec<String>,
    rule: String,
    instead: Option<Instead>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OffloadEntry {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    methods: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WrapperEntry {
    types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AsyncApiEntry {
    paths: Vec<String>,
}

/// What a call evaluates to, for typing the values it produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    Ty(Ty),
    /// The type of the first argument (`BufReader::new(file)`).
    FirstArgument,
    /// The receiver's first generic argument (`Mutex<T>::lock`).
    Element,
}

/// A rule id with its metadata and documentation.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub summary: String,
    pub default_on: bool,
    pub severity: Severity,
    pub doc: String,
}

/// A blocking API: which rule it breaks and what to use instead.
#[derive(Debug, Clone)]
pub struct Blocking {
    pub rule: String,
    pub instead: Instead,
}

/// What the rule data says about one callee (a function path or a method of a
/// type): it may block, it may only type its result, or both.
#[derive(Debug, Clone, Default)]
pub struct CalleeInfo {
    pub blocking: Option<Blocking>,
    pub returns: Option<Returns>,
    pub current_thread_only: bool,
    /// See `blocking-io-argument` and `blocking-io-element` in rules/README.md.
    pub needs_blocking_io: bool,
    pub fix: Option<FixTable>,
}

/// Every rule and callee, indexed for the analysis.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<RuleInfo>,
    functions: HashMap<String, CalleeInfo>,
    /// `(type path, method name)`.
    methods: HashMap<(String, String), CalleeInfo>,
    /// The types `methods` has entries for: most lookups miss, and a miss
    /// here builds no key.
    method_types: HashSet<String>,
    /// Types whose `for` iteration blocks.
    iterate: HashMap<String, Blocking>,
    unique_methods: HashMap<String, Blocking>,
    offload_paths: HashSet<String>,
    offload_methods: HashSet<String>,
    wrappers: HashSet<String>,
    async_apis: Vec<String>,
    /// Every path the data names (functions and types), for glob imports.
    known_paths: HashSet<String>,
}

/// A problem in the rule data, with the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDataError {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for RuleDataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rules/{}: {}", self.file, self.message)
    }
}

impl RuleSet {
    /// The rules compiled into this binary.
    pub fn builtin() -> Result<RuleSet, Vec<RuleDataError>> {
        let docs: HashMap<&str, &str> = embedded::RULE_DOCS.iter().copied().collect();
        RuleSet::from_sources(embedded::RULE_FILES, &docs)
    }

    /// Builds a rule set from `(file name, TOML text)` pairs and the rule
    /// documents they refer to; every problem found is returned, not only the
    /// first.
    pub fn from_sources(
        files: &[(&str, &str)],
        docs: &HashMap<&str, &str>,
    ) -> Result<RuleSet, Vec<RuleDataError>> {
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for (name, text) in files {
            match toml::from_str::<FamilyFile>(text) {
                Ok(family) => parsed.push((*name, family)),
                Err(e) => errors.push(RuleDataError {
                    file: name.to_string(),
                    message: e.to_string(),
                }),
            }
        }
        let mut set = RuleSet::default();
        for (file, family) in &parsed {
            for meta in &family.rule {
                let err = |message: String| RuleDataError {
                    file: file.to_string(),
                    message,
                };
                let Some(severity) = Severity::parse(&meta.severity) else {
                    errors.push(err(format!(
                        "rule `{}` has unknown severity `{}`",
                        meta.id, meta.severity
                    )));
                    continue;
                };
                let doc = docs.get(meta.doc.as_str()).copied().unwrap_or_else(|| {
                    errors.push(err(format!(
                        "rule `{}` names doc `{}`, which is not in rules/docs/",
                        meta.id, meta.doc
                    )));
                    ""
                });
                if set.rule(&meta.id).is_some() {
                    errors.push(err(format!("rule `{}` is declared twice", meta.id)));
                    continue;
                }
                set.rules.push(RuleInfo {
                    id: meta.id.clone(),
                    summary: meta.summary.clone(),
                    default_on: meta.default,
                    severity,
                    doc: doc.to_string(),
                });
            }
        }
        for (file, family) in parsed {
            set.add_family(file, family, &mut errors);
        }
        set.check_async_apis(&mut errors);
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    fn add_family(&mut self, file: &str, family: FamilyFile, errors: &mut Vec<RuleDataError>) {
        let mut err = |message: String| {
            errors.push(RuleDataError {
                file: file.to_string(),
                message,
            })
        };
        let check_rule = |rule: &Option<String>, what: &str, err: &mut dyn FnMut(String)| {
            if let Some(rule) = rule
                && !self.rules.iter().any(|r| &r.id == rule)
            {
                err(format!("{what} names unknown rule `{rule}`"));
            }
        };
        for entry in &family.function {
            check_rule(
                &entry.rule,
                &format!("function entry {:?}", entry.paths),
                &mut err,
            );
        }
        for entry in &family.method {
            check_rule(
                &entry.rule,
                &format!("method entry for `{}`", entry.ty),
                &mut err,
            );
        }
        for entry in &family.unique_method {
            check_rule(
                &Some(entry.rule.clone()),
                &format!("unique-method entry {:?}", entry.names),
                &mut err,
            );
        }
        let fixes = family
            .function
            .iter()
            .map(|e| (&e.fix, format!("{:?}", e.paths)))
            .chain(
                family
                    .method
                    .iter()
                    .map(|e| (&e.fix, format!("{} {:?}", e.ty, e.names))),
            );
        for (fix, what) in fixes {
            for spec in fix
                .iter()
                .flat_map(|f| [&f.tokio, &f.async_std, &f.smol])
                .flatten()
            {
                if let Err(problem) = spec.validate() {
                    err(format!("fix for {what}: {problem}"));
                }
            }
        }
        for entry in family.function {
            let returns = entry
                .returns
                .as_deref()
                .map(|r| parse_returns(r, false, &mut err))
                .and_then(|r| r);
            for path in entry.paths {
                if !is_valid_path(&path) {
                    err(format!("`{path}` is not a path"));
                    continue;
                }
                let info = CalleeInfo {
                    blocking: entry.rule.clone().map(|rule| Blocking {
                        rule,
                        instead: entry.instead.clone().unwrap_or_default(),
                    }),
                    returns: returns.clone(),
                    current_thread_only: entry.current_thread_only,
                    needs_blocking_io: entry.blocking_io_argument,
                    fix: entry.fix.clone(),
                };
                self.known_paths.insert(path.clone());
                if self.functions.insert(path.clone(), info).is_some() {
                    err(format!("`{path}` is listed twice"));
                }
            }
        }
        for entry in family.method {
            if !is_valid_path(&entry.ty) {
                err(format!("`{}` is not a type path", entry.ty));
                continue;
            }
            let returns = entry
                .returns
                .as_deref()
                .map(|r| parse_returns(r, true, &mut err))
                .and_then(|r| r);
            let blocking = entry.rule.clone().map(|rule| Blocking {
                rule,
                instead: entry.instead.clone().unwrap_or_default(),
            });
            self.known_paths.insert(entry.ty.clone());
            if entry.iterate {
                match &blocking {
                    Some(b) => {
                        self.iterate.insert(entry.ty.clone(), b.clone());
                    }
                    None => err(format!(
                        "method entry for `{}` sets `iterate` without a rule",
                        entry.ty
                    )),
                }
            }
            for name in entry.names {
                if !is_valid_path(&name) || name.contains("::") {
                    err(format!("`{name}` is not a method name"));
                    continue;
                }
                let info = CalleeInfo {
                    blocking: blocking.clone(),
                    returns: returns.clone(),
                    current_thread_only: false,
                    needs_blocking_io: entry.blocking_io_element,
                    fix: entry.fix.clone(),
                };
                self.method_types.insert(entry.ty.clone());
                if self
                    .methods
                    .insert((entry.ty.clone(), name.clone()), info)
                    .is_some()
                {
                    err(format!("`{}::{name}` is listed twice", entry.ty));
                }
            }
        }
        for entry in family.unique_method {
            for name in entry.names {
                let b = Blocking {
                    rule: entry.rule.clone(),
                    instead: entry.instead.clone().unwrap_or_default(),
                };
                if self.unique_methods.insert(name.clone(), b).is_some() {
                    err(format!("unique method `{name}` is listed twice"));
                }
            }
        }
        for entry in family.offload {
            for path in entry.paths {
                if !is_valid_path(&path) {
                    err(format!("offload `{path}` is not a path"));
                }
                self.known_paths.insert(path.clone());
                self.offload_paths.insert(path);
            }
            self.offload_methods.extend(entry.methods);
        }
        for entry in family.wrapper {
            for ty in entry.types {
                if !is_valid_path(&ty) {
                    err(format!("wrapper `{ty}` is not a type path"));
                }
                self.known_paths.insert(ty.clone());
                self.wrappers.insert(ty);
            }
        }
        for entry in family.async_api {
            self.async_apis.extend(entry.paths);
        }
    }

    /// A known async API must never be denied: that would be exactly the
    /// false positive SPEC section 3 forbids.
    fn check_async_apis(&self, errors: &mut Vec<RuleDataError>) {
        for api in &self.async_apis {
            let denied_fn = self
                .functions
                .get(api)
                .is_some_and(|i| i.blocking.is_some());
            let denied_method = api.rsplit_once("::").is_some_and(|(ty, name)| {
                self.methods
                    .get(&(ty.to_string(), name.to_string()))
                    .is_some_and(|i| i.blocking.is_some())
            });
            if denied_fn || denied_method {
                errors.push(RuleDataError {
                    file: "async_api.toml".into(),
                    message: format!("`{api}` is an async API but a rule denies it"),
                });
            }
        }
    }

    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn function(&self, path: &str) -> Option<&CalleeInfo> {
        self.functions.get(path)
    }

    pub fn method(&self, ty: &str, name: &str) -> Option<&CalleeInfo> {
        if !self.method_types.contains(ty) {
            return None;
        }
        self.methods.get(&(ty.to_string(), name.to_string()))
    }

    pub fn iterate(&self, ty: &str) -> Option<&Blocking> {
        self.iterate.get(ty)
    }

    pub fn unique_method(&self, name: &str) -> Option<&Blocking> {
        self.unique_methods.get(name)
    }

    pub fn is_offload_path(&self, path: &str) -> bool {
        self.offload_paths.contains(path)
    }

    pub fn is_offload_method(&self, name: &str) -> bool {
        self.offload_methods.contains(name)
    }

    pub fn is_wrapper(&self, ty: &str) -> bool {
        self.wrappers.contains(ty)
    }

    /// Whether reading or writing a value of this type blocks: a std file,
    /// socket or stdin, as the method tables say.
    pub fn is_blocking_io(&self, ty: &str) -> bool {
        ["read", "read_exact", "read_to_end", "write", "write_all"]
            .iter()
            .any(|name| {
                self.method(ty, name)
                    .is_some_and(|info| info.blocking.is_some())
            })
    }

    /// Whether the data names `path` at all (used to decide what a glob
    /// import such as `use std::fs::*;` brings into scope).
    pub fn knows_path(&self, path: &str) -> bool {
        self.known_paths.contains(path) || self.functions.contains_key(path)
    }

    /// Every path `knows_path` accepts (with repeats), so a cache can tell
    /// when name resolution would change.
    pub fn known_paths(&self) -> impl Iterator<Item = &String> {
        self.known_paths.iter().chain(self.functions.keys())
    }

    /// Adds a user's own blocking function (configuration). A path whose
    /// owner is a type (`legacy::Client::fetch`) also matches the method
    /// call `client.fetch()` on a receiver known to be a `legacy::Client`.
    pub fn add_blocking_function(&mut self, path: String, blocking: Blocking) {
        if let Some((owner, name)) = path.rsplit_once("::")
            && owner
                .rsplit("::")
                .next()
                .is_some_and(|s| s.starts_with(char::is_uppercase))
        {
            self.method_types.insert(owner.to_string());
            let entry = self
                .methods
                .entry((owner.to_string(), name.to_string()))
                .or_default();
            entry.blocking = Some(blocking.clone());
            self.known_paths.insert(owner.to_string());
        }
        self.known_paths.insert(path.clone());
        let entry = self.functions.entry(path).or_default();
        entry.blocking = Some(blocking);
    }

    /// Adds a user's own offload function (configuration).
    pub fn add_offload_path(&mut self, path: String) {
        self.known_paths.insert(path.clone());
        self.offload_paths.insert(path);
    }

    /// Every callee a rule covers, sorted, as printed by `rule --callees`.
    pub fn callees_of(&self, rule: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (path, info) in &self.functions {
            if info.blocking.as_ref().is_some_and(|b| b.rule == rule) {
                out.push(path.clone());
            }
        }
        for ((ty, name), info) in &self.methods {
            if info.blocking.as_ref().is_some_and(|b| b.rule == rule) {
                out.push(format!("{ty}::{name}"));
            }
        }
        for (ty, b) in &self.iterate {
            if b.rule == rule {
                out.push(format!("for _ in {ty}"));
            }
        }
        for (name, b) in &self.unique_methods {
            if b.rule == rule {
                out.push(format!("<any>.{name}()"));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Callee counts per rule, for `blocklint rules`.
    pub fn callee_counts(&self) -> BTreeMap<String, usize> {
        self.rules
            .iter()
            .map(|r| (r.id.clone(), self.callees_of(&r.id).len()))
            .collect()
    }

    /// Every function path listed, for tests of the data.
    pub fn function_paths(&self) -> impl Iterator<Item = &String> {
        self.functions.keys()
    }
}

impl FixTable {
    pub fn for_runtime(&self, runtime: Runtime) -> Option<&FixSpec> {
        match runtime {
            Runtime::Tokio => self.tokio.as_ref(),
            Runtime::AsyncStd => self.async_std.as_ref(),
            Runtime::Smol => self.smol.as_ref(),
            Runtime::Unknown => None,
        }
    }
}

impl FixSpec {
    pub fn applicability(&self) -> crate::model::Applicability {
        match self.applicability.as_str() {
            "maybe-incorrect" => crate::model::Applicability::MaybeIncorrect,
            _ => crate::model::Applicability::MachineApplicable,
        }
    }

    fn validate(&self) -> Result<(), String> {
        let forms = [&self.path, &self.root, &self.template]
            .iter()
            .filter(|f| f.is_some())
            .count();
        if forms != 1 {
            return Err("set exactly one of `path`, `root`, `template`".into());
        }
        if !matches!(
            self.applicability.as_str(),
            "machine-applicable" | "maybe-incorrect"
        ) {
            return Err(format!("unknown applicability `{}`", self.applicability));
        }
        for path in [&self.path, &self.root].into_iter().flatten() {
            if !is_valid_path(&path.replace("{name}", "name")) {
                return Err(format!("`{path}` is not a path"));
            }
        }
        if let Some(template) = &self.template {
            let mut rest = template.as_str();
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').ok_or("unclosed `{` in template")? + open;
                let name = &rest[open + 1..close];
                if !matches!(name, "call" | "receiver" | "name") {
                    return Err(format!("unknown placeholder `{{{name}}}` in template"));
                }
                rest = &rest[close + 1..];
            }
        }
        Ok(())
    }
}

impl Instead {
    /// The alternative for `runtime`, with `{name}` filled in from `callee`.
    pub fn for_runtime(&self, runtime: Runtime, callee: &str) -> Option<String> {
        let template = match runtime {
            Runtime::Tokio => self.tokio.as_ref(),
            Runtime::AsyncStd => self.async_std.as_ref(),
            Runtime::Smol => self.smol.as_ref(),
            Runtime::Unknown => None,
        }
        .or(self.default.as_ref())?;
        let name = callee.rsplit("::").next().unwrap_or(callee);
        Some(template.replace("{name}", name))
    }

    pub fn from_text(text: String) -> Instead {
        Instead {
            default: Some(text),
            ..Instead::default()
        }
    }
}

/// Stands for the first argument's type inside a `returns` type
/// (`zip::ZipArchive<$arg>`).
pub const ARGUMENT_PLACEHOLDER: &str = "__argument__";

/// Stands for the receiver's first generic argument inside a method's
/// `returns` type (`zip::read::ZipFile<$elem>`).
pub const ELEMENT_PLACEHOLDER: &str = "__element__";

fn parse_returns(text: &str, method: bool, err: &mut dyn FnMut(String)) -> Option<Returns> {
    match text {
        "$arg" if !method => Some(Returns::FirstArgument),
        "$elem" if method => Some(Returns::Element),
        _ => match Ty::parse(
            &text
                .replace("$arg", ARGUMENT_PLACEHOLDER)
                .replace("$elem", ELEMENT_PLACEHOLDER),
        ) {
            Some(ty) => Some(Returns::Ty(ty)),
            None => {
                err(format!("`returns = {text:?}` is not a type"));
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> Result<RuleSet, Vec<RuleDataError>> {
        let docs: HashMap<&str, &str> = [("x.md", "doc")].into_iter().collect();
        RuleSet::from_sources(files, &docs)
    }

    const META: &str = r#"
        [[rule]]
        id = "blocking-x"
        summary = "x"
        default = true
        severity = "warning"
        doc = "x.md"
    "#;

    #[test]
    fn builtin_rules_load_and_validate() {
        let set = RuleSet::builtin().unwrap_or_else(|errors| {
            panic!(
                "rule data is invalid:\n{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert!(set.rule("blocking-fs").is_some());
    }

    #[test]
    fn unknown_key_is_an_error() {
        let errors = load(&[
            ("rules.toml", META),
            ("f.toml", "[[function]]\npaths = [\"a::b\"]\nrul = \"x\"\n"),
        ])
        .unwrap_err();
        assert!(errors[0].message.contains("unknown field"), "{errors:?}");
    }

    #[test]
    fn unknown_rule_id_is_an_error() {
        let errors = load(&[
            ("rules.toml", META),
            (
                "f.toml",
                "[[function]]\npaths = [\"a::b\"]\nrule = \"nope\"\n",
            ),
        ])
        .unwrap_err();
        assert!(
            errors[0].message.contains("unknown rule `nope`"),
            "{errors:?}"
        );
    }

    #[test]
    fn duplicate_and_malformed_paths_are_errors() {
        let data = "[[function]]\npaths = [\"a::b\", \"a::b\", \"a::\"]\nrule = \"blocking-x\"\n";
        let errors = load(&[("rules.toml", META), ("f.toml", data)]).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn denying_an_async_api_is_an_error() {
        let data = "[[function]]\npaths = [\"tokio::fs::read\"]\nrule = \"blocking-x\"\n[[async-api]]\npaths = [\"tokio::fs::read\"]\n";
        let errors = load(&[("rules.toml", META), ("f.toml", data)]).unwrap_err();
        assert!(errors[0].message.contains("async API"), "{errors:?}");
    }

    #[test]
    fn a_users_blocking_method_matches_method_calls() {
        let mut set = load(&[("rules.toml", META)]).unwrap();
        let blocking = Blocking {
            rule: "blocking-x".into(),
            instead: Instead::default(),
        };
        set.add_blocking_function("legacy::Client::fetch".into(), blocking.clone());
        set.add_blocking_function("legacy::fetch_all".into(), blocking);
        assert!(set.function("legacy::Client::fetch").is_some());
        assert!(
            set.method("legacy::Client", "fetch")
                .is_some_and(|i| i.blocking.is_some())
        );
        assert!(set.method("legacy", "fetch_all").is_none());
    }

    #[test]
    fn instead_fills_in_the_name() {
        let instead = Instead {
            tokio: Some("tokio::fs::{name}(..).await".into()),
            ..Instead::default()
        };
        assert_eq!(
            instead
                .for_runtime(Runtime::Tokio, "std::fs::read_to_string")
                .as_deref(),
            Some("tokio::fs::read_to_string(..).await")
        );
        assert_eq!(instead.for_runtime(Runtime::Smol, "std::fs::read"), None);
    }
}
