//! The architecture, checked by the build's own tests (ARCHITECTURE.md):
//! the core (money, snapshot, debit, policy, engine, verdict and their
//! helpers) imports nothing from the providers, the lexer, the batch reader,
//! Arrow, the writers or a front end, so data flows one way: provider bytes,
//! snapshot, `decide`, verdict, writers.

use std::collections::BTreeSet;

/// The core's files, and the modules of the crate each may use.
const CORE: &[(&str, &[&str])] = &[
    ("money", &[]),
    ("instant", &[]),
    ("spelling", &[]),
    ("error", &["contract", "decide", "spelling"]),
    ("json", &["error"]),
    ("snapshot", &["money", "spelling"]),
    (
        "debit",
        &["contract", "error", "instant", "json", "money", "snapshot"],
    ),
    (
        "policy",
        &["contract", "error", "json", "money", "snapshot"],
    ),
    (
        "verdict",
        &[
            "contract", "debit", "money", "policy", "snapshot", "spelling",
        ],
    ),
    (
        "engine",
        &[
            "contract", "debit", "error", "money", "policy", "snapshot", "verdict",
        ],
    ),
];

/// What no core file may name: the readers, the writers and the front ends.
const OUTSIDE: &[&str] = &[
    "provider",
    "stripe",
    "plaid",
    "neutral",
    "lexer",
    "batch",
    "arrow",
    "render",
    "run",
    "request",
    "schema",
    "read_account",
];

/// The `crate::NAME` paths a file's code (not its comments) uses.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some((_, after)) = rest.split_once("crate::") {
            rest = after;
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a, b::c}`: every first segment in the group.
                let inner = group.split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.insert(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// A module's source: `src/NAME.rs`, or every file of `src/NAME/`.
fn module_source(module: &str) -> String {
    let root = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    if let Ok(text) = std::fs::read_to_string(format!("{root}/{module}.rs")) {
        return text;
    }
    let mut files: Vec<_> = std::fs::read_dir(format!("{root}/{module}"))
        .unwrap_or_else(|e| panic!("src/{module}.rs or src/{module}/: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "src/{module}/ holds no Rust file");
    files
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_core_imports_no_reader_writer_or_front_end() {
    for (module, allowed) in CORE {
        // A module naming itself (`$crate::spelling::…` in its own macros)
        // is no dependency.
        for used in crate_paths(&module_source(module))
            .into_iter()
            .filter(|used| used != module)
        {
            assert!(
                !OUTSIDE.contains(&used.as_str()),
                "src/{module} uses crate::{used}: the core must not depend on readers, writers or front ends"
            );
            assert!(
                allowed.contains(&used.as_str()),
                "src/{module} uses crate::{used}, which ARCHITECTURE.md does not list for it \
                 (add it to tests/it/layering.rs and ARCHITECTURE.md together, or move the code)"
            );
        }
    }
}

#[test]
fn the_scan_sees_paths_in_code_and_groups_and_skips_comments() {
    let found = crate_paths(
        "use crate::money::Currency;\nuse crate::{snapshot::Status, debit};\n\
         // crate::provider in a comment\nlet x = crate::policy::Policy::default(); // crate::run",
    );
    let names: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(names, ["debit", "money", "policy", "snapshot"]);
}

#[test]
fn the_library_package_has_no_command_line_dependency() {
    let manifest = std::fs::read_to_string(format!("{}/Cargo.toml", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .parse::<toml::Table>()
        .unwrap();
    let dependencies = manifest["dependencies"].as_table().unwrap();
    for front_end in ["clap", "signal-hook", "pyo3"] {
        assert!(
            !dependencies.contains_key(front_end),
            "the library depends on {front_end}: it belongs to the command line or the bindings"
        );
    }
    let default = manifest["features"]["default"].as_array().unwrap();
    assert!(
        default.is_empty(),
        "the library turns on features by default: {default:?}"
    );
}
