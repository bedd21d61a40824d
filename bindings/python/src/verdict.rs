//! The `Verdict` and `BatchError` classes.

use crate::*;
use std::borrow::Cow;

use fundsgate::LineOutcome;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::types::{PyBool, PyDict, PyList, PyString};

/// A JSON value as the Python value `json.loads` would give.
pub(crate) fn to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
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

pub(crate) fn serialized<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(value).map_err(|e| PyOSError::new_err(e.to_string()))?;
    to_py(py, &value)
}

/// A verdict (SPEC §3): typed attributes, `allowed`, `to_dict()`, and
/// `to_json()`, byte for byte what `fundsgate check` prints.
#[pyclass(frozen, module = "fundsgate", name = "Verdict")]
pub(crate) struct Verdict {
    pub(crate) inner: fundsgate::Verdict,
    /// The raw JSON text of the batch line's `id` (`decide_many` only).
    pub(crate) id: Option<Vec<u8>>,
}

pub(crate) fn codes(codes: fundsgate::Codes) -> Vec<&'static str> {
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
pub(crate) fn py_int(value: Option<i64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

/// The id as Python's `json.loads` reads the answer line: an integer of
/// any size stays an exact `int` (never a float that could collide).
pub(crate) fn id_object(py: Python<'_>, raw: Option<&[u8]>) -> PyResult<Py<PyAny>> {
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
pub(crate) fn rebuilder<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("fundsgate._native")?.getattr(name)
}

/// Rebuilds a pickled `Verdict` from its JSON and its batch id.
#[pyfunction]
#[pyo3(signature = (json, id=None))]
pub(crate) fn _verdict(json: &str, id: Option<Vec<u8>>) -> PyResult<Verdict> {
    let inner: fundsgate::Verdict =
        serde_json::from_str(json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Verdict { inner, id })
}

/// Rebuilds a pickled `BatchError`.
#[pyfunction]
#[pyo3(signature = (message, id=None))]
pub(crate) fn _batch_error(message: String, id: Option<Vec<u8>>) -> BatchError {
    BatchError { id, message }
}

pub(crate) fn line(
    id: Option<&[u8]>,
    result: Result<fundsgate::Verdict, String>,
) -> PyResult<String> {
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
pub(crate) struct BatchError {
    pub(crate) id: Option<Vec<u8>>,
    pub(crate) message: String,
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
