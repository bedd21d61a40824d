//! The `fundsgate` binary against SPEC §6: exit statuses, stdout and stderr.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a failed test"
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fundsgate");
/// The repository: the examples, schemas and README the command line is
/// run against.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const ACTIVE: &str = "examples/accounts/active_cash.json";
const NOW: &str = "1651516600";

fn fundsgate(args: &[&str], stdin: &[u8]) -> Output {
    fundsgate_to(args, stdin, Stdio::piped())
}

/// Starts `fundsgate args` in the repository's directory, stdin and stderr piped.
fn spawn(args: &[&str], stdout: Stdio) -> std::process::Child {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `fundsgate args` with stdout sent to `stdout` and `stdin` fed in.
fn fundsgate_to(args: &[&str], stdin: &[u8], stdout: Stdio) -> Output {
    let mut child = spawn(args, stdout);
    // Feed stdin from another thread: the child may fill its stdout pipe
    // before it has read all of its input.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        // A child that exits early closes the pipe; that is its business.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn check(account: &str, amount: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        "--account",
        account,
        "--amount",
        amount,
        "--currency",
        "usd",
    ];
    args.extend_from_slice(extra);
    fundsgate(&args, b"")
}

/// The committed verdict schema (`schemas/verdict.json`), compiled once.
fn verdict_schema() -> &'static jsonschema::Validator {
    static SCHEMA: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = format!("{}/schemas/verdict.json", ROOT);
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    })
}

/// Every verdict the command line prints in this suite is checked against
/// the verdict schema (an answer line's `id` is allowed: readers accept
/// fields they do not know).
#[track_caller]
fn assert_valid_verdict(v: &Value) {
    if let Err(e) = verdict_schema().validate(v) {
        panic!("verdict does not match schemas/verdict.json: {e}\n{v}");
    }
}

/// stdout is exactly one JSON object on one line; returns it.
#[track_caller]
fn verdict_of(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "stdout: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.is_object());
    assert_valid_verdict(&v);
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    v
}

/// An input error: exit 2, nothing on stdout, one line on stderr that
/// starts `fundsgate: `; returns that line.
#[track_caller]
fn usage_error(out: &Output) -> String {
    let err = clap_error(out);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("fundsgate: "), "stderr: {err}");
    err
}

/// A usage error as clap reports it: exit 2, nothing on stdout, clap's own
/// message (with its suggestions and the usage line) on stderr; returns it.
#[track_caller]
fn clap_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(!err.is_empty(), "nothing on stderr");
    err
}

#[test]
fn allow_exits_0() {
    let out = check(ACTIVE, "6000", &["--now", NOW]);
    assert_eq!(out.status.code(), Some(0));
    let v = verdict_of(&out);
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["reasons"], serde_json::json!([]));
    assert_eq!(
        (v["balance"].as_i64(), v["required"].as_i64()),
        (Some(6000), Some(6000))
    );
}

