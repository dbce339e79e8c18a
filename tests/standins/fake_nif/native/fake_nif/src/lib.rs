//! `Elixir.FakeNif.Native`'s NIF library.

/// Which build this is: the published artifact or nixgen's build from source (feature `rebuilt`).
#[rustler::nif]
fn origin() -> &'static str {
    if cfg!(feature = "rebuilt") {
        "rebuilt from source"
    } else {
        "upstream artifact"
    }
}

/// `add(a, b)`: the sum of two integers that fit in 64 bits; badarg otherwise or on overflow.
#[rustler::nif]
fn add(a: i64, b: i64) -> rustler::NifResult<i64> {
    a.checked_add(b).ok_or(rustler::Error::BadArg)
}

rustler::init!("Elixir.FakeNif.Native");
