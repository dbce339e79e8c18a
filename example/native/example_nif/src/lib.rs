//! `Elixir.Example.Native`'s NIF library.

/// `add(a, b)`: the sum of two integers that fit in 64 bits; badarg otherwise or on overflow.
#[rustler::nif]
fn add(a: i64, b: i64) -> rustler::NifResult<i64> {
    a.checked_add(b).ok_or(rustler::Error::BadArg)
}

rustler::init!("Elixir.Example.Native");
