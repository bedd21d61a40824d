//! `fundsgate`: the command line over the fundsgate library (SPEC §6).
//!
//! A thin layer: it reads files, stdin and the clock, and leaves every
//! decision to [`fundsgate::decide`].

use std::fs;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use fundsgate::parse_instant;
use fundsgate::{
    AccountSource, Currency, Debit, DebitId, Decision, Policy, Presentment, Provider, ReadOptions,
    Request, ReturnCode, Snapshot, neutral,
};
use fundsgate::{Batch, Streaming};
use std::num::NonZeroUsize;

mod stream;

const EXIT_STATUSES: &str = "\
Exit status:
  0  allow
  1  deny
  3  refresh_needed
  2  input or usage error (a one-line message on stderr, nothing on stdout)";

const POLICY_KEYS: &str = "\
Policy keys (JSON, every key optional, unknown keys rejected; `fundsgate policy` prints the defaults):
  max_balance_age_secs  86400  an older as_of is stale
  max_clock_skew_secs   300    as_of later than now + this is balance_from_future
  fallback_to_current   true   use `current` when `cash.available` lacks the currency
  buffer_ratio          \"0\"    cushion as a fraction of the amount (0 to 10, exact decimal)
  buffer_min            0      cushion floor, minor units
  current_extra_ratio   \"0\"    extra cushion fraction when the basis is `current`
  unverified_allowance  {}     per currency, e.g. {\"usd\": 5000}: a debit up to this may be
                               allowed, with warning funds_not_verified, when funds cannot be verified
  accept_categories     [\"cash\"] categories that may be debited (cash, investment, other; never credit)
  livemode              null   when true or false, a document whose livemode differs is denied
                               (Plaid documents report none and are never denied by it)
  max_reinitiations     2      re-presentments allowed after R01/R09 returns (0 to 2)
  reinitiation_window_days 180 days after the original settlement for a re-presentment (1 to 180)
  velocity              []     at most 8 limits {\"window_secs\": 1 to 31536000, \"max_count\": N, \"max_amount\": {\"usd\": N}}:
                               in any window, at most max_count debits and max_amount of the debit's currency
  provider_review       \"deny\" a provider's REVIEW result (Plaid Signal): \"deny\", or \"decide\" (a warning)
";

/// An ACH pre-debit sufficient-funds gate over Stripe Financial Connections and Plaid balances.
#[derive(Parser)]
#[command(
    name = "fundsgate",
    version,
    about,
    after_help = POLICY_KEYS,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide one debit against one account document; print the verdict as JSON.
    #[command(after_help = format!("{EXIT_STATUSES}\n\n{POLICY_KEYS}"))]
    Check(CheckArgs),
    /// Decide JSON Lines requests from stdin; write one JSON line per input line.
    #[command(after_help = format!(
        "Each input line: {{\"id\": any, \"account\": {{...}} | null, \"amount\": N, \"currency\": \"usd\", \
         \"in_flight\": N?, \"now\": T?, \"account_id\": str?, \"fetched_at\": T?, \
         \"presentment\": {{\"original_settlement\": T, \"returns\": [\"R01\"]}}?, \
         \"prior\": [{{\"id\": str?, \"amount\": N, \"currency\": \"usd\", \"initiated_at\": T, \
         \"settled_at\": T?}}]?}}\n\
         Any other key is an error; \"account\": null is an unlinked debit. The account is any \
         document `check --account` reads (Stripe, Plaid, neutral snapshot), found from its shape. \
         A string id is also the debit's id.\n\
         Lines are decided in order as one run: a debit allowed on an account (the same provider \
         and account id) counts against the later lines of that account, so a run never allows \
         more than the balance holds (--independent decides each line alone). The output is the \
         same for every --jobs.\n\
         Each output line: the verdict with `id` echoed first, or {{\"id\": ..., \"error\": \"...\"}} \
         for a bad line (id null when it cannot be read). A bad line never stops the batch.\n\n\
         A line longer than --max-line-bytes is answered with an error line; only whole answer \
         lines are written, also on SIGINT or SIGTERM (the lines answered so far go out, then exit \
         130 or 143).\n\n\
         Exit status: 0 when every line was read and every answer written; 2 with a message when \
         reading stdin or writing stdout fails (a closed pipe, a full disk, a closed stdout).\n\n{POLICY_KEYS}"
    ))]
    Batch(BatchArgs),
    /// Print the default policy as JSON, or check a policy file.
    #[command(after_help = format!(
        "Exit status: 0 when the policy is valid (it is printed with every key filled in), \
         2 when it is not (the reason on stderr).\n\n{POLICY_KEYS}"
    ))]
    Policy(PolicyArgs),
    /// Print the JSON Schema (2020-12) of a document fundsgate reads or writes.
    Schema(SchemaArgs),
    /// Print the neutral snapshot the gate reads from an account document.
    #[command(
        after_help = "`fundsgate check --account` on the output gives the same verdict \
        as on the original document (only `provider` differs). Exit status: 0, or 2 for an \
        input error."
    )]
    Snapshot(SnapshotArgs),
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["account"])))]
struct SnapshotArgs {
    #[command(flatten)]
    source: SourceArgs,
}

