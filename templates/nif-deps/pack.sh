# nixgen: strategy B, pack a NIF library built from source as the artifact rustler_precompiled
# expects (the build command of a runCommand whose output is the .so.tar.gz).
# templates/nif-deps/pack.sh, included verbatim after the generated lines that set its inputs:
#   nixgenNifLibrary  the built library (crane: <out>/lib/lib<crate>.so, or .dylib on macOS);
#   nixgenNifLibName  the upstream lib_name, e.g. libfoo-v1.2.3-nif-2.15-x86_64-unknown-linux-musl.
# The tarball holds one member, <lib_name>.so (.so on macOS too), as upstream's artifacts do
# (docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-NAME); sorted names, fixed mtime, owner and mode and
# `gzip -n` make it byte-for-byte reproducible, so its sha256 only changes with the library.
nixgenPack=$(mktemp -d)
cp "$nixgenNifLibrary" "$nixgenPack/$nixgenNifLibName.so"
chmod 0644 "$nixgenPack/$nixgenNifLibName.so"
tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner --format=gnu \
  -C "$nixgenPack" -cf - "$nixgenNifLibName.so" | gzip -n -9 >"$out"
