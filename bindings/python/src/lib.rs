//! `fundsgate._native`: the fundsgate engine for Python (PyO3, abi3).
//!
//! A thin layer. Python values are turned into the bytes or types the library
//! reads, the library decides, and its verdict is handed back as an object
//! whose `to_json()` is byte for byte what `fundsgate check` prints. Every
//! input error is raised as `fundsgate.InputError` (or `PolicyError`) with the
//! JSON path at fault; nothing here panics on any input.

#![deny(unsafe_code)]

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::thread;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, to_ffi};
use arrow_array::{Array, RecordBatch, StructArray};
use fundsgate::{
    AccountSource, Batch, Currency, Debit, DebitId, LineOutcome, Presentment, ReadLine,
    ReadOptions, Request, ReturnCode, Run, from_unix, unix_seconds,
};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyCapsule, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};

/// `datetime.datetime`, looked up once.
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

/// `operator.index`, looked up once.
static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `decimal.Decimal`, looked up once.
static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The default policy, built (and fingerprinted) once.
fn default_policy() -> &'static fundsgate::Policy {
    static DEFAULT: OnceLock<fundsgate::Policy> = OnceLock::new();
    DEFAULT.get_or_init(fundsgate::Policy::default)
}

/// Python containers nested deeper than this are refused (a recursive
/// structure ends here too).
const MAX_DEPTH: usize = 128;

// ---- Errors -------------------------------------------------------------------------

/// Raises `fundsgate.<class>(message, path)` (defined in `fundsgate/_errors.py`).
fn error(py: Python<'_>, class: &str, message: &str, path: &str) -> PyErr {
    error_of_kind(py, class, message, path, fundsgate::ErrorKind::Invalid)
}