/// Where an account document comes from and how to read it.
#[derive(Args)]
struct SourceArgs {
    /// The account document: a Stripe account object or account event, a Plaid
    /// /accounts/balance/get or error response, or a neutral snapshot (`-` for stdin).
    #[arg(long, value_name = "FILE|-")]
    account: Option<PathBuf>,
    /// The document's provider [default: found from the document's shape]
    #[arg(long, value_enum, requires = "account")]
    provider: Option<ProviderArg>,
    /// The account to read from a Plaid response that holds several (for other
    /// documents: the id the document must carry).
    #[arg(long, value_name = "ID", requires = "account")]
    account_id: Option<String>,
    /// When the document was received (unix seconds or RFC 3339): the time of a
    /// Plaid balance that carries no last_updated_datetime.
    #[arg(long, value_name = "T", value_parser = parse_instant, allow_negative_numbers = true, requires = "account")]
    fetched_at: Option<DateTime<Utc>>,
}

/// `--provider`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ProviderArg {
    Stripe,
    Plaid,
    Snapshot,
}

impl SourceArgs {
    /// Reads the document at `--account`; `None` when there is none.
    fn read(&self) -> Result<Option<Snapshot>, Failure> {
        let Some((bytes, options)) = self.document()? else {
            return Ok(None);
        };
        // The document's faults are named as every front end names them:
        // under `account`, the request's key for it.
        AccountSource::Document(&bytes, options)
            .read()
            .map(|s| s.map(std::borrow::Cow::into_owned))
            .map_err(|e| Failure(e.to_string()))
    }

    /// The bytes at `--account` and how to read them; `None` without one.
    fn document(&self) -> Result<Option<(Vec<u8>, ReadOptions<'_>)>, Failure> {
        let Some(path) = &self.account else {
            return Ok(None);
        };
        let bytes =
            read_input(path).map_err(|e| Failure(format!("--account {}: {e}", path.display())))?;
        let mut options = ReadOptions::new();
        if let Some(provider) = self.provider {
            options = options.provider(match provider {
                ProviderArg::Stripe => Provider::Stripe,
                ProviderArg::Plaid => Provider::Plaid,
                ProviderArg::Snapshot => Provider::Snapshot,
            });
        }
        if let Some(id) = &self.account_id {
            options = options.account_id(id);
        }
        if let Some(t) = self.fetched_at {
            options = options.fetched_at(t.timestamp());
        }
        Ok(Some((bytes, options)))
    }
}

#[derive(Args)]
struct SchemaArgs {
    /// Which document.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(fundsgate::schema::NAMES))]
    name: String,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["account", "unlinked"])))]
struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The payment method has no linked account (entered by hand or verified by
    /// microdeposits), so no balance data: row `unlinked`.
    #[arg(long, conflicts_with_all = ["account", "provider", "account_id", "fetched_at"])]
    unlinked: bool,
    /// For a re-initiated debit: the return codes of this payment's earlier
    /// presentments, oldest first, e.g. R01,R09.
    #[arg(
        long,
        value_name = "CODES",
        value_delimiter = ',',
        value_parser = ReturnCode::new,
        requires = "original_settlement"
    )]
    returns: Vec<ReturnCode>,
    /// Print the verdict's explanation sentence instead of its JSON (same exit status).
    #[arg(long)]
    explain: bool,
    /// For a re-initiated debit: when the original entry settled (unix seconds or RFC 3339).
    #[arg(long, value_name = "T", value_parser = parse_instant, requires = "returns", allow_negative_numbers = true)]
    original_settlement: Option<DateTime<Utc>>,
    /// The debit amount in minor units (cents for usd), at least 1: 6000 for $60.00.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = minor_units)]
    amount: i64,
    /// The debit currency, three letters, any case.
    #[arg(long, value_name = "CCY")]
    currency: Currency,
    /// Debits already approved against this account and not yet in its balance.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true,
        value_parser = minor_units
    )]
    in_flight: i64,
    /// The payment's own id (a PaymentIntent id, a payments-table key), at
    /// most 255 characters: a prior debit with this id is this payment
    /// checked again and does not count against it.
    #[arg(long, value_name = "ID")]
    debit_id: Option<String>,
    /// A JSON array of the account's earlier debits that were initiated and
    /// have not failed or been returned: [{"id": "pi_1", "amount": 1500,
    /// "currency": "usd", "initiated_at": T, "settled_at": T | null}, ...]
    /// (`-` for stdin). Those the balance may not show yet count against it.
    #[arg(long, value_name = "FILE|-")]
    prior: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args)]
