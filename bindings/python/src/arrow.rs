//! `decide_arrow`: Arrow record batches in, verdict columns out.

use crate::*;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, to_ffi};
use arrow_array::{Array, RecordBatch, StructArray};
use fundsgate::Run;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::types::PyCapsule;

/// Verdict columns handed back through the Arrow PyCapsule interface:
/// `pyarrow.record_batch(result)` (or any consumer of `__arrow_c_array__`)
/// takes them without a copy, once.
#[pyclass(module = "fundsgate._native", name = "ArrowVerdicts")]
pub(crate) struct ArrowVerdicts {
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
pub(crate) fn decide_arrow(
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
pub(crate) struct ArrowRun {
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