/// Raises `fundsgate.<class>(message, path, kind)`.
fn error_of_kind(
    py: Python<'_>,
    class: &str,
    message: &str,
    path: &str,
    kind: fundsgate::ErrorKind,
) -> PyErr {
    let instance = py
        .import("fundsgate._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((message, path, kind.as_str())));
    match instance {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

fn input_error(py: Python<'_>, message: &str, path: &str) -> PyErr {
    error(py, "InputError", message, path)
}

/// A request's error, at its path in the request (an account document's
/// under `account`), as every front end names it.
fn request_error(py: Python<'_>, e: &fundsgate::RequestError) -> PyErr {
    error_of_kind(py, "InputError", e.message(), e.path(), e.kind())
}

// ---- Python values to JSON ------------------------------------------------------------

/// One step of a JSON path: an object key or an array index.
enum Step {
    Key(String),
    Index(usize),
}

fn render_path(steps: &[Step]) -> String {
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Step::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    if path.is_empty() {
        "(root)".to_owned()
    } else {
        path
    }
}

/// Writes a Python value as JSON: `None`, `bool`, `int` (any size: the reader
/// judges its range), finite `float` (its shortest round-trip digits, as
/// Python's `repr`), `str`, `dict` with `str` keys (subclasses included: the
/// Stripe SDK's objects), `list`, `tuple`, an aware or naive `datetime`
/// (ISO 8601, as the Plaid SDK hands `last_updated_datetime` over), and any
/// object with a `to_dict()` method (the Plaid SDK's models).
struct Writer<'py> {
    py: Python<'py>,
    out: Vec<u8>,
    path: Vec<Step>,
    datetime: Bound<'py, PyType>,
    /// `to_dict()` calls followed on the way to the current value: a chain
    /// that never ends (an object whose `to_dict()` returns itself) stops.
    hops: usize,
    /// The exception class raised for a value that cannot be written
    /// (`InputError` for an account, `PolicyError` for a policy).
    error: &'static str,
}

impl<'py> Writer<'py> {
    fn new(py: Python<'py>, error: &'static str) -> PyResult<Self> {
        Ok(Writer {
            py,
            out: Vec::with_capacity(1024),
            path: Vec::new(),
            datetime: datetime_type(py)?.clone(),
            hops: 0,
            error,
        })
    }

    fn fail(&self, message: String) -> PyErr {
        let path = render_path(&self.path);
        // An account's faults are named under `account`, as the library
        // names those it finds; a policy's from its root.
        let path = match (self.error, path.as_str()) {
            ("InputError", "(root)") => "account".to_owned(),
            ("InputError", _) => format!("account.{path}"),
            _ => path,
        };
        error(self.py, self.error, &message, &path)
    }

    fn value(&mut self, value: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.path.len().saturating_add(self.hops) > MAX_DEPTH {
            return Err(self.fail(format!(
                "nested deeper than {MAX_DEPTH} levels (a structure that contains itself?)"
            )));
        }
        if value.is_none() {
            self.out.extend_from_slice(b"null");
        } else if let Ok(b) = value.cast::<PyBool>() {
            self.out
                .extend_from_slice(if b.is_true() { b"true" } else { b"false" });
        } else if value.is_exact_instance_of::<PyInt>() {
            self.int(value)?;
        } else if let Ok(f) = value.cast::<PyFloat>() {
            let f = f.value();
            if !f.is_finite() {
                return Err(self.fail(format!("{f} is not a JSON number")));
            }
            // Debug: the shortest digits that read back as `f`, with `.0` on
            // whole numbers (6000.0 stays a float, which a Stripe amount refuses).
            self.out.extend_from_slice(format!("{f:?}").as_bytes());
        } else if let Ok(s) = value.cast::<PyString>() {
            self.string(s.to_str()?)?;
        } else if let Ok(d) = value.cast::<PyDict>() {
            self.out.push(b'{');
            for (n, (key, item)) in d.iter().enumerate() {
                let Ok(key) = key.cast::<PyString>() else {
                    let kind = key.get_type().name()?.to_string();
                    return Err(self.fail(format!("object keys must be str, found {kind}")));
                };
                let key = key.to_str()?;
                if n > 0 {
                    self.out.push(b',');
                }
                self.string(key)?;
                self.out.push(b':');
                self.path.push(Step::Key(key.to_owned()));
                self.value(&item)?;
                self.path.pop();
            }
            self.out.push(b'}');
        } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            self.out.push(b'[');
            for (n, item) in value.try_iter()?.enumerate() {
                if n > 0 {
                    self.out.push(b',');
                }
                self.path.push(Step::Index(n));
                self.value(&item?)?;
                self.path.pop();
            }
            self.out.push(b']');
        } else if value.is_instance(&self.datetime)? {
            let text: String = value.call_method0("isoformat")?.extract()?;
            self.string(&text)?;
        } else if value.is_instance(decimal_type(self.py)?)? {
            // A JSON number of the decimal's exact digits (a policy's
            // ratio, a Plaid amount): never through a float.
            if !value.call_method0("is_finite")?.is_truthy()? {
                return Err(self.fail(format!("{} is not a JSON number", value.str()?)));
            }
            let text: String = self
                .py
                .import("builtins")?
                .getattr("format")?
                .call1((value, "f"))?
                .extract()?;
            self.out.extend_from_slice(text.as_bytes());
        } else if value.is_instance_of::<PyInt>() || value.hasattr("__index__")? {
            // An int subclass, a numpy integer: after the common types, so
            // that they pay for no attribute look-up.
            self.int(value)?;
        } else if value.hasattr("to_dict")? {
            let dict = value.call_method0("to_dict")?;
            self.hops = self.hops.saturating_add(1);
            self.value(&dict)?;
            self.hops = self.hops.saturating_sub(1);
        } else {
            let kind = value.get_type().name()?.to_string();
            return Err(self.fail(format!("a {kind} cannot be read as JSON")));
        }
        Ok(())
    }

    /// An integer by value (an int subclass's `__str__` is not asked); an
    /// out-of-range amount is the reader's to report.
    fn int(&mut self, value: &Bound<'py, PyAny>) -> PyResult<()> {
        match int_digits(value)? {
            Some(digits) => {
                self.out.extend_from_slice(digits.as_bytes());
                Ok(())
            }
            None => {
                let kind = value.get_type().name()?.to_string();
                Err(self.fail(format!("a {kind} cannot be read as JSON")))
            }
        }
    }

    fn string(&mut self, s: &str) -> PyResult<()> {
        serde_json::to_writer(&mut self.out, s).map_err(|e| self.fail(e.to_string()))
    }
}

/// The bytes of an account or policy given as `bytes`, `str`, or a Python
/// structure.
fn document_bytes<'a>(
    py: Python<'_>,
    value: &'a Bound<'_, PyAny>,
    error: &'static str,
) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    let mut writer = Writer::new(py, error)?;
    writer.value(value)?;
    Ok(Cow::Owned(writer.out))
}

