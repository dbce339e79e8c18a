# nixgen: stage this dependency's RustlerPrecompiled artifacts before it compiles (preBuild).
# templates/nif-deps/stage.sh, included verbatim after the generated lines that set its inputs:
#   nixgenNifArtifacts         one "<Module> <file> <path>" per line: the module's checksum-file
#                              name part (Elixir.Foo.Native), the artifact's upstream file name,
#                              and the file to stage (a fetchurl output, or pack.sh's for B);
#   nixgenNifUnset             names of the package's own force-build variables (EXPLORER_BUILD);
#   nixgenNifRewriteChecksums  "1" (strategy B): replace each module's checksum-<Module>.exs
#                              with the sha256 of the staged files; "" (strategy A): keep it.
# One writable directory serves both cache layouts: the flat RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH
# (>= 0.7.2) and $XDG_CACHE_HOME/rustler_precompiled/precompiled_nifs (every version; MIX_XDG
# makes macOS use it too); the metadata file lands there as well, not in the unwritable HOME.
# A staged file is verified against the checksum file and extracted with no network access.
# docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-CACHE, U-RUSTLER-PRECOMPILED-DECIDE,
# U-RUSTLER-PRECOMPILED-TARGET, U-RUSTLER-PRECOMPILED-CHECKSUM.
export MIX_XDG=1
export XDG_CACHE_HOME="$TMPDIR/nixgen-nif-cache"
export RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH="$XDG_CACHE_HOME/rustler_precompiled/precompiled_nifs"
# shellcheck disable=SC2086 # nixgenNifUnset is a list of names
unset RUSTLER_PRECOMPILED_FORCE_BUILD_ALL TARGET_ARCH TARGET_VENDOR TARGET_OS TARGET_ABI $nixgenNifUnset
mkdir -p "$RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH"
nixgenSums="$TMPDIR/nixgen-nif-checksums"
rm -rf "$nixgenSums" && mkdir -p "$nixgenSums"
while read -r nixgenModule nixgenFile nixgenPath; do
  [ -n "$nixgenModule" ] || continue
  install -m 0644 "$nixgenPath" "$RUSTLER_PRECOMPILED_GLOBAL_CACHE_PATH/$nixgenFile"
  echo "nixgen: staged $nixgenFile for $nixgenModule (if rustler_precompiled asks for another file, the OTP/NIF version or target is not the one nix/ was generated for: run nixgen update)"
  if [ "$nixgenNifRewriteChecksums" = 1 ]; then
    nixgenSum=$(sha256sum "$nixgenPath" | cut -d ' ' -f 1)
    printf '  "%s" => "sha256:%s",\n' "$nixgenFile" "$nixgenSum" >>"$nixgenSums/$nixgenModule"
  fi
done <<<"$nixgenNifArtifacts"
for nixgenEntries in "$nixgenSums"/*; do
  [ -f "$nixgenEntries" ] || continue
  nixgenModule=$(basename "$nixgenEntries")
  { echo '%{'; cat "$nixgenEntries"; echo '}'; } >"checksum-$nixgenModule.exs"
  echo "nixgen: checksum-$nixgenModule.exs now lists the library built from source"
done