#[test]
fn deny_exits_1() {
    let out = check(ACTIVE, "20000", &["--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    let v = verdict_of(&out);
    assert_eq!(v["decision"], "deny");
    assert_eq!(v["reasons"], serde_json::json!(["insufficient_funds"]));
}

#[test]
fn refresh_needed_exits_3() {
    let out = check(
        "examples/accounts/pending_refresh.json",
        "100",
        &["--now", NOW],
    );
    assert_eq!(out.status.code(), Some(3));
    let v = verdict_of(&out);
    assert_eq!(v["decision"], "refresh_needed");
    assert_eq!(
        v["refresh"],
        serde_json::json!({"action": "wait", "not_before": null})
    );
}

#[test]
fn the_verdict_has_every_spec_field() {
    let v = verdict_of(&check(ACTIVE, "100", &["--now", NOW]));
    for key in [
        "decision",
        "reasons",
        "warnings",
        "basis",
        "balance",
        "required",
        "as_of",
        "balance_age_secs",
        "refresh",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
}

#[test]
fn now_as_unix_seconds_or_rfc3339_gives_the_same_verdict() {
    let unix = check(ACTIVE, "100", &["--now", NOW]);
    let rfc = check(ACTIVE, "100", &["--now", "2022-05-02T18:36:40Z"]);
    let offset = check(ACTIVE, "100", &["--now", "2022-05-02T14:36:40-04:00"]);
    assert_eq!(unix.stdout, rfc.stdout);
    assert_eq!(unix.stdout, offset.stdout);
    assert_eq!(verdict_of(&unix)["balance_age_secs"], 8);
}

#[test]
fn without_now_the_system_clock_makes_the_docs_balance_stale() {
    let out = check(ACTIVE, "100", &[]);
    let v = verdict_of(&out);
    assert_eq!(v["reasons"], serde_json::json!(["balance_stale"]));
}

#[test]
fn the_account_can_come_from_stdin_and_as_an_event() {
    let doc = std::fs::read(format!("{}/{ACTIVE}", ROOT)).unwrap();
    let out = fundsgate(
        &[
            "check",
            "--account",
            "-",
            "--amount",
            "100",
            "--currency",
            "USD",
            "--now",
            NOW,
        ],
        &doc,
    );
    assert_eq!(out.status.code(), Some(0));
    let event = check(
        "examples/accounts/refreshed_balance_event.json",
        "100",
        &["--now", NOW],
    );
    assert_eq!(out.stdout, event.stdout);
}

#[test]
fn in_flight_and_policy_raise_the_required_amount() {
    let out = check(
        ACTIVE,
        "3000",
        &[
            "--now",
            NOW,
            "--in-flight",
            "2000",
            "--policy",
            "examples/policies/cautious.json",
        ],
    );
    let v = verdict_of(&out);
    // 3000 + 2000 + max(500, ceil(3000 × 0.10) = 300)
    assert_eq!(v["required"], 5500);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_float_amount_in_the_account_names_its_path() {
    let dir = std::env::temp_dir().join(format!("fundsgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("float.json");
    std::fs::write(&path, r#"{"status": "active", "balance": {"as_of": 1, "type": "cash", "current": {"usd": 6000.0}}}"#).unwrap();
    let err = usage_error(&check(path.to_str().unwrap(), "100", &["--now", NOW]));
    assert!(err.contains("balance.current.usd"), "{err}");
    assert!(err.contains("6000"), "{err}");
}

#[test]
fn input_and_usage_errors_exit_2() {
    let err = clap_error(&check(ACTIVE, "6000.0", &["--now", NOW]));
    assert!(err.contains("--amount"), "{err}");
    let err = usage_error(&check(ACTIVE, "0", &["--now", NOW]));
    assert!(err.contains("--amount"), "{err}");
    let err = usage_error(&check(ACTIVE, "100", &["--now", NOW, "--in-flight", "-1"]));
    assert!(err.contains("--in-flight"), "{err}");
    let err = clap_error(&check(ACTIVE, "100", &["--now", "yesterday"]));
    assert!(err.contains("--now"), "{err}");
    let err = usage_error(&check("no/such/file.json", "100", &[]));
    assert!(err.contains("no/such/file.json"), "{err}");
    let err = usage_error(&check(ACTIVE, "100", &["--policy", "no/such/policy.json"]));
    assert!(err.contains("--policy"), "{err}");
    let err = clap_error(&fundsgate(
        &["check", "--amount", "1", "--currency", "usd"],
        b"",
    ));
    assert!(err.contains("--account"), "{err}");
    let err = clap_error(&fundsgate(
        &[
            "check",
            "--account",
            ACTIVE,
            "--amount",
            "1",
            "--currency",
            "dollars",
        ],
        b"",
    ));
    assert!(err.contains("--currency"), "{err}");
    clap_error(&fundsgate(&["launch"], b""));
    let err = usage_error(&check(
        ACTIVE,
        "9223372036854775807",
        &["--now", NOW, "--in-flight", "1"],
    ));
    assert!(err.contains("overflows"), "{err}");
}

#[test]
fn a_document_that_is_not_an_account_is_an_input_error() {
    let out = fundsgate(
        &[
            "check",
            "--account",
            "-",
            "--amount",
            "1",
            "--currency",
            "usd",
        ],
        br#"{"id": "cus_1", "object": "customer", "balance": -500}"#,
    );
    let err = usage_error(&out);
    assert!(
        err.starts_with("fundsgate: account.object: expected `financial_connections.account`"),
        "{err}"
    );
    assert!(err.contains("a Stripe `customer` object"), "{err}");
}

// ---- batch -------------------------------------------------------------------

fn batch(input: &[u8], extra: &[&str]) -> (Vec<Value>, Output) {
    let mut args = vec!["batch", "--now", NOW];
    args.extend_from_slice(extra);
    let out = fundsgate(&args, input);
    let lines: Vec<Value> = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in lines.iter().filter(|l| l.get("error").is_none()) {
        assert_valid_verdict(line);
    }
    (lines, out)
}

#[test]
fn batch_keeps_order_and_ids_across_good_and_bad_lines() {
    let input = std::fs::read(format!("{}/examples/batch/requests.jsonl", ROOT)).unwrap();
    let (lines, out) = batch(&input, &[]);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<Value> = lines.iter().map(|l| l["id"].clone()).collect();
    let expected: Vec<Value> = serde_json::from_str(
        r#"["pi_001","pi_002","pi_003","pi_bad","pi_004","pi_005",null,{"order":42},"pi_006","pi_007"]"#,
    )
    .unwrap();
    assert_eq!(ids, expected);
    let decisions: Vec<&str> = lines
        .iter()
        .map(|l| l["decision"].as_str().unwrap_or("error"))
        .collect();
    assert_eq!(
        decisions,
        [
            "allow",
            "deny",
            "refresh_needed",
            "error",
            "refresh_needed",
            "deny",
            "error",
            "allow",
            "deny",
            "deny"
        ]
    );
    assert_eq!(lines[8]["rule"], "unlinked");
    assert_eq!(lines[9]["retry"]["entry_description"], "RETRY PYMT");
    // pi_001 took 50.00 of the account's 60.00: the re-presentment pi_007
    // of 50.00 on the same account no longer fits.
    assert_eq!(
        lines[9]["exposure"],
        serde_json::json!({"count": 1, "amount": 5000})
    );
    assert_eq!(lines[9]["rule"], "insufficient");
    let (alone, _) = batch(&input, &["--independent"]);
    assert_eq!(alone[9]["decision"], "allow");
    assert_eq!(alone[9]["exposure"], Value::Null);
    assert!(lines[3]["error"].as_str().unwrap().starts_with("amount:"));
    assert!(lines[6]["error"].is_string());
}

#[test]
fn batch_of_an_unparseable_line_in_the_middle() {
    let good =
        r#"{"id": 1, "account": {"status": "disconnected"}, "amount": 5, "currency": "usd"}"#;
    let input = format!(
        "{good}\n{{\"id\": 2, \"amount\": \n{}\n",
        good.replace("\"id\": 1", "\"id\": 3")
    );
    let (lines, out) = batch(input.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["id"].clone(), lines[0]["decision"].clone()),
        (1.into(), "deny".into())
    );
    assert_eq!(lines[1]["id"], Value::Null);
    assert!(lines[1]["error"].is_string());
    assert_eq!(
        (lines[2]["id"].clone(), lines[2]["decision"].clone()),
        (3.into(), "deny".into())
    );
}

#[test]
fn batch_names_the_path_of_a_bad_account() {
    let line = br#"{"id": "a", "account": {"status": "active", "balance": {"as_of": 1, "current": {"usd": "6000"}}}, "amount": 5, "currency": "usd"}"#;
    let (lines, _) = batch(line, &[]);
    assert_eq!(lines[0]["id"], "a");
    let err = lines[0]["error"].as_str().unwrap();
    assert!(err.starts_with("account.balance.current.usd:"), "{err}");
    let line = br#"{"id": "b", "account": {"balance": null}, "amount": 5, "currency": "usd"}"#;
    let (lines, _) = batch(line, &[]);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("account.status:"),
        "{}",
        lines[0]
    );
}

#[test]
fn batch_lines_may_carry_their_own_now_and_in_flight() {
    let acct = r#"{"status": "active", "balance": {"as_of": 1651516592, "type": "cash", "current": {"usd": 100}, "cash": {"available": {"usd": 100}}}}"#;
    let input = format!(
        "{{\"id\": 1, \"account\": {acct}, \"amount\": 60, \"currency\": \"usd\"}}\n\
         {{\"id\": 2, \"account\": {acct}, \"amount\": 60, \"currency\": \"usd\", \"in_flight\": 50}}\n\
         {{\"id\": 3, \"account\": {acct}, \"amount\": 60, \"currency\": \"usd\", \"now\": 1651700000}}\n\
         {{\"id\": 4, \"account\": {acct}, \"amount\": 60, \"currency\": \"usd\", \"now\": \"2022-05-04T21:33:20Z\"}}\n"
    );
    let (lines, _) = batch(input.as_bytes(), &[]);
    let decisions: Vec<&str> = lines
        .iter()
        .map(|l| l["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        ["allow", "deny", "refresh_needed", "refresh_needed"]
    );
}

#[test]
fn batch_of_empty_input_writes_nothing_and_exits_0() {
    let (lines, out) = batch(b"", &[]);
    assert!(lines.is_empty());
    assert!(out.stdout.is_empty());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn batch_with_a_bad_policy_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("fundsgate-cli-b-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.json");
    std::fs::write(&path, r#"{"buffer_ratio": "11"}"#).unwrap();
    let out = fundsgate(&["batch", "--policy", path.to_str().unwrap()], b"");
    let err = usage_error(&out);
    assert!(err.contains("buffer_ratio"), "{err}");
}

// ---- policy ------------------------------------------------------------------

#[test]
fn policy_prints_the_default() {
    let out = fundsgate(&["policy"], b"");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["max_balance_age_secs"], 86400);
    assert_eq!(v["buffer_ratio"], "0");
}

#[test]
fn policy_check_accepts_a_valid_file_and_rejects_an_unknown_key() {
    let out = fundsgate(
        &["policy", "--check", "examples/policies/cautious.json"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["buffer_ratio"], "0.1");

    let dir = std::env::temp_dir().join(format!("fundsgate-cli-p-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("typo.json");
    std::fs::write(&path, r#"{"max_age_secs": 60}"#).unwrap();
    let err = usage_error(&fundsgate(
        &["policy", "--check", path.to_str().unwrap()],
        b"",
    ));
    assert!(err.contains("max_age_secs"), "{err}");
}

#[test]
fn help_explains_exit_statuses_and_policy_keys() {
    for sub in ["check", "batch", "policy"] {
        let out = fundsgate(&[sub, "--help"], b"");
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Exit status"), "{sub}: {text}");
        assert!(text.contains("unverified_allowance"), "{sub}: {text}");
    }
}

#[test]
fn batch_with_jobs_keeps_order_and_matches_serial() {
    // About 3 MB: several read chunks, so lines straddle chunk boundaries.
    let acct = std::fs::read_to_string(format!("{}/{ACTIVE}", ROOT)).unwrap();
    let acct: Value = serde_json::from_str(&acct).unwrap();
    let mut input = String::new();
    for i in 0..4_000 {
        if i % 7 == 3 {
            input.push_str("{not json\n");
        } else {
            let line = serde_json::json!({"id": i, "account": acct, "amount": 1 + (i * 13) % 9000, "currency": "usd"});
            input.push_str(&line.to_string());
            input.push('\n');
        }
    }
    input.push_str(r#"{"id": "last-without-newline", "account": {"status": "disconnected"}, "amount": 1, "currency": "usd"}"#);
    // Each line alone, as version 2 decided.
    let (serial, out) = batch(input.as_bytes(), &["--independent", "--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(serial.len(), 4_001);
    for (i, line) in serial.iter().enumerate().take(4_000) {
        if i % 7 == 3 {
            assert_eq!(line["id"], Value::Null);
            assert!(line["error"].is_string());
        } else {
            assert_eq!(line["id"], i);
            let amount = 1 + (i * 13) % 9000;
            let expected = if amount <= 6000 { "allow" } else { "deny" };
            assert_eq!(line["decision"], expected, "line {i}");
        }
    }
    assert_eq!(serial[4_000]["id"], "last-without-newline");
    for jobs in ["2", "3"] {
        let parallel = fundsgate(
            &["batch", "--now", NOW, "--independent", "--jobs", jobs],
            input.as_bytes(),
        );
        assert_eq!(parallel.status.code(), Some(0));
        assert_eq!(
            parallel.stdout, out.stdout,
            "--jobs {jobs} changed the output"
        );
    }
    // A run: every line is the same account, so the allowed amounts add up
    // to at most its 60.00, whatever the number of threads.
    let (run, out) = batch(input.as_bytes(), &["--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0));
    let allowed: u64 = run
        .iter()
        .filter(|l| l["decision"] == "allow")
        .map(|l| l["debit"]["amount"].as_u64().unwrap())
        .sum();
    assert!(allowed <= 6000 && allowed > 0, "{allowed}");
    for jobs in ["2", "3", "8"] {
        let parallel = fundsgate(&["batch", "--now", NOW, "--jobs", jobs], input.as_bytes());
        assert_eq!(parallel.status.code(), Some(0));
        assert_eq!(
            parallel.stdout, out.stdout,
            "--jobs {jobs} changed the run's output"
        );
    }
}

#[test]
fn batch_answers_empty_lines_and_crlf() {
    let good =
        r#"{"id": 1, "account": {"status": "disconnected"}, "amount": 5, "currency": "usd"}"#;
    let (lines, _) = batch(format!("{good}\r\n\n{good}\n").as_bytes(), &[]);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["decision"], "deny");
    assert!(lines[1]["error"].is_string());
    assert_eq!(lines[2]["decision"], "deny");
}

#[test]
fn batch_rejects_zero_jobs() {
    clap_error(&fundsgate(&["batch", "--jobs", "0"], b""));
}

#[test]
fn batch_answers_each_line_before_the_input_ends() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BIN)
        .args(["batch", "--now", NOW])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..2 {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            tx.send(line).unwrap();
        }
    });
    for id in 1..=2 {
        let line = format!(
            "{{\"id\": {id}, \"account\": {{\"status\": \"disconnected\"}}, \"amount\": 5, \"currency\": \"usd\"}}\n"
        );
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let answer = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("an answer while stdin is open");
        let v: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["id"], id);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

// ---- usage messages (issue 8) -------------------------------------------------

#[test]
fn a_misspelt_flag_or_subcommand_gets_clap_suggestions() {
    let err = clap_error(&fundsgate(
        &[
            "check",
            "--acount",
            ACTIVE,
            "--amount",
            "1",
            "--currency",
            "usd",
        ],
        b"",
    ));
    assert!(
        err.contains("a similar argument exists: '--account'"),
        "{err}"
    );
    let err = clap_error(&fundsgate(&["chek"], b""));
    assert!(
        err.contains("similar subcommand") && err.contains("'check'"),
        "{err}"
    );
}

#[test]
fn a_bare_fundsgate_prints_the_usage() {
    let err = clap_error(&fundsgate(&[], b""));
    assert!(err.contains("Usage: fundsgate <COMMAND>"), "{err}");
    for sub in ["check", "batch", "policy"] {
        assert!(err.contains(sub), "{sub} missing from: {err}");
    }
}

#[test]
fn a_decimal_amount_is_explained_in_minor_units() {
    let err = clap_error(&check(ACTIVE, "60.00", &["--now", NOW]));
    assert!(err.contains("--amount"), "{err}");
    assert!(err.contains("integer amount in minor units"), "{err}");
    assert!(err.contains("6000 for $60.00"), "{err}");
    let err = clap_error(&check(ACTIVE, "100", &["--now", NOW, "--in-flight", "1.5"]));
    assert!(err.contains("--in-flight"), "{err}");
    assert!(err.contains("integer amount in minor units"), "{err}");
}

#[test]
fn now_in_milliseconds_is_refused_on_the_flag_and_in_batch() {
    let err = clap_error(&check(ACTIVE, "100", &["--now", "1651516600000"]));
    assert!(err.contains("--now"), "{err}");
    assert!(err.contains("looks like milliseconds"), "{err}");
    let line = format!(
        r#"{{"id": 1, "account": {}, "amount": 100, "currency": "usd", "now": 1651516600000}}"#,
        std::fs::read_to_string(format!("{ROOT}/{ACTIVE}"))
            .unwrap()
            .replace('\n', " ")
    );
    let (lines, _) = batch(line.as_bytes(), &[]);
    let error = lines[0]["error"].as_str().unwrap();
    assert!(error.starts_with("now: "), "{error}");
    assert!(error.contains("looks like milliseconds"), "{error}");
}

#[test]
fn policy_check_blames_check_and_reads_stdin() {
    let err = usage_error(&fundsgate(
        &["policy", "--check", "no/such/policy.json"],
        b"",
    ));
    assert!(
        err.starts_with("fundsgate: --check no/such/policy.json"),
        "{err}"
    );
    let out = fundsgate(&["policy", "--check", "-"], br#"{"buffer_min": 250}"#);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["buffer_min"], 250);
    let err = usage_error(&fundsgate(
        &["policy", "--check", "-"],
        br#"{"buffer": 250}"#,
    ));
    assert!(
        err.starts_with("fundsgate: --check -: buffer: unknown field"),
        "{err}"
    );
}

#[test]
fn a_misspelt_batch_key_is_an_error_line_naming_it() {
    let account = std::fs::read_to_string(format!("{ROOT}/{ACTIVE}"))
        .unwrap()
        .replace('\n', " ");
    let typo = format!(
        r#"{{"id": 1, "account": {account}, "amount": 5000, "currency": "usd", "inflight": 5000}}"#
    );
    let right = typo.replace("inflight", "in_flight");
    let (lines, out) = batch(format!("{typo}\n{right}\n").as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines[0]["id"], 1);
    let error = lines[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("inflight: unknown field `inflight`"),
        "{error}"
    );
    assert_eq!(lines[1]["decision"], "deny");
    // Unknown fields inside the account document are still ignored.
    let extra = right.replace(
        r#""status""#,
        r#""brand_new_field": [1, {"x": 2}], "status""#,
    );
    let (lines, _) = batch(extra.as_bytes(), &[]);
    assert_eq!(lines[0]["decision"], "deny", "{:?}", lines[0]);
}

// ---- README ------------------------------------------------------------------

/// Every `fundsgate check …` (or `cargo run --release -- check …`) command in
/// README.md that is followed by a JSON block prints exactly that JSON.
#[test]
fn every_verdict_shown_in_the_readme_is_what_check_prints() {
    let readme = std::fs::read_to_string(format!("{}/README.md", ROOT)).unwrap();
    let blocks: Vec<&str> = readme.split("```").collect();
    let mut checked = 0;
    for pair in blocks.windows(3) {
        let (command, json) = (pair[0], pair[2]);
        let Some(command) = command.strip_prefix("sh\n") else {
            continue;
        };
        let Some(json) = json.strip_prefix("json\n") else {
            continue;
        };
        let command = command.trim();
        let args = match command
            .strip_prefix("fundsgate ")
            .or_else(|| command.strip_prefix("cargo run --release -- "))
        {
            Some(args) if args.starts_with("check ") => args,
            _ => continue,
        };
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = fundsgate(&args, b"");
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.trim(), json.trim(), "README: {command}");
        assert_valid_verdict(&serde_json::from_str(&printed).unwrap());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} README examples found");
}

// ---- SPEC v2 on the command line ---------------------------------------------------

#[test]
fn check_unlinked_and_its_usage_errors() {
    let out = fundsgate(
        &[
            "check",
            "--unlinked",
            "--amount",
            "100",
            "--currency",
            "usd",
            "--now",
            NOW,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1));
    let v = verdict_of(&out);
    assert_eq!(
        (v["rule"].as_str(), v["reasons"][0].as_str()),
        (Some("unlinked"), Some("no_balance_data"))
    );
    let err = clap_error(&fundsgate(
        &[
            "check",
            "--unlinked",
            "--account",
            ACTIVE,
            "--amount",
            "1",
            "--currency",
            "usd",
        ],
        b"",
    ));
    assert!(
        err.contains("--unlinked") && err.contains("--account"),
        "{err}"
    );
    let err = clap_error(&fundsgate(
        &["check", "--amount", "1", "--currency", "usd"],
        b"",
    ));
    assert!(err.contains("--account"), "{err}");
}

#[test]
fn check_re_presentment_flags() {
    let out = check(
        ACTIVE,
        "5000",
        &[
            "--now",
            NOW,
            "--returns",
            "R01,R09",
            "--original-settlement",
            "2022-04-15T00:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let v = verdict_of(&out);
    assert_eq!(
        v["retry"],
        serde_json::json!({"attempt": 2, "entry_description": "RETRY PYMT"})
    );
    let out = check(
        ACTIVE,
        "5000",
        &[
            "--now",
            NOW,
            "--returns",
            "R01,R01,R09",
            "--original-settlement",
            "1650000000",
        ],
    );
    assert_eq!(
        (out.status.code(), verdict_of(&out)["rule"].as_str()),
        (Some(1), Some("retry_limit"))
    );
    let err = clap_error(&check(ACTIVE, "5000", &["--now", NOW, "--returns", "R01"]));
    assert!(err.contains("--original-settlement"), "{err}");
    let err = clap_error(&check(
        ACTIVE,
        "5000",
        &[
            "--now",
            NOW,
            "--returns",
            "R1",
            "--original-settlement",
            "1",
        ],
    ));
    assert!(err.contains("R and two digits"), "{err}");
    let err = clap_error(&check(
        ACTIVE,
        "5000",
        &["--now", NOW, "--original-settlement", "1"],
    ));
    assert!(err.contains("--returns"), "{err}");
}

#[test]
fn batch_unlinked_presentment_and_their_errors() {
    let account = std::fs::read_to_string(format!("{ROOT}/{ACTIVE}"))
        .unwrap()
        .replace('\n', " ");
    let input = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        r#"{"id": 1, "account": null, "amount": 100, "currency": "usd"}"#,
        r#"{"id": 2, "amount": 100, "currency": "usd"}"#,
        format_args!(
            r#"{{"id": 3, "account": {account}, "amount": 100, "currency": "usd", "presentment": {{"original_settlement": 1650000000, "returns": ["R09"]}}}}"#
        ),
        format_args!(
            r#"{{"id": 4, "account": {account}, "amount": 100, "currency": "usd", "presentment": {{"original_settlement": 1650000000, "returns": ["R9"]}}}}"#
        ),
        format_args!(
            r#"{{"id": 5, "account": {account}, "amount": 100, "currency": "usd", "presentment": {{"settled": 1650000000, "returns": []}}}}"#
        ),
    );
    let (lines, out) = batch(input.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines[0]["rule"], "unlinked");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("account: required"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["retry"]["attempt"], 1);
    let e = lines[3]["error"].as_str().unwrap();
    assert!(
        e.starts_with("presentment.returns[0]: expected a NACHA return code"),
        "{e}"
    );
    let e = lines[4]["error"].as_str().unwrap();
    assert!(
        e.starts_with("presentment.settled: unknown field `settled`"),
        "{e}"
    );
}

#[test]
fn schema_prints_each_committed_schema() {
    for name in ["policy", "verdict", "request", "snapshot"] {
        let out = fundsgate(&["schema", name], b"");
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read_to_string(format!("{}/schemas/{name}.json", ROOT)).unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), committed, "{name}");
    }
    let err = clap_error(&fundsgate(&["schema", "verdicts"], b""));
    assert!(err.contains("possible values"), "{err}");
}

const PLAID_CHECKING: &str = "examples/accounts/plaid_checking.json";
const PLAID_MANY: &str = "examples/accounts/plaid_balance_get.json";
const PLAID_SAVINGS_ID: &str = "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK";

#[test]
fn check_reads_plaid_responses_with_account_id_and_fetched_at() {
    let out = check(PLAID_CHECKING, "6000", &["--now", NOW]);
    assert_eq!(out.status.code(), Some(0));
    let v = verdict_of(&out);
    assert_eq!(v["provider"], "plaid");
    assert_eq!(v["balance"], 6000);

    // Several accounts: --account-id selects, --fetched-at dates the balance.
    let out = check(
        PLAID_MANY,
        "21000",
        &[
            "--now",
            NOW,
            "--account-id",
            PLAID_SAVINGS_ID,
            "--fetched-at",
            "1651516590",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let v = verdict_of(&out);
    assert_eq!(
        (v["account"].as_str(), v["as_of"].as_i64()),
        (Some(PLAID_SAVINGS_ID), Some(1_651_516_590))
    );
    assert_eq!(v["warnings"][0], "used_current_balance");
    // Without --fetched-at, Plaid's balance has no date: refresh (call again).
    let out = check(
        PLAID_MANY,
        "100",
        &["--now", NOW, "--account-id", PLAID_SAVINGS_ID],
    );
    assert_eq!(out.status.code(), Some(3));
    let v = verdict_of(&out);
    assert_eq!(
        (v["rule"].as_str(), v["refresh"]["action"].as_str()),
        (Some("stale_can_start"), Some("initiate"))
    );

    // Without --account-id, the error lists the ids.
    let err = usage_error(&check(PLAID_MANY, "100", &["--now", NOW]));
    assert!(
        err.contains("accounts: the response holds 7 accounts"),
        "{err}"
    );
    assert!(err.contains(PLAID_SAVINGS_ID), "{err}");
    let err = usage_error(&check(
        PLAID_MANY,
        "100",
        &["--now", NOW, "--account-id", "nope"],
    ));
    assert!(err.contains("`nope` is not in this response"), "{err}");

    // An item error: a link that is down.
    let out = check(
        "examples/accounts/plaid_item_login_required.json",
        "100",
        &["--now", NOW],
    );
    assert_eq!(out.status.code(), Some(1));
    let v = verdict_of(&out);
    assert_eq!(v["rule"], "missing_link_down");
    assert_eq!(v["warnings"], serde_json::json!(["relink_required"]));
}

#[test]
fn provider_flag_forces_a_reader_and_source_flags_need_an_account() {
    let err = usage_error(&check(
        PLAID_CHECKING,
        "100",
        &["--now", NOW, "--provider", "stripe"],
    ));
    assert!(err.contains("status"), "{err}");
    let out = check(
        PLAID_CHECKING,
        "100",
        &["--now", NOW, "--provider", "plaid"],
    );
    assert_eq!(out.status.code(), Some(0));
    let err = usage_error(&check(
        ACTIVE,
        "100",
        &["--now", NOW, "--provider", "snapshot"],
    ));
    assert!(err.contains("object"), "{err}");
    for flag in [
        ["--account-id", "x"],
        ["--fetched-at", NOW],
        ["--provider", "plaid"],
    ] {
        let mut args = vec!["check", "--unlinked", "--amount", "1", "--currency", "usd"];
        args.extend_from_slice(&flag);
        let err = clap_error(&fundsgate(&args, b""));
        assert!(err.contains("--account"), "{flag:?}: {err}");
    }
    // A Stripe document must be the account given.
    let err = usage_error(&check(
        ACTIVE,
        "100",
        &["--now", NOW, "--account-id", "fca_other"],
    ));
    assert!(err.contains("id: this document is account"), "{err}");
}

/// `snapshot` prints the neutral document the gate reads; `check` on it
/// gives the same verdict as on the original, but for `provider`.
#[test]
fn snapshot_output_checks_like_the_original() {
    let dir = std::fs::read_dir(format!("{}/examples/accounts", ROOT)).unwrap();
    let mut seen = 0;
    for entry in dir {
        let path = entry.unwrap().path();
        let path = path.to_str().unwrap();
        let source: &[&str] = if path.ends_with("plaid_balance_get.json") {
            &[
                "--account-id",
                PLAID_SAVINGS_ID,
                "--fetched-at",
                "1651516000",
            ]
        } else {
            &[]
        };
        let mut args = vec!["snapshot", "--account", path];
        args.extend_from_slice(source);
        let out = fundsgate(&args, b"");
        assert_eq!(out.status.code(), Some(0), "{path}: {out:?}");
        let snapshot = out.stdout;
        assert_eq!(
            snapshot.iter().filter(|&&b| b == b'\n').count(),
            1,
            "{path}"
        );
        let doc: Value = serde_json::from_slice(&snapshot).unwrap();
        assert_eq!(doc["object"], "fundsgate.snapshot");
        for amount in ["1", "6000", "100000000"] {
            let mut args = vec![
                "check",
                "--account",
                path,
                "--amount",
                amount,
                "--currency",
                "usd",
                "--now",
                NOW,
            ];
            args.extend_from_slice(source);
            let original = fundsgate(&args, b"");
            let again = fundsgate(
                &[
                    "check",
                    "--account",
                    "-",
                    "--amount",
                    amount,
                    "--currency",
                    "usd",
                    "--now",
                    NOW,
                ],
                &snapshot,
            );
            assert_eq!(original.status.code(), again.status.code(), "{path}");
            let mut want = verdict_of(&original);
            let got = verdict_of(&again);
            assert_eq!(got["provider"], "snapshot");
            want["provider"] = Value::from("snapshot");
            assert_eq!(got, want, "{path} {amount}");
        }
        seen += 1;
    }
    assert!(seen >= 17, "{seen} examples");
}

#[test]
fn batch_reads_plaid_and_snapshot_accounts_with_their_keys() {
    let plaid = std::fs::read_to_string(format!("{}/{PLAID_MANY}", ROOT)).unwrap();
    let plaid: Value = serde_json::from_str(&plaid).unwrap();
    let snapshot = fundsgate(&["snapshot", "--account", ACTIVE], b"").stdout;
    let snapshot: Value = serde_json::from_slice(&snapshot).unwrap();
    let lines = [
        serde_json::json!({"id": 1, "account": plaid, "account_id": PLAID_SAVINGS_ID, "fetched_at": 1_651_516_590, "amount": 21000, "currency": "usd"}),
        serde_json::json!({"id": 2, "account": plaid, "account_id": PLAID_SAVINGS_ID, "fetched_at": "2022-05-02T18:36:30Z", "amount": 21001, "currency": "usd"}),
        serde_json::json!({"id": 3, "account": plaid, "amount": 100, "currency": "usd"}),
        serde_json::json!({"id": 4, "account": snapshot, "amount": 6000, "currency": "usd"}),
        serde_json::json!({"id": 5, "account": snapshot, "account_id": "fca_other", "amount": 6000, "currency": "usd"}),
        serde_json::json!({"id": 6, "account": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED"}, "account_id": "acc", "amount": 100, "currency": "usd"}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    for jobs in ["1", "2"] {
        for reader in ["fast", "serde"] {
            let (out, status) = batch(input.as_bytes(), &["--jobs", jobs, "--reader", reader]);
            assert_eq!(status.status.code(), Some(0));
            assert_eq!(out.len(), 6);
            assert_eq!(
                (out[0]["decision"].as_str(), out[0]["as_of"].as_i64()),
                (Some("allow"), Some(1_651_516_590))
            );
            assert_eq!(out[1]["rule"], "insufficient");
            let error = out[2]["error"].as_str().unwrap();
            assert!(
                error.starts_with("account.accounts: the response holds 7 accounts"),
                "{error}"
            );
            assert_eq!(
                (out[3]["decision"].as_str(), out[3]["provider"].as_str()),
                (Some("allow"), Some("snapshot"))
            );
            let error = out[4]["error"].as_str().unwrap();
            assert!(
                error.starts_with("account.account_id: this document is account"),
                "{error}"
            );
            assert_eq!(
                (out[5]["rule"].as_str(), out[5]["account"].as_str()),
                (Some("missing_link_down"), Some("acc"))
            );
        }
    }
}

// ---- Issue 18: output faults are errors, memory stays bounded ------------------

fn batch_lines(n: usize) -> Vec<u8> {
    let account = std::fs::read_to_string(format!("{ROOT}/{ACTIVE}"))
        .unwrap()
        .replace('\n', "");
    (0..n)
        .map(|i| format!(r#"{{"id":{i},"account":{account},"amount":3000,"currency":"usd"}}"#))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[test]
fn a_full_disk_is_exit_2_for_every_command() {
    let full = || {
        Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    for args in [
        &[
            "check",
            "--account",
            ACTIVE,
            "--amount",
            "100",
            "--currency",
            "usd",
            "--now",
            NOW,
        ][..],
        &["policy"],
        &["schema", "verdict"],
        &["snapshot", "--account", ACTIVE],
        &["batch", "--now", NOW],
    ] {
        let out = fundsgate_to(args, &batch_lines(10), full());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_is_exit_2_not_a_panic() {
    // The reader is gone before the child starts: every write fails.
    for args in [
        &["policy"][..],
        &["schema", "verdict"],
        &["batch", "--now", NOW],
        &[
            "check",
            "--account",
            ACTIVE,
            "--amount",
            "1",
            "--currency",
            "usd",
            "--now",
            NOW,
        ],
        &["snapshot", "--account", ACTIVE],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = spawn(args, Stdio::from(writer));
        let mut input = child.stdin.take().unwrap();
        let _ = input.write_all(&batch_lines(2_000));
        drop(input);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_line_longer_than_max_line_bytes_is_an_error_line_and_the_batch_goes_on() {
    let mut input = b"{\"id\": 1, \"pad\": \"".to_vec();
    input.extend(std::iter::repeat_n(b'x', 5_000));
    input.extend_from_slice(b"\"}\n");
    input.extend_from_slice(&batch_lines(1));
    let out = fundsgate(&["batch", "--now", NOW, "--max-line-bytes", "1000"], &input);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(
        lines[0],
        r#"{"id":null,"error":"line longer than --max-line-bytes (1000 bytes)"}"#
    );
    assert!(
        lines[1].starts_with(r#"{"id":0,"decision":"allow""#),
        "{}",
        lines[1]
    );
    // A line without end (`batch < /dev/zero`) ends in one error line.
    let out = fundsgate(
        &["batch", "--now", NOW, "--max-line-bytes", "64"],
        &[0_u8; 3 << 20],
    );
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"id\":null,\"error\":\"line longer than --max-line-bytes (64 bytes)\"}\n"
    );
}

#[test]
fn an_id_no_reader_can_read_back_is_not_echoed() {
    let out = fundsgate(
        &["batch", "--now", NOW],
        br#"{"id": "\ud800", "account": null, "amount": 1, "currency": "usd"}
{"id": "\ud83d\ude00", "account": null, "amount": 1, "currency": "usd"}"#,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        r#"{"id":null,"error":"id: cannot be echoed: a string escape that is half a UTF-16 surrogate pair"}"#
    );
    // A whole pair is text: echoed as it came.
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(r#"{"id":"\ud83d\ude00","decision""#)
    );
    for line in text.lines() {
        serde_json::from_str::<Value>(line).unwrap();
    }
}

#[test]
fn a_closed_stdout_is_exit_2_but_dev_null_is_fine() {
    for (redirect, code) in [(">&-", 2), ("> /dev/null", 0)] {
        let out = Command::new("sh")
            .current_dir(ROOT)
            .arg("-c")
            .arg(format!(
                "exec \"$0\" batch --now {NOW} < {ACTIVE} {redirect}"
            ))
            .arg(BIN)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{redirect}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn sigint_and_sigterm_end_the_batch_on_a_whole_line() {
    use std::io::{BufRead, BufReader};
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let mut child = spawn(&["batch", "--now", NOW, "--jobs", "2"], Stdio::piped());
        let mut input = child.stdin.take().unwrap();
        input.write_all(&batch_lines(300)).unwrap();
        input.write_all(b"\n").unwrap();
        input.flush().unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        // stdin stays open: the batch is waiting for more when the signal comes.
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
        let status = child.wait().unwrap();
        drop(input);
        assert_eq!(status.code(), Some(code), "{signal}");
        let lines: Vec<&str> = std::iter::once(first.as_str())
            .chain(rest.split_inclusive('\n'))
            .collect();
        // The answers written are a prefix of the input's, each line whole.
        assert!(
            !lines.is_empty() && lines.len() <= 300,
            "{signal}: {}",
            lines.len()
        );
        for (i, line) in lines.into_iter().enumerate() {
            assert!(line.ends_with('\n'), "{signal}: a truncated line: {line}");
            let answer: Value = serde_json::from_str(line).unwrap();
            assert_eq!(answer["id"], i, "{signal}");
        }
    }
}

/// SPEC v3 §6's exit statuses on Plaid's version 3 rows: allow 0, deny 1
/// (`provider_review`, `provider_declined`, `missing_request_failed`,
/// `not_debitable`), refresh_needed 3 (`missing_pending`).
#[test]
fn plaid_and_signal_rows_exit_with_their_decision() {
    let cases: [(&str, &[&str], i32, &str); 6] = [
        (
            "examples/accounts/plaid_signal_accept.json",
            &["--fetched-at", "1651516592"],
            0,
            "sufficient",
        ),
        (
            "examples/accounts/plaid_signal_review.json",
            &[],
            1,
            "provider_review",
        ),
        (
            "tests/fixtures/plaid/signal_reroute.json",
            &["--fetched-at", "1651516592"],
            1,
            "provider_declined",
        ),
        (
            "examples/accounts/plaid_invalid_access_token.json",
            &[],
            1,
            "missing_request_failed",
        ),
        (
            "examples/accounts/plaid_product_not_ready.json",
            &[],
            3,
            "missing_pending",
        ),
        (
            "examples/accounts/plaid_balance_get.json",
            &[
                "--account-id",
                "Pp1Vpkl9w8sajvK6oEEKtr7vZxBnGpf7LxxLE",
                "--fetched-at",
                "1651516592",
            ],
            1,
            "not_debitable",
        ),
    ];
    for (path, extra, code, rule) in cases {
        let mut args = vec![
            "check",
            "--account",
            path,
            "--amount",
            "5000",
            "--currency",
            "usd",
            "--now",
            NOW,
        ];
        args.extend_from_slice(extra);
        let out = fundsgate(&args, b"");
        assert_eq!(out.status.code(), Some(code), "{path}");
        assert_eq!(verdict_of(&out)["rule"].as_str(), Some(rule), "{path}");
    }
}