// ---- Scalars ----------------------------------------------------------------------------

/// The decimal digits of an integer: an `int` (a subclass read by its
/// value, not its `__str__`) or an integer scalar of another library
/// (`numpy.int64`: anything with `__index__`); `None` for anything else,
/// `bool` included.
fn int_digits(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    // The common case first, without a call into Python: an exact `int`.
    if value.is_exact_instance_of::<PyInt>() {
        return Ok(Some(match value.extract::<i64>() {
            Ok(n) => n.to_string(),
            Err(_) => value.str()?.to_str()?.to_owned(),
        }));
    }
    if value.is_instance_of::<PyBool>()
        || value.is_instance_of::<PyFloat>()
        || value.is_instance_of::<PyString>()
        || value.is_instance_of::<PyBytes>()
        || !(value.is_instance_of::<PyInt>() || value.hasattr("__index__")?)
    {
        return Ok(None);
    }
    // An `__index__` that refuses (numpy's `bool_`) makes this no integer.
    let Ok(exact) = OPERATOR_INDEX
        .import(value.py(), "operator", "index")?
        .call1((value,))
    else {
        return Ok(None);
    };
    // `operator.index` returns an exact `int`, whose `__str__` is Python's own.
    Ok(Some(exact.cast::<PyInt>()?.str()?.to_str()?.to_owned()))
}

/// An integer argument (an `int` or an integer scalar such as
/// `numpy.int64`; never a `bool` or a `float`) in `i64` range.
fn int_arg(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let Some(digits) = int_digits(value)? else {
        let kind = value.get_type().name()?.to_string();
        return Err(input_error(
            py,
            &format!("expected an int (minor units for an amount), found {kind}"),
            name,
        ));
    };
    digits
        .parse::<i64>()
        .map_err(|_| input_error(py, "out of range: at most 2^63 - 1", name))
}

/// An instant: unix seconds (`int`) or an aware `datetime`.
fn instant_arg(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if int_digits(value)?.is_some() {
        let seconds = int_arg(py, value, name)?;
        return unix_seconds(seconds)
            .map(|t| t.timestamp())
            .map_err(|e| input_error(py, &e.to_string(), name));
    }
    if value.is_instance(datetime_type(py)?)? {
        if value.getattr("tzinfo")?.is_none() || value.call_method0("utcoffset")?.is_none() {
            return Err(input_error(
                py,
                "a naive datetime has no time zone: give an aware one (tzinfo=timezone.utc)",
                name,
            ));
        }
        let seconds: f64 = value.call_method0("timestamp")?.extract()?;
        let whole = seconds.floor();
        if !(-1e11..=1e11).contains(&whole) {
            return Err(input_error(py, "out of range", name));
        }
        // In range by the check above: the cast is exact.
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a whole number within ±1e11 fits an i64 exactly"
        )]
        return Ok(whole as i64);
    }
    let kind = value.get_type().name()?.to_string();
    Err(input_error(
        py,
        &format!("expected unix seconds (int) or an aware datetime, found {kind}"),
        name,
    ))
}

fn chrono_at(
    py: Python<'_>,
    seconds: i64,
    name: &str,
) -> PyResult<fundsgate::chrono::DateTime<fundsgate::chrono::Utc>> {
    from_unix(seconds).ok_or_else(|| input_error(py, "out of range", name))
}

