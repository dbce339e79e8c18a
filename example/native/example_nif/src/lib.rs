//! `Elixir.Example.Native`'s NIF library, written without the rustler crate.
//!
//! The machines that test nixgen cannot reach crates.io, so this crate has no dependencies: it
//! declares by hand the part of `erl_nif.h` it uses, for NIF version 2.16 (OTP 24 and later;
//! Debian's OTP 25 is 2.16). A library built for 2.16 also loads into newer BEAMs (the VM accepts
//! older minor versions), but not into older ones. Real projects use the `rustler` crate, which
//! generates all of this.
//!
//! The BEAM loads the library with `erlang:load_nif/2`, calls the exported `nif_init` and reads the
//! returned `ErlNifEntry`; the `enif_*` functions are resolved from the running VM at that moment.

#![allow(non_camel_case_types, non_snake_case)]

use std::os::raw::{c_char, c_int, c_long, c_uint, c_void};

/// `ERL_NIF_TERM`: an unsigned integer the size of a pointer (`ErlNifUInt`).
pub type ERL_NIF_TERM = usize;

/// `ErlNifEnv` is opaque.
#[repr(C)]
pub struct ErlNifEnv {
    _private: [u8; 0],
}

pub type NifFn = unsafe extern "C" fn(*mut ErlNifEnv, c_int, *const ERL_NIF_TERM) -> ERL_NIF_TERM;

/// `ErlNifFunc`.
#[repr(C)]
pub struct ErlNifFunc {
    pub name: *const c_char,
    pub arity: c_uint,
    pub fptr: NifFn,
    pub flags: c_uint, // 0: a normal scheduler (ERL_NIF_DIRTY_JOB_* would select a dirty one)
}

/// `ErlNifEntry`, every field up to NIF 2.16 (the VM reads the later ones according to `minor`).
#[repr(C)]
pub struct ErlNifEntry {
    pub major: c_int,
    pub minor: c_int,
    pub name: *const c_char,
    pub num_of_funcs: c_int,
    pub funcs: *const ErlNifFunc,
    pub load: Option<unsafe extern "C" fn(*mut ErlNifEnv, *mut *mut c_void, ERL_NIF_TERM) -> c_int>,
    pub reload:
        Option<unsafe extern "C" fn(*mut ErlNifEnv, *mut *mut c_void, ERL_NIF_TERM) -> c_int>,
    pub upgrade: Option<
        unsafe extern "C" fn(
            *mut ErlNifEnv,
            *mut *mut c_void,
            *mut *mut c_void,
            ERL_NIF_TERM,
        ) -> c_int,
    >,
    pub unload: Option<unsafe extern "C" fn(*mut ErlNifEnv, *mut c_void)>,
    /// Added in 2.1.
    pub vm_variant: *const c_char,
    /// Added in 2.7; `ERL_NIF_INIT` sets 1 (dirty scheduler support).
    pub options: c_uint,
    /// Added in 2.12.
    pub sizeof_ErlNifResourceTypeInit: usize,
    /// Added in 2.14.
    pub min_erts: *const c_char,
}

/// `ErlNifResourceTypeInit` (2.16: dtor, stop, down, members, dyncall); only its size is used.
#[repr(C)]
pub struct ErlNifResourceTypeInit {
    pub dtor: *const c_void,
    pub stop: *const c_void,
    pub down: *const c_void,
    pub members: c_int,
    pub dyncall: *const c_void,
}

extern "C" {
    // erl_nif.h turns enif_get_int64/enif_make_int64 into macros for enif_get_long/enif_make_long
    // where `long` is 64 bits (64-bit Unix): the BEAM exports only the `long` symbols there.
    #[cfg_attr(all(unix, target_pointer_width = "64"), link_name = "enif_get_long")]
    fn enif_get_int64(env: *mut ErlNifEnv, term: ERL_NIF_TERM, ip: *mut i64) -> c_int;
    #[cfg_attr(all(unix, target_pointer_width = "64"), link_name = "enif_make_long")]
    fn enif_make_int64(env: *mut ErlNifEnv, i: i64) -> ERL_NIF_TERM;
    fn enif_make_badarg(env: *mut ErlNifEnv) -> ERL_NIF_TERM;
}

// `c_long` is i64 wherever the link names above are used.
#[cfg(all(unix, target_pointer_width = "64"))]
const _: () = assert!(std::mem::size_of::<c_long>() == 8);

/// `add(a, b)`: the sum of two integers that fit in 64 bits; badarg otherwise or on overflow.
unsafe extern "C" fn add(
    env: *mut ErlNifEnv,
    argc: c_int,
    argv: *const ERL_NIF_TERM,
) -> ERL_NIF_TERM {
    if argc != 2 {
        return enif_make_badarg(env);
    }
    let (mut a, mut b) = (0i64, 0i64);
    if enif_get_int64(env, *argv, &mut a) == 0 || enif_get_int64(env, *argv.add(1), &mut b) == 0 {
        return enif_make_badarg(env);
    }
    match a.checked_add(b) {
        Some(sum) => enif_make_int64(env, sum),
        None => enif_make_badarg(env),
    }
}

/// Statics holding raw pointers must be `Sync`; these are immutable and only read by the VM.
#[repr(transparent)]
struct Shared<T>(T);
unsafe impl<T> Sync for Shared<T> {}

static FUNCS: Shared<[ErlNifFunc; 1]> = Shared([ErlNifFunc {
    name: c"add".as_ptr(),
    arity: 2,
    fptr: add,
    flags: 0,
}]);

static ENTRY: Shared<ErlNifEntry> = Shared(ErlNifEntry {
    major: 2,
    minor: 16,
    // Must be the module that calls erlang:load_nif/2.
    name: c"Elixir.Example.Native".as_ptr(),
    num_of_funcs: 1,
    funcs: &FUNCS.0 as *const [ErlNifFunc; 1] as *const ErlNifFunc,
    load: None,
    reload: None,
    upgrade: None,
    unload: None,
    vm_variant: c"beam.vanilla".as_ptr(),
    options: 1,
    sizeof_ErlNifResourceTypeInit: std::mem::size_of::<ErlNifResourceTypeInit>(),
    min_erts: c"erts-12.0".as_ptr(),
});

/// What `ERL_NIF_INIT` defines: the VM looks this symbol up after `dlopen`.
#[no_mangle]
pub extern "C" fn nif_init() -> *const ErlNifEntry {
    &ENTRY.0
}
