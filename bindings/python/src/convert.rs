//! Python values to the JSON and scalars the library reads.

use crate::*;
use std::borrow::Cow;

use fundsgate::{Presentment, ReturnCode, from_unix, unix_seconds};
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

/// One step of a JSON path: an object key or an array index.
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

pub(crate) fn render_path(steps: &[Step]) -> String {
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
pub(crate) struct Writer<'py> {
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
pub(crate) fn document_bytes<'a>(
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
pub(crate) fn int_digits(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
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
pub(crate) fn int_arg(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
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
pub(crate) fn instant_arg(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
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

pub(crate) fn chrono_at(
    py: Python<'_>,
    seconds: i64,
    name: &str,
) -> PyResult<fundsgate::chrono::DateTime<fundsgate::chrono::Utc>> {
    from_unix(seconds).ok_or_else(|| input_error(py, "out of range", name))
}

/// `{"original_settlement": int | datetime, "returns": ["R01", …]}`.
pub(crate) fn presentment_arg(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Presentment> {
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
