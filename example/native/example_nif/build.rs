//! The NIF calls `enif_*` functions that the BEAM itself provides when it loads the library, so
//! they are undefined in the cdylib. On Linux undefined symbols in a shared library are fine by
//! default; macOS's linker refuses them unless told to resolve them at load time
//! (`-undefined dynamic_lookup`, what rustler-sys does for real Rustler crates).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        println!("cargo:rustc-cdylib-link-arg=-undefined");
        println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
    }
}
