//! The `Policy` class.

use crate::*;
use std::path::PathBuf;

/// A policy (SPEC §4): from a dict, a JSON `str` or `bytes`, or a file; the
/// default policy without an argument.
#[pyclass(frozen, module = "fundsgate", name = "Policy")]
pub(crate) struct Policy {
    pub(crate) inner: fundsgate::Policy,
}

pub(crate) fn policy_from(py: Python<'_>, bytes: &[u8]) -> PyResult<fundsgate::Policy> {
    fundsgate::Policy::from_json(bytes).map_err(|e| {
        error_of_kind(
            py,
            "PolicyError",
            e.message(),
            &e.path().to_string(),
            e.kind(),
        )
    })
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
