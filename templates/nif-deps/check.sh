# nixgen: after this dependency compiled (postBuild), fail unless rustler_precompiled extracted
# exactly the staged artifacts. templates/nif-deps/check.sh, included verbatim after the generated
# lines that set its inputs:
#   nixgenNifApp        the dependency's OTP app (the modules' `otp_app`);
#   nixgenNifArtifacts  as for stage.sh.
# rustler_precompiled extracts <file> (<lib_name>.so.tar.gz) to priv/native/<lib_name>.so of the
# app's build directory (docs/UPSTREAM.md U-RUSTLER-PRECOMPILED-NAME).
nixgenNative="_build/$MIX_BUILD_PREFIX/lib/$nixgenNifApp/priv/native"
while read -r nixgenModule nixgenFile nixgenPath; do
  [ -n "$nixgenModule" ] || continue
  nixgenLib=$(basename "$nixgenFile" .tar.gz)
  if [ ! -f "$nixgenNative/$nixgenLib" ]; then
    echo "nixgen: $nixgenModule did not load the staged $nixgenFile ($nixgenPath); $nixgenNative holds: $(ls "$nixgenNative" 2>/dev/null | tr '\n' ' ')" >&2
    echo "nixgen: rustler_precompiled chose another artifact: the OTP/NIF version, target or variant is not the one nix/ was generated for; run nixgen update" >&2
    exit 1
  fi
done <<<"$nixgenNifArtifacts"
