# The Cargo sources of a workspace, rooted where its Cargo.lock is (crane reads it there): the
# root's Cargo.toml, Cargo.lock and .cargo/config, and for each member (and path crate) its
# Cargo.toml, src/ and every *.rs below it. Elixir code, docs and the rest of the repository
# stay out, so editing them does not rebuild a crate.
{ lib }:
root: members:
lib.fileset.toSource {
  inherit root;
  fileset = lib.fileset.unions (
    map (name: lib.fileset.maybeMissing (root + "/${name}")) [
      "Cargo.toml"
      "Cargo.lock"
      ".cargo/config"
      ".cargo/config.toml"
    ]
    ++ lib.concatMap (
      member:
      let
        dir = if member == "" then root else root + "/${member}";
      in
      [
        (dir + "/Cargo.toml")
        (lib.fileset.maybeMissing (dir + "/src"))
        (lib.fileset.fileFilter (file: file.hasExt "rs") dir)
      ]
    ) members
  );
}