/// `{"original_settlement": int | datetime, "returns": ["R01", …]}`.
fn presentment_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Presentment> {
    let Ok(d) = value.cast::<PyDict>() else {
        return Err(input_error(
            py,
            "expected a dict {\"original_settlement\": ..., \"returns\": [...]}",
            "presentment",
        ));
    };
    let settled = d
        .get_item("original_settlement")?
        .ok_or_else(|| input_error(py, "required", "presentment.original_settlement"))?;
    let settled = instant_arg(py, &settled, "presentment.original_settlement")?;
    let returns = d
        .get_item("returns")?
        .ok_or_else(|| input_error(py, "required", "presentment.returns"))?;
    if !(returns.is_instance_of::<PyList>() || returns.is_instance_of::<PyTuple>()) {
        return Err(input_error(
            py,
            "expected a list of return codes",
            "presentment.returns",
        ));
    }
    let mut codes = Vec::new();
    for (i, code) in returns.try_iter()?.enumerate() {
        let path = format!("presentment.returns[{i}]");
        let code = code?;
        let Ok(text) = code.cast::<PyString>() else {
            return Err(input_error(
                py,
                "expected a return code such as \"R01\"",
                &path,
            ));
        };
        codes.push(
            ReturnCode::new(text.to_str()?).map_err(|e| input_error(py, &e.to_string(), &path))?,
        );
    }
    Ok(Presentment::new(settled, codes))
}

// ---- Verdict ----------------------------------------------------------------------------

/// A JSON value as the Python value `json.loads` would give.
fn to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

fn serialized<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(value).map_err(|e| PyOSError::new_err(e.to_string()))?;
    to_py(py, &value)
}

/// A verdict (SPEC §3): typed attributes, `allowed`, `to_dict()`, and
/// `to_json()`, byte for byte what `fundsgate check` prints.
#[pyclass(frozen, module = "fundsgate", name = "Verdict")]
struct Verdict {
    inner: fundsgate::Verdict,
    /// The raw JSON text of the batch line's `id` (`decide_many` only).
    id: Option<Vec<u8>>,
}

fn codes(codes: fundsgate::Codes) -> Vec<&'static str> {
    codes.into_iter().map(fundsgate::Code::as_str).collect()
}

#[pymethods]
impl Verdict {
    /// `"allow"`, `"deny"` or `"refresh_needed"`.
    #[getter]
    fn decision(&self) -> &'static str {
        self.inner.decision.as_str()
    }
    /// Whether the debit may go ahead.
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.decision == fundsgate::Decision::Allow
    }
    #[getter]
    fn reasons(&self) -> Vec<&'static str> {
        codes(self.inner.reasons)
    }
    #[getter]
    fn warnings(&self) -> Vec<&'static str> {
        codes(self.inner.warnings)
    }
    #[getter]
    fn basis(&self) -> Option<&'static str> {
        self.inner.basis.map(fundsgate::Basis::as_str)
    }
    #[getter]
    fn balance(&self) -> Option<i64> {
        self.inner.balance
    }
    #[getter]
    fn required(&self) -> i64 {
        self.inner.required
    }
    #[getter]
    fn max_allowed(&self) -> Option<i64> {
        self.inner.max_allowed
    }
    #[getter]
    fn as_of(&self) -> Option<i64> {
        self.inner.as_of
    }
    #[getter]
    fn balance_age_secs(&self) -> Option<i64> {
        self.inner.balance_age_secs
    }
    #[getter]
    fn refresh(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.refresh)
    }
    #[getter]
    fn retry(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.retry)
    }
    /// The prior debits counted against the balance: `{"count", "amount"}`,
    /// or `None` when the request carried none and its run added none.
    #[getter]
    fn exposure(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.exposure)
    }
    /// On the velocity rows, when the same debit would pass them.
    #[getter]
    fn not_before(&self) -> Option<i64> {
        self.inner.not_before
    }
    #[getter]
    fn rule(&self) -> &'static str {
        self.inner.rule.as_str()
    }
    #[getter]
    fn account(&self) -> Option<&str> {
        self.inner
            .account
            .as_ref()
            .map(fundsgate::AccountId::as_str)
    }
    #[getter]
    fn provider(&self) -> Option<&'static str> {
        self.inner.provider.map(fundsgate::Provider::as_str)
    }
    /// The provider's error response (`{"type", "code"}`), or `None`.
    #[getter]
    fn provider_error(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.provider_error)
    }
    #[getter]
    fn debit(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.debit)
    }
    #[getter]
    fn evaluated_at(&self) -> i64 {
        self.inner.evaluated_at
    }
    #[getter]
    fn policy(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner.policy)
    }
    #[getter]
    fn engine(&self) -> String {
        self.inner.engine.to_string()
    }
    #[getter]
    fn explanation(&self) -> String {
        self.inner.explanation()
    }
    /// The batch line's `id` (`decide_many`); `None` otherwise.
    #[getter]
    fn id(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        id_object(py, self.id.as_deref())
    }
    /// The verdict as a dict, as `json.loads(verdict.to_json())` gives it.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner)
    }
    /// The verdict's JSON: what `fundsgate check` prints.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    /// The answer line `fundsgate batch` writes for this verdict's request
    /// (its `id` first; no trailing newline).
    fn to_line(&self) -> PyResult<String> {
        line(self.id.as_deref(), Ok(self.inner.clone()))
    }
    fn __repr__(&self) -> String {
        let reasons: Vec<String> = codes(self.inner.reasons)
            .iter()
            .map(|c| format!("'{c}'"))
            .collect();
        format!(
            "Verdict(decision='{}', rule='{}', reasons=[{}], balance={}, required={}, max_allowed={})",
            self.inner.decision.as_str(),
            self.inner.rule.as_str(),
            reasons.join(", "),
            py_int(self.inner.balance),
            self.inner.required,
            py_int(self.inner.max_allowed),
        )
    }
    fn __str__(&self) -> String {
        self.inner.explanation()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Verdict>()
            .is_ok_and(|o| o.get().inner == self.inner && o.get().id == self.id)
    }
    /// Pickles as its JSON (and batch id): `multiprocessing`, Dask, Ray
    /// and Spark closures can carry verdicts.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        Ok((
            rebuilder(py, "_verdict")?,
            (self.inner.to_json(), self.id.clone()),
        ))
    }
    /// Immutable: a copy is the object itself.
    fn __copy__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __deepcopy__<'py>(slf: PyRef<'py, Self>, _memo: &Bound<'py, PyAny>) -> PyRef<'py, Self> {
        slf
    }
    fn __hash__(&self) -> u64 {
        // Frozen and compared by value: hash the JSON.
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.to_json().hash(&mut h);
        h.finish()
    }
}

