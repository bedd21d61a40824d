//! The committed JSON Schemas (`schemas/`) are exactly what the Rust types
//! generate, and the documents fundsgate ships and prints validate against
//! them.

use serde_json::Value;

fn committed(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/schemas/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("schemas/{name}.json: {e}"))
}

#[test]
fn the_committed_schemas_are_the_generated_ones() {
    for name in fundsgate::schema::NAMES {
        let generated =
            serde_json::to_string_pretty(&fundsgate::schema::by_name(name).unwrap()).unwrap();
        assert_eq!(
            committed(name).trim_end(),
            generated,
            "schemas/{name}.json is out of date: run `cargo run -- schema {name} > schemas/{name}.json`"
        );
    }
}

fn validator(name: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&committed(name)).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn shipped_policies_and_batch_lines_validate() {
    let policy = validator("policy");
    for entry in
        std::fs::read_dir(format!("{}/examples/policies", env!("CARGO_MANIFEST_DIR"))).unwrap()
    {
        let path = entry.unwrap().path();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(policy.is_valid(&doc), "{}", path.display());
    }
    let printed: Value =
        serde_json::from_str(&fundsgate::Policy::default().to_json_pretty()).unwrap();
    assert!(policy.is_valid(&printed));
    assert!(
        !policy.is_valid(&serde_json::json!({"max_age": 5})),
        "unknown keys are refused"
    );
    assert!(!policy.is_valid(&serde_json::json!({"accept_categories": ["credit"]})));

    let request = validator("request");
    let lines = std::fs::read_to_string(format!(
        "{}/examples/batch/requests.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut valid = 0;
    for line in lines.lines() {
        let Ok(doc) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let expected = !line.contains("10.5");
        assert_eq!(request.is_valid(&doc), expected, "{line}");
        valid += usize::from(expected);
    }
    assert!(valid >= 8);
    assert!(!request.is_valid(
        &serde_json::json!({"account": null, "amount": 5, "currency": "usd", "inflight": 1})
    ));
    assert!(
        !request.is_valid(&serde_json::json!({"amount": 5, "currency": "usd"})),
        "account is required"
    );
}

#[test]
fn verdicts_of_every_row_validate() {
    let verdict = validator("verdict");
    let now = fundsgate::from_unix(1_651_516_600).unwrap();
    for case in rows::cases() {
        let v = match &case.snapshot {
            Some(s) => fundsgate::decide(s, &case.debit, &case.policy, now),
            None => fundsgate::decide_unlinked(&case.debit, &case.policy, now),
        }
        .unwrap();
        let doc: Value = serde_json::from_str(&v.to_json()).unwrap();
        if let Err(e) = verdict.validate(&doc) {
            panic!("{}: {e}\n{doc}", case.rule);
        }
        // Every key written is described by the schema.
        let described: Vec<&String> = doc.as_object().unwrap().keys().collect();
        let schema: Value = serde_json::from_str(&committed("verdict")).unwrap();
        for key in described {
            assert!(
                schema["properties"].get(key).is_some(),
                "{key} missing from the schema"
            );
        }
    }
}

use crate::rows;

/// Every snapshot the gate reads from a shipped example, written as a
/// neutral document, validates against `schemas/snapshot.json`; documents
/// the reader refuses do not.
#[test]
fn neutral_snapshots_of_every_example_validate() {
    let schema = validator("snapshot");
    let dir = format!("{}/examples/accounts", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let options = fundsgate::ReadOptions::new()
            .account_id("dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK")
            .fetched_at(1_651_516_590);
        let snapshot = fundsgate::read_account(&bytes, &fundsgate::ReadOptions::new())
            .or_else(|_| fundsgate::read_account(&bytes, &options))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&fundsgate::neutral::to_json(&snapshot)).unwrap();
        assert!(schema.is_valid(&doc), "{}: {doc}", path.display());
        n += 1;
    }
    assert!(n >= 17);
    for bad in [
        serde_json::json!({"status": "active"}),
        serde_json::json!({"object": "fundsgate.snapshot"}),
        serde_json::json!({"object": "fundsgate.snapshot", "status": "active", "balance": {"current": {"usd": 1.5}}}),
        serde_json::json!({"object": "fundsgate.snapshot", "status": "active", "account_numbers": "some"}),
    ] {
        assert!(!schema.is_valid(&bad), "{bad}");
        assert!(
            fundsgate::neutral::parse(bad.to_string().as_bytes()).is_err(),
            "{bad}"
        );
    }
}
