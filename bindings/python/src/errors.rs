//! Errors: the Python exceptions every input fault is raised as.

use crate::*;

/// Raises `fundsgate.<class>(message, path)` (defined in `fundsgate/_errors.py`).
pub(crate) fn error(py: Python<'_>, class: &str, message: &str, path: &str) -> PyErr {
    error_of_kind(py, class, message, path, fundsgate::ErrorKind::Invalid)
}

/// Raises `fundsgate.<class>(message, path, kind)`.
pub(crate) fn error_of_kind(
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

pub(crate) fn input_error(py: Python<'_>, message: &str, path: &str) -> PyErr {
    error(py, "InputError", message, path)
}

/// A request's error, at its path in the request (an account document's
/// under `account`), as every front end names it.
pub(crate) fn request_error(py: Python<'_>, e: &fundsgate::RequestError) -> PyErr {
    error_of_kind(
        py,
        "InputError",
        e.message(),
        &e.path().to_string(),
        e.kind(),
    )
}