/// An optional integer as Python writes it.
fn py_int(value: Option<i64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

/// The id as Python's `json.loads` reads the answer line: an integer of
/// any size stays an exact `int` (never a float that could collide).
fn id_object(py: Python<'_>, raw: Option<&[u8]>) -> PyResult<Py<PyAny>> {
    match raw.map(std::str::from_utf8) {
        None => Ok(py.None()),
        Some(Ok(text)) => Ok(py.import("json")?.call_method1("loads", (text,))?.unbind()),
        Some(Err(_)) => Ok(py.None()),
    }
}

/// What `__reduce__` returns for a verdict or a batch error: the rebuilding
/// callable and its arguments (a text and the raw batch id).
type Reduced<'py> = (Bound<'py, PyAny>, (String, Option<Vec<u8>>));

/// The callable that rebuilds a pickled object: `fundsgate._native.NAME`.
fn rebuilder<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("fundsgate._native")?.getattr(name)
}

/// Rebuilds a pickled `Verdict` from its JSON and its batch id.
#[pyfunction]
#[pyo3(signature = (json, id=None))]
fn _verdict(json: &str, id: Option<Vec<u8>>) -> PyResult<Verdict> {
    let inner: fundsgate::Verdict =
        serde_json::from_str(json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Verdict { inner, id })
}

/// Rebuilds a pickled `BatchError`.
#[pyfunction]
#[pyo3(signature = (message, id=None))]
fn _batch_error(message: String, id: Option<Vec<u8>>) -> BatchError {
    BatchError { id, message }
}

fn line(id: Option<&[u8]>, result: Result<fundsgate::Verdict, String>) -> PyResult<String> {
    let mut out = Vec::new();
    LineOutcome::new(id.map(Cow::Borrowed), result).write_answer(&mut out);
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    String::from_utf8(out).map_err(|e| PyOSError::new_err(e.to_string()))
}

/// A batch line that could not be decided: its `id` and the message, as
/// `fundsgate batch` reports it in an error line.
#[pyclass(frozen, module = "fundsgate", name = "BatchError")]
struct BatchError {
    id: Option<Vec<u8>>,
    message: String,
}

