//! `decide` and `decide_many`.

use crate::*;
use std::num::NonZeroUsize;
use std::thread;

use fundsgate::{AccountSource, Batch, Currency, Debit, DebitId, ReadOptions, Request, Streaming};
use pyo3::types::{PyBytes, PyString};

/// Decides one debit. `account` is the account document (`bytes`, `str`, a
/// dict as the Stripe and Plaid SDKs hand it over, or `None` for an unlinked
/// debit); `now` is unix seconds or an aware `datetime`.
#[pyfunction]
#[pyo3(signature = (account, *, amount, currency, now, in_flight=None, policy=None, account_id=None, fetched_at=None, presentment=None, debit_id=None, prior=None))]
#[expect(
    clippy::too_many_arguments,
    reason = "the Python signature, keyword-only"
)]
pub(crate) fn decide(
    py: Python<'_>,
    account: &Bound<'_, PyAny>,
    amount: &Bound<'_, PyAny>,
    currency: &Bound<'_, PyAny>,
    now: &Bound<'_, PyAny>,
    in_flight: Option<&Bound<'_, PyAny>>,
    policy: Option<PyRef<'_, Policy>>,
    account_id: Option<&Bound<'_, PyAny>>,
    fetched_at: Option<&Bound<'_, PyAny>>,
    presentment: Option<&Bound<'_, PyAny>>,
    debit_id: Option<&Bound<'_, PyAny>>,
    prior: Option<&Bound<'_, PyAny>>,
) -> PyResult<Verdict> {
    let amount = int_arg(py, amount, "amount")?;
    let in_flight = match in_flight {
        Some(v) => int_arg(py, v, "in_flight")?,
        None => 0,
    };
    let Ok(currency) = currency.cast::<PyString>() else {
        return Err(input_error(
            py,
            "expected a three-letter code such as \"usd\"",
            "currency",
        ));
    };
    let currency = Currency::new(currency.to_str()?)
        .map_err(|e| input_error(py, &e.to_string(), "currency"))?;
    let now = chrono_at(py, instant_arg(py, now, "now")?, "now")?;
    let debit = Debit::new(amount, currency, in_flight)
        .map_err(|e| input_error(py, &e.to_string(), e.field()))?;
    let debit = match presentment {
        Some(p) if !p.is_none() => debit.with_presentment(presentment_arg(py, p)?),
        _ => debit,
    };
    let debit = match debit_id {
        Some(id) if !id.is_none() => {
            let id = id
                .cast::<PyString>()
                .map_err(|_| input_error(py, "expected a str", "debit_id"))?;
            debit.with_id(
                DebitId::new(id.to_str()?)
                    .map_err(|e| input_error(py, &e.to_string(), "debit_id"))?,
            )
        }
        _ => debit,
    };
    // The list as JSON (a list of dicts, or JSON text), then read exactly as
    // a batch line's `prior`: the same faults, the same messages.
    let debit = match prior {
        Some(p) if !p.is_none() => {
            let bytes = document_bytes(py, p, "InputError").map_err(|e| under_prior(py, e))?;
            debit.with_prior(Request::prior(&bytes).map_err(|e| request_error(py, &e))?)
        }
        _ => debit,
    };
    let policy = match &policy {
        Some(p) => &p.inner,
        None => default_policy(),
    };
    let account_id = match account_id {
        Some(id) if !id.is_none() => Some(
            id.cast::<PyString>()
                .map_err(|_| input_error(py, "expected a str", "account_id"))?
                .to_str()?
                .to_owned(),
        ),
        _ => None,
    };
    let fetched_at = match fetched_at {
        Some(t) if !t.is_none() => Some(instant_arg(py, t, "fetched_at")?),
        _ => None,
    };
    let bytes = if account.is_none() {
        None
    } else {
        Some(document_bytes(py, account, "InputError")?)
    };
    let mut options = ReadOptions::new();
    if let Some(id) = &account_id {
        options = options.account_id(id);
    }
    if let Some(t) = fetched_at {
        options = options.fetched_at(t);
    }
    let source = match &bytes {
        Some(bytes) => AccountSource::Document(bytes, options),
        None => AccountSource::Unlinked,
    };
    let verdict = Request::new(source, debit, now)
        .decide(policy)
        .map_err(|e| request_error(py, &e))?;
    Ok(Verdict {
        inner: verdict,
        id: None,
    })
}

/// An error converting `prior` to JSON, its path put under `prior`.
pub(crate) fn under_prior(py: Python<'_>, e: PyErr) -> PyErr {
    let Ok(path) = e
        .value(py)
        .getattr("path")
        .and_then(|p| p.extract::<String>())
    else {
        return e;
    };
    let Ok(message) = e
        .value(py)
        .getattr("message")
        .and_then(|m| m.extract::<String>())
    else {
        return e;
    };
    let path = match path.as_str() {
        "(root)" | "" => "prior".to_owned(),
        p if p.starts_with('[') => format!("prior{p}"),
        p => format!("prior.{p}"),
    };
    input_error(py, &message, &path)
}

/// One decided line, before it becomes a Python object.
type Decided = (Option<Vec<u8>>, Result<fundsgate::Verdict, String>);

/// Decides JSON Lines requests (the `fundsgate batch` protocol) and returns,
/// in order, a `Verdict` or a `BatchError` per line. The GIL is released
/// while lines are decided, on `jobs` threads (default: the available cores).
#[pyfunction]
#[pyo3(signature = (requests, *, policy=None, now=None, jobs=None, independent=false))]
pub(crate) fn decide_many(
    py: Python<'_>,
    requests: &Bound<'_, PyAny>,
    policy: Option<PyRef<'_, Policy>>,
    now: Option<&Bound<'_, PyAny>>,
    jobs: Option<usize>,
    independent: bool,
) -> PyResult<Vec<Py<PyAny>>> {
    let data: Vec<u8> = if let Ok(b) = requests.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(s) = requests.cast::<PyString>() {
        s.to_str()?.as_bytes().to_vec()
    } else {
        return Err(input_error(
            py,
            "expected JSON Lines as bytes or str",
            "requests",
        ));
    };
    let now = match now {
        Some(t) if !t.is_none() => instant_arg(py, t, "now")?,
        _ => system_now(py)?,
    };
    let batch = Batch::new(
        policy.map_or_else(|| default_policy().clone(), |p| p.inner.clone()),
        chrono_at(py, now, "now")?,
    );
    // Bounded as on the command line (`--jobs 1..=256`).
    let jobs = match jobs {
        None => thread::available_parallelism().map_or(1, usize::from),
        Some(j @ 1..=256) => j,
        Some(j) => {
            return Err(input_error(
                py,
                &format!("expected 1 to 256 worker threads, found {j}"),
                "jobs",
            ));
        }
    };
    let how = Streaming::new()
        .jobs(NonZeroUsize::new(jobs).unwrap_or(NonZeroUsize::MIN))
        .independent(independent);
    // The library's one ordered-parallel runner, as `fundsgate batch` runs.
    let decided: Vec<Decided> = py.detach(|| {
        let mut decided = Vec::new();
        batch.decide_lines(&data, &how, |outcome| {
            decided.push((outcome.id.map(std::borrow::Cow::into_owned), outcome.result));
        });
        decided
    });
    let mut out = Vec::with_capacity(decided.len());
    for (id, result) in decided {
        out.push(match result {
            Ok(inner) => Py::new(py, Verdict { inner, id })?.into_any(),
            Err(message) => Py::new(py, BatchError { id, message })?.into_any(),
        });
    }
    Ok(out)
}
