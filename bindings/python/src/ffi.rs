//! The only module of the bindings with `unsafe` code: importing an Arrow
//! array that Python hands over through the Arrow PyCapsule interface.
//!
//! What comes in is not trusted. The imported data is aligned and then
//! validated in full (offsets in order and within their buffers, UTF-8,
//! dictionary keys in range, child lengths) before any value is read; a
//! struct array with null rows is refused. Exporting needs no `unsafe`: the
//! capsules own boxed C structs that the consumer moves out of.

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use arrow_array::{Array, StructArray};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// The capsule names the interface defines.
const SCHEMA: &std::ffi::CStr = c"arrow_schema";
const ARRAY: &std::ffi::CStr = c"arrow_array";

/// Imports the struct array behind an `(arrow_schema, arrow_array)` capsule
/// pair, validated; an error message otherwise.
pub fn import_struct(
    schema: &Bound<'_, PyCapsule>,
    array: &Bound<'_, PyCapsule>,
) -> Result<StructArray, String> {
    let schema_ptr = schema
        .pointer_checked(Some(SCHEMA))
        .map_err(|e| format!("not an Arrow schema capsule: {e}"))?
        .cast::<FFI_ArrowSchema>();
    let array_ptr = array
        .pointer_checked(Some(ARRAY))
        .map_err(|e| format!("not an Arrow array capsule: {e}"))?
        .cast::<FFI_ArrowArray>();
    // SAFETY: by the Arrow PyCapsule interface, capsules named
    // `arrow_schema` and `arrow_array` (checked above, with their pointers
    // non-null) point to initialized C data interface structs, aligned for
    // their types. The array is moved out (its capsule keeps a released
    // struct, which its destructor does not release again); the schema is
    // only read, and outlives this call with its capsule. `from_ffi` reads
    // only the structs' own fields and the buffer pointers they give; the
    // buffers are checked by `validate_full` below before any value is read.
    let data = unsafe {
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr());
        from_ffi(array, schema_ptr.as_ref())
    }
    .map_err(|e| e.to_string())?;
    let mut data = data;
    data.align_buffers();
    data.validate_full()
        .map_err(|e| format!("invalid Arrow data: {e}"))?;
    if !matches!(
        data.data_type(),
        fundsgate::arrow::arrow_schema::DataType::Struct(_)
    ) {
        return Err(format!(
            "expected a record batch (a struct array), found {}",
            data.data_type()
        ));
    }
    let array = StructArray::from(data);
    if let Some(nulls) = array.nulls()
        && nulls.null_count() > 0
    {
        let row = (0..array.len()).find(|&i| nulls.is_null(i)).unwrap_or(0);
        return Err(format!(
            "row {row} is null: a record batch has no null rows (a struct array with nulls)"
        ));
    }
    Ok(array)
}