#[pymethods]
impl BatchError {
    #[getter]
    fn id(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        id_object(py, self.id.as_deref())
    }
    #[getter]
    fn message(&self) -> &str {
        &self.message
    }
    /// Always `False`: nothing was allowed.
    #[getter]
    fn allowed(&self) -> bool {
        false
    }
    /// The error line `fundsgate batch` writes (no trailing newline).
    fn to_line(&self) -> PyResult<String> {
        line(self.id.as_deref(), Err(self.message.clone()))
    }
    fn __repr__(&self) -> String {
        format!("BatchError({:?})", self.message)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        Ok((
            rebuilder(py, "_batch_error")?,
            (self.message.clone(), self.id.clone()),
        ))
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<BatchError>()
            .is_ok_and(|o| o.get().message == self.message && o.get().id == self.id)
    }
    fn __copy__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __deepcopy__<'py>(slf: PyRef<'py, Self>, _memo: &Bound<'py, PyAny>) -> PyRef<'py, Self> {
        slf
    }
}

// ---- Policy -------------------------------------------------------------------------

/// A policy (SPEC §4): from a dict, a JSON `str` or `bytes`, or a file; the
/// default policy without an argument.
#[pyclass(frozen, module = "fundsgate", name = "Policy")]
struct Policy {
    inner: fundsgate::Policy,
}

fn policy_from(py: Python<'_>, bytes: &[u8]) -> PyResult<fundsgate::Policy> {
    fundsgate::Policy::from_json(bytes)
        .map_err(|e| error_of_kind(py, "PolicyError", e.message(), e.path(), e.kind()))
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (source=None))]
    fn new(py: Python<'_>, source: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner = match source {
            None => default_policy().clone(),
            Some(source) => {
                let bytes = document_bytes(py, source, "PolicyError")?;
                policy_from(py, &bytes)?
            }
        };
        Ok(Policy { inner })
    }
    /// Reads a policy file (JSON).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        // `FileNotFoundError`, `PermissionError`… as Python's `open` raises.
        let bytes = std::fs::read(&path).map_err(|e| {
            PyErr::from(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        Ok(Policy {
            inner: policy_from(py, &bytes)?,
        })
    }
    /// `sha256:<64 hex>`: what every verdict records.
    #[getter]
    fn fingerprint(&self) -> String {
        self.inner.fingerprint().to_string()
    }
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name()
    }
    /// Every key filled in, and the fingerprint.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serialized(py, &self.inner)
    }
    /// As `fundsgate policy --check` prints it.
    fn to_json(&self) -> String {
        self.inner.to_json_pretty()
    }
    fn __repr__(&self) -> String {
        let name = self
            .inner
            .name()
            .map_or_else(|| "None".to_owned(), |n| format!("{n:?}"));
        format!(
            "Policy(name={name}, fingerprint='{}')",
            self.inner.fingerprint()
        )
    }
    /// Pickles as its JSON, which reads back to the same policy.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Policy>().into_any(),
            (self.inner.to_json_pretty(),),
        ))
    }
    fn __copy__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
    fn __deepcopy__<'py>(slf: PyRef<'py, Self>, _memo: &Bound<'py, PyAny>) -> PyRef<'py, Self> {
        slf
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Policy>().is_ok_and(|o| {
            o.get().inner.fingerprint() == self.inner.fingerprint()
                && o.get().inner.name() == self.inner.name()
        })
    }
}

// ---- decide, decide_many ------------------------------------------------------------------