struct BatchArgs {
    /// Worker threads; output order is kept whatever the number [default: the number of available cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// How lines are read: `fast` (the scanner, falling back to serde_json)
    /// or `serde` (serde_json into the same typed structs only). The answers
    /// are the same; `benches/batch_cli.sh` compares their speed.
    #[arg(long, value_enum, default_value_t = Reader::Fast, hide = true)]
    reader: Reader,
    /// A longer request line is answered with an error line (its id null),
    /// and only this much of it is ever held in memory.
    #[arg(long, value_name = "N", default_value_t = 16 << 20, value_parser = clap::value_parser!(u64).range(1..=(1 << 30)))]
    max_line_bytes: u64,
    /// Decide every line alone, as SPEC version 2 did. By default a debit
    /// allowed on an account counts against the later lines of the same
    /// account (provider and account id) as a prior debit.
    #[arg(long)]
    independent: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// The request reader of `batch --reader`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Reader {
    Fast,
    Serde,
}

#[derive(Args)]
struct CommonArgs {
    /// The evaluation instant: unix seconds or RFC 3339 [default: the system clock]
    #[arg(long, value_name = "T", value_parser = parse_instant, allow_negative_numbers = true)]
    now: Option<DateTime<Utc>>,
    /// A policy JSON file (`check` also reads `-`, stdin) [default: the default policy]
    #[arg(long, value_name = "FILE|-")]
    policy: Option<PathBuf>,
}

#[derive(Args)]
struct PolicyArgs {
    /// Validate this policy file (`-` for stdin) instead of printing the default.
    #[arg(long, value_name = "FILE|-")]
    check: Option<PathBuf>,
}

/// An amount flag: an integer number of minor units. The message says so,
/// since `60.00` is the mistake to expect.
fn minor_units(text: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "expected an integer amount in minor units (for example 6000 for $60.00), found `{text}`"
        )
    })
}

/// An input or usage error: exit 2 with this one-line message.
struct Failure(String);

fn main() -> ExitCode {
    // Usage errors print clap's own message, with its suggestions, and exit
    // 2; `--help` and `--version` print to stdout and exit 0.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Batch(args) => batch(args),
        Command::Policy(args) => policy(args),
        Command::Schema(args) => schema(&args.name),
        Command::Snapshot(args) => snapshot(&args),
    };
    result.unwrap_or_else(|Failure(message)| {
        eprintln!("fundsgate: {message}");
        ExitCode::from(2)
    })
}

fn check(args: CheckArgs) -> Result<ExitCode, Failure> {
    let stdin = Some(Path::new("-"));
    let readers: Vec<&str> = [
        ("--account -", args.source.account.as_deref()),
        ("--policy -", args.common.policy.as_deref()),
        ("--prior -", args.prior.as_deref()),
    ]
    .into_iter()
    .filter(|(_, path)| *path == stdin)
    .map(|(flag, _)| flag)
    .collect();
    if readers.len() > 1 {
        return Err(Failure(format!(
            "{}: only one of them can read stdin",
            readers.join(" and ")
        )));
    }
    let policy = load_policy("--policy", args.common.policy.as_deref())?;
    let debit = Debit::new(args.amount, args.currency, args.in_flight)
        // The flag the user typed names the field.
        .map_err(|e| Failure(format!("--{}: {e}", e.field().replace('_', "-"))))?;
    let debit = match args.original_settlement {
        Some(settled) => {
            debit.with_presentment(Presentment::new(settled.timestamp(), args.returns))
        }
        None => debit,
    };
    let debit = match &args.debit_id {
        Some(id) => {
            debit.with_id(DebitId::new(id).map_err(|e| Failure(format!("--debit-id: {e}")))?)
        }
        None => debit,
    };
    let debit = match &args.prior {
        Some(path) => {
            let bytes = read_input(path)
                .map_err(|e| Failure(format!("--prior {}: {e}", path.display())))?;
            debit.with_prior(Request::prior(&bytes).map_err(|e| Failure(e.to_string()))?)
        }
        None => debit,
    };
    let now = args.common.now.unwrap_or_else(Utc::now);
    // clap requires --account unless --unlinked, and refuses both.
    let document = args.source.document()?;
    let account = match &document {
        Some((bytes, options)) => AccountSource::Document(bytes, *options),
        None => AccountSource::Unlinked,
    };
    let verdict = Request::new(account, debit, now)
        .decide(&policy)
        .map_err(|e| Failure(e.to_string()))?;
    if args.explain {
        print_line(&verdict.explanation())?;
    } else {
        print_line(&verdict.to_json())?;
    }
    Ok(ExitCode::from(match verdict.decision {
        Decision::Allow => 0,
        Decision::Deny => 1,
        Decision::RefreshNeeded => 3,
    }))
}

