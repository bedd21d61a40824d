//! `fundsgate._native`: the fundsgate engine for Python (PyO3, abi3).
//!
//! A thin layer. Python values are turned into the bytes or types the library
//! reads, the library decides, and its verdict is handed back as an object
//! whose `to_json()` is byte for byte what `fundsgate check` prints. Every
//! input error is raised as `fundsgate.InputError` (or `PolicyError`) with the
//! JSON path at fault; nothing here panics on any input.
//!
//! One concept a module: `errors` (the exceptions), `convert` (Python
//! values to the JSON and scalars the library reads), `verdict` (the
//! `Verdict` and `BatchError` classes), `policy` (the `Policy` class),
//! `decide` (`decide`, `decide_many`), `arrow` (`decide_arrow`, through
//! the PyCapsule interface) and `ffi` (the C data interface, the only
//! `unsafe`). This file holds what they share and the module itself.

#![deny(unsafe_code)]

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// `datetime.datetime`, looked up once.
pub(crate) static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub(crate) fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

/// `operator.index`, looked up once.
pub(crate) static OPERATOR_INDEX: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `decimal.Decimal`, looked up once.
pub(crate) static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub(crate) fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}

/// The default policy, built (and fingerprinted) once.
pub(crate) fn default_policy() -> &'static fundsgate::Policy {
    static DEFAULT: OnceLock<fundsgate::Policy> = OnceLock::new();
    DEFAULT.get_or_init(fundsgate::Policy::default)
}

/// Python containers nested deeper than this are refused (a recursive
/// structure ends here too).
pub(crate) const MAX_DEPTH: usize = 128;

mod arrow;
mod convert;
mod decide;
mod errors;
mod policy;
mod verdict;

pub(crate) use arrow::*;
pub(crate) use convert::*;
pub(crate) use decide::*;
pub(crate) use errors::*;
pub(crate) use policy::*;
pub(crate) use verdict::*;

/// Unix seconds now, from Python's clock.
pub(crate) fn system_now(py: Python<'_>) -> PyResult<i64> {
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
    m.add_function(wrap_pyfunction!(decide::decide, m)?)?;
    m.add_function(wrap_pyfunction!(decide_many, m)?)?;
    m.add_function(wrap_pyfunction!(decide_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(_verdict, m)?)?;
    m.add_function(wrap_pyfunction!(_batch_error, m)?)?;
    m.add("ENGINE", fundsgate::Engine::CURRENT.to_string())?;
    Ok(())
}