/// Decides one debit. `account` is the account document (`bytes`, `str`, a
/// dict as the Stripe and Plaid SDKs hand it over, or `None` for an unlinked
/// debit); `now` is unix seconds or an aware `datetime`.
#[pyfunction]
#[pyo3(signature = (account, *, amount, currency, now, in_flight=None, policy=None, account_id=None, fetched_at=None, presentment=None, debit_id=None, prior=None))]
#[expect(
    clippy::too_many_arguments,
    reason = "the Python signature, keyword-only"
)]
fn decide(
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
fn under_prior(py: Python<'_>, e: PyErr) -> PyErr {
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
fn decide_many(
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
    let mut run = if independent {
        Run::independent()
    } else {
        Run::new()
    };
    let decided: Vec<Decided> = py.detach(|| decide_lines(&batch, &data, jobs, &mut run));
    let mut out = Vec::with_capacity(decided.len());
    for (id, result) in decided {
        out.push(match result {
            Ok(inner) => Py::new(py, Verdict { inner, id })?.into_any(),
            Err(message) => Py::new(py, BatchError { id, message })?.into_any(),
        });
    }
    Ok(out)
}

/// The lines of `data` (a final newline ends the last line, as in
/// `fundsgate batch`): read on up to `jobs` threads, then decided in order
/// in `run` (as `fundsgate batch` does).
fn decide_lines(batch: &Batch, data: &[u8], jobs: usize, run: &mut Run) -> Vec<Decided> {
    let lines: Vec<&[u8]> = if data.is_empty() {
        Vec::new()
    } else {
        data.strip_suffix(b"\n")
            .unwrap_or(data)
            .split(|&b| b == b'\n')
            .collect()
    };
    fn read_all<'a>(batch: &Batch, lines: &[&'a [u8]]) -> Vec<ReadLine<'a>> {
        lines.iter().map(|l| batch.read_line(l)).collect()
    }
    // Threads pay off from a few thousand lines on.
    let read: Vec<ReadLine<'_>> =
        if jobs <= 1 || lines.len() < 4096 {
            read_all(batch, &lines)
        } else {
            let per_thread = lines.len().div_ceil(jobs);
            thread::scope(|scope| {
                let handles: Vec<_> = lines
                    .chunks(per_thread)
                    .map(|chunk| scope.spawn(move || read_all(batch, chunk)))
                    .collect();
                let mut all = Vec::with_capacity(lines.len());
                for (handle, chunk) in handles.into_iter().zip(lines.chunks(per_thread)) {
                    match handle.join() {
                        Ok(part) => all.extend(part),
                        // A worker cannot panic (the library does not); should
                        // one, its lines are reported, not lost.
                        Err(_) => all.extend(chunk.iter().map(|_| {
                            ReadLine::failed("internal error: a worker stopped".to_owned())
                        })),
                    }
                }
                all
            })
        };
    read.into_iter()
        .map(|line| {
            let outcome = batch.decide_read(line, run);
            (outcome.id.map(std::borrow::Cow::into_owned), outcome.result)
        })
        .collect()
}

// ---- Arrow ------------------------------------------------------------------------------

/// Verdict columns handed back through the Arrow PyCapsule interface:
/// `pyarrow.record_batch(result)` (or any consumer of `__arrow_c_array__`)
/// takes them without a copy, once.
#[pyclass(module = "fundsgate._native", name = "ArrowVerdicts")]
struct ArrowVerdicts {
    /// Behind a lock: Python objects may be shared between threads.
    exported: std::sync::Mutex<Option<(FFI_ArrowSchema, FFI_ArrowArray)>>,
}

#[pymethods]
impl ArrowVerdicts {
    /// The `(arrow_schema, arrow_array)` capsule pair; the data moves to the
    /// consumer, so a second call is an error.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        if requested_schema.is_some_and(|s| !s.is_none()) {
            return Err(PyValueError::new_err(
                "the verdict columns come in their own schema only",
            ));
        }
        let (schema, array) = self
            .exported
            .lock()
            .ok()
            .and_then(|mut exported| exported.take())
            .ok_or_else(|| PyValueError::new_err("these verdicts were handed over already"))?;
        Ok((
            PyCapsule::new_with_value(py, schema, c"arrow_schema")?,
            PyCapsule::new_with_value(py, array, c"arrow_array")?,
        ))
    }
}