fn batch(args: BatchArgs) -> Result<ExitCode, Failure> {
    if args.common.policy.as_deref() == Some(Path::new("-")) {
        return Err(Failure(
            "--policy -: stdin carries the batch's requests".to_owned(),
        ));
    }
    let policy = load_policy("--policy", args.common.policy.as_deref())?;
    let batch = Batch::new(policy, args.common.now.unwrap_or_else(Utc::now));
    let input = io::stdin();
    stdout_is_open()?;
    let mut output = stream::Guarded::new(BufWriter::with_capacity(1 << 16, io::stdout()));
    // On SIGINT or SIGTERM: the whole lines written so far go out, then the
    // process exits (130, 143): never a truncated last line.
    stream::exit_on_signal(&output).map_err(|e| Failure(format!("batch: signals: {e}")))?;
    // As ripgrep does: one worker per available core unless told otherwise.
    let jobs = args.jobs.map_or_else(
        || thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let max_line = usize::try_from(args.max_line_bytes).unwrap_or(usize::MAX);
    // The library's one ordered-parallel runner: lines read in parallel,
    // decided in order (a run) or alone (`--independent`), written in
    // parallel, answered in input order.
    let how = Streaming::new()
        .jobs(NonZeroUsize::new(jobs).unwrap_or(NonZeroUsize::MIN))
        .independent(args.independent)
        .max_line(
            max_line,
            format!("line longer than --max-line-bytes ({max_line} bytes)"),
        );
    let how = match args.reader {
        Reader::Fast => how,
        Reader::Serde => fundsgate::__private::reference_streaming(how),
    };
    let result = batch.answer_stream(input, &mut output, &how);
    // A closed pipe is a failure too: answers were lost, and the caller
    // must know (SPEC §6).
    let result = result.and_then(|()| output.flush());
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Err(Failure(
            "batch: stdout was closed before every answer was written".to_owned(),
        )),
        Err(e) => Err(Failure(format!("batch: {e}"))),
    }
}

fn snapshot(args: &SnapshotArgs) -> Result<ExitCode, Failure> {
    // clap requires --account.
    let snapshot = args
        .source
        .read()?
        .ok_or_else(|| Failure("snapshot: --account is required".to_owned()))?;
    print_line(&neutral::to_json(&snapshot))?;
    Ok(ExitCode::SUCCESS)
}

fn policy(args: PolicyArgs) -> Result<ExitCode, Failure> {
    let policy = match args.check {
        None => Policy::default(),
        Some(path) => load_policy("--check", Some(&path))?,
    };
    print_line(&policy.to_json_pretty())?;
    Ok(ExitCode::SUCCESS)
}

fn schema(name: &str) -> Result<ExitCode, Failure> {
    // clap has checked the name against `schema::NAMES`.
    let schema = fundsgate::schema::by_name(name)
        .ok_or_else(|| Failure(format!("schema: no schema called `{name}`")))?;
    let text = serde_json::to_string_pretty(&schema)
        .map_err(|e| Failure(format!("schema {name}: {e}")))?;
    print_line(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` and a newline to stdout, flushed: a closed pipe, a full
/// disk or a closed stdout is an error (exit 2), never a panic and never a
/// silent success.
fn print_line(text: &str) -> Result<(), Failure> {
    stdout_is_open()?;
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| Failure(format!("cannot write the output: {e}")))
}

/// Whether stdout can be written to. A process started with stdout closed
/// (`fundsgate batch >&-`) finds it open on `/dev/null`: Rust's runtime
/// opens `/dev/null` read-write on a closed standard descriptor before
/// `main`, so that answers would vanish with exit status 0. A caller's own
/// `> /dev/null` opens it write-only, which is told apart here through
/// `/proc` (Linux; elsewhere the check passes).
fn stdout_is_open() -> Result<(), Failure> {
    let closed = std::fs::read_link("/proc/self/fd/1")
        .is_ok_and(|target| target == Path::new("/dev/null"))
        && std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
                // O_ACCMODE = 3, O_RDWR = 2.
                .is_some_and(|flags| flags & 0o3 == 0o2)
        });
    if closed {
        return Err(Failure(
            "cannot write the output: stdout is closed".to_owned(),
        ));
    }
    Ok(())
}

/// Reads the policy named by `flag` (a file, or stdin for `-`); the
/// default policy when there is none.
fn load_policy(flag: &str, path: Option<&Path>) -> Result<Policy, Failure> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let bytes = read_input(path).map_err(|e| Failure(format!("{flag} {}: {e}", path.display())))?;
    Policy::from_json(&bytes).map_err(|e| Failure(format!("{flag} {}: {e}", path.display())))
}

/// Reads a whole file, or stdin for `-`.
fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        fs::read(path)
    }
}
