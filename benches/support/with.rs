//! `with!(base; field: value, …)`: `base` with some public fields set. The
//! snapshot types are `#[non_exhaustive]` (outside the crate they cannot be
//! built with struct update syntax); this keeps each test's condition on one
//! screen all the same.

macro_rules! with {
    ($base:expr; $($field:ident : $value:expr),+ $(,)?) => {{
        let mut value = $base;
        $(value.$field = $value;)+
        value
    }};
}

pub(crate) use with;