/// Decides one record batch given through the Arrow PyCapsule interface
/// (any object with `__arrow_c_array__` holding a struct array); the
/// verdict columns come back as an [`ArrowVerdicts`]. The Python wrapper
/// `fundsgate.decide_arrow` feeds it every batch of a table or stream.
#[pyfunction]
#[pyo3(signature = (batch, *, policy=None, now=None, explanation=false, passthrough=None, run=None))]
fn decide_arrow(
    py: Python<'_>,
    batch: &Bound<'_, PyAny>,
    policy: Option<PyRef<'_, Policy>>,
    now: Option<&Bound<'_, PyAny>>,
    explanation: bool,
    passthrough: Option<Vec<String>>,
    run: Option<PyRef<'_, ArrowRun>>,
) -> PyResult<ArrowVerdicts> {
    let arrow_error = |message: &str| input_error(py, message, "(batch)");
    let now = match now {
        Some(t) if !t.is_none() => instant_arg(py, t, "now")?,
        _ => system_now(py)?,
    };
    let now = chrono_at(py, now, "now")?;
    let policy = policy.map_or_else(|| default_policy().clone(), |p| p.inner.clone());
    if !batch.hasattr("__arrow_c_array__")? {
        let kind = batch.get_type().name()?.to_string();
        return Err(PyTypeError::new_err(format!(
            "expected an Arrow record batch (an object with __arrow_c_array__), found {kind}"
        )));
    }
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) =
        batch.call_method0("__arrow_c_array__")?.extract()?;
    let input = ffi::import_struct(&schema, &array).map_err(|e| arrow_error(&e))?;
    let input = RecordBatch::from(input);
    let mut options = fundsgate::arrow::Options::default();
    if explanation {
        options = options.with_explanation();
    }
    if let Some(columns) = passthrough {
        options = options.with_passthrough(columns);
    }
    // The run of the batches before this one, or a run of this batch alone.
    let shared = run.as_ref().map(|r| &r.run);
    let output = py
        .detach(|| {
            // The library does not panic; should it, the caller gets an
            // exception it can catch, not a PanicException.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match shared {
                Some(run) => match run.lock() {
                    Ok(mut run) => {
                        fundsgate::arrow::decide_batch_in(&input, &policy, now, &options, &mut run)
                    }
                    Err(_) => fundsgate::arrow::decide_batch(&input, &policy, now, &options),
                },
                None => fundsgate::arrow::decide_batch(&input, &policy, now, &options),
            }))
        })
        .map_err(|_| arrow_error("internal error while deciding the batch"))?
        .map_err(|e| error_of_kind(py, "InputError", e.message(), e.column(), e.kind()))?;
    let (out_array, out_schema) =
        to_ffi(&StructArray::from(output).into_data()).map_err(|e| arrow_error(&e.to_string()))?;
    Ok(ArrowVerdicts {
        exported: std::sync::Mutex::new(Some((out_schema, out_array))),
    })
}

/// The run of an Arrow table or stream: the debits allowed in its earlier
/// batches, per account (SPEC §5b). `decide_arrow` makes one per call.
#[pyclass(frozen, module = "fundsgate", name = "ArrowRun")]
struct ArrowRun {
    run: std::sync::Mutex<Run>,
}

#[pymethods]
impl ArrowRun {
    #[new]
    #[pyo3(signature = (*, independent=false))]
    fn new(independent: bool) -> Self {
        ArrowRun {
            run: std::sync::Mutex::new(if independent {
                Run::independent()
            } else {
                Run::new()
            }),
        }
    }
}

/// Unix seconds now, from Python's clock.
fn system_now(py: Python<'_>) -> PyResult<i64> {
    let seconds: f64 = py.import("time")?.call_method0("time")?.extract()?;
    #[expect(
        clippy::cast_possible_truncation,
        reason = "the time of day in seconds fits an i64"
    )]
    Ok(seconds.floor() as i64)
}

#[expect(
    unsafe_code,
    reason = "importing Arrow data through the C data interface"
)]
mod ffi;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Verdict>()?;
    m.add_class::<BatchError>()?;
    m.add_class::<Policy>()?;
    m.add_class::<ArrowVerdicts>()?;
    m.add_class::<ArrowRun>()?;
    m.add_function(wrap_pyfunction!(decide, m)?)?;
    m.add_function(wrap_pyfunction!(decide_many, m)?)?;
    m.add_function(wrap_pyfunction!(decide_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(_verdict, m)?)?;
    m.add_function(wrap_pyfunction!(_batch_error, m)?)?;
    m.add("ENGINE", fundsgate::Engine::CURRENT.to_string())?;
    Ok(())
}
