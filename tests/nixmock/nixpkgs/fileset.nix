# Mock of nixpkgs' lib.fileset.
#
# Upstream reference: NixOS/nixpkgs lib/fileset/default.nix (toSource,
# union, unions, intersection, difference, fileFilter, maybeMissing,
# gitTracked) and lib/fileset/internal.nix. Own implementation.
#
# A file set is represented as a record of predicates over absolute path
# strings:
#   has        : path -> type -> bool   (is this file in the set?)
#   mayContain : dir -> bool            (could the set have files under dir?)
#   covers     : dir -> bool            (is every file under dir in the set?)
#   leaves     : [ string ]             (paths it was built from, for the
#                                        "not under root" check)
# toSource imports `root` with `builtins.path` and a filter that keeps
# exactly the files of the set, and only directories that end up containing
# at least one such file (like upstream, empty directories are omitted).
# So the resulting store path changes only when an included file changes.
{ lib }:
let
  b = builtins;
  inherit (lib) hasPrefix any all;

  isFileset = v: b.isAttrs v && (v._type or null) == "fileset";

  mk = { has, mayContain, covers ? _: false, leaves }: {
    _type = "fileset";
    inherit has mayContain covers leaves;
  };

  empty = mk { has = _: _: false; mayContain = _: false; leaves = [ ]; };

  under = dir: p: p == dir || hasPrefix (dir + "/") p;

  # Nix 2.8 has no builtins.readFileType: look the entry up in its parent.
  # The parent of a top-level store path (/nix/store) may not be read in
  # pure mode; such a path (a flake's `./.`) is a directory.
  pathType = p:
    if toString (dirOf p) == b.storeDir then "directory"
    else (b.readDir (dirOf p)).${baseNameOf p};

  coerce = context: v:
    if isFileset v then v
    else if b.isPath v then
      if !(b.pathExists v) then
        throw ''
          ${context} (${toString v}) is a path that does not exist.
              To create a file set from a path that may not exist, use `lib.fileset.maybeMissing`.''
      else fromExistingPath v
    else if lib.isStringLike v then
      throw ''
        ${context} ("${toString v}") is a string-like value, but it should be a file set or a path instead.
            Paths represented as strings are not supported by `lib.fileset`, use `lib.sources` or derivations instead.''
    else
      throw "${context} is of type ${b.typeOf v}, but it should be a file set or a path instead.";

  fromExistingPath = path:
    let
      p = toString path;
      t = pathType path;
    in
    if t == "directory" then
      mk {
        has = s: _: hasPrefix (p + "/") s;
        mayContain = d: under p d || hasPrefix (d + "/") p;
        covers = d: under p d;
        leaves = [ p ];
      }
    else
      mk {
        has = s: _: s == p;
        mayContain = d: hasPrefix (d + "/") p;
        leaves = [ p ];
      };

  unionMany = sets: mk {
    has = s: t: any (fs: fs.has s t) sets;
    mayContain = d: any (fs: fs.mayContain d) sets;
    covers = d: any (fs: fs.covers d) sets;
    leaves = b.concatMap (fs: fs.leaves) sets;
  };
in
{
  # toSource :: { root :: Path, fileset :: FileSet } -> SourceLike
  toSource = { root, fileset }:
    let
      fs = coerce "lib.fileset.toSource: `fileset`" fileset;
      rootStr = toString root;
      outside = b.filter (l: !(under rootStr l)) fs.leaves;
      nonEmpty = d:
        fs.mayContain d
        && (
          let entries = b.readDir d; in
          any (n:
            let
              c = d + "/" + n;
              ty = entries.${n};
            in
            if ty == "directory" then nonEmpty c else fs.has c ty
          ) (b.attrNames entries)
        );
      filter = p: t: if t == "directory" then nonEmpty p else fs.has p t;
    in
    if !(b.isPath root) then
      if lib.isStringLike root then
        throw ''
          lib.fileset.toSource: `root` ("${toString root}") is a string-like value, but it should be a path instead.
              Paths in strings are not supported by `lib.fileset`, use `lib.sources` or derivations instead.''
      else throw "lib.fileset.toSource: `root` is of type ${b.typeOf root}, but it should be a path instead."
    else if !(b.pathExists root) then
      throw "lib.fileset.toSource: `root` (${rootStr}) does not exist."
    else if pathType root != "directory" then
      throw "lib.fileset.toSource: `root` (${rootStr}) is a file, but it should be a directory instead."
    else if outside != [ ] then
      throw ''
        lib.fileset.toSource: `fileset` could contain files in ${b.head outside}, which is not under the `root` (${rootStr}).''
    else
      lib.fromSourceAttrs { origSrc = root; inherit filter; name = "source"; };

  union = fileset1: fileset2:
    unionMany [
      (coerce "lib.fileset.union: First argument" fileset1)
      (coerce "lib.fileset.union: Second argument" fileset2)
    ];

  unions = filesets:
    if !(b.isList filesets) then
      throw "lib.fileset.unions: Argument is of type ${b.typeOf filesets}, but it should be a list instead."
    else
      unionMany (lib.imap0 (i: v: coerce "lib.fileset.unions: Element ${toString i}" v) filesets);

  intersection = fileset1: fileset2:
    let
      a = coerce "lib.fileset.intersection: First argument" fileset1;
      c = coerce "lib.fileset.intersection: Second argument" fileset2;
    in
    mk {
      has = s: t: a.has s t && c.has s t;
      mayContain = d: a.mayContain d && c.mayContain d;
      covers = d: a.covers d && c.covers d;
      leaves = a.leaves;
    };

  difference = positive: negative:
    let
      a = coerce "lib.fileset.difference: First argument (positive set)" positive;
      n = coerce "lib.fileset.difference: Second argument (negative set)" negative;
    in
    mk {
      has = s: t: a.has s t && !(n.has s t);
      mayContain = d: a.mayContain d && !(n.covers d);
      covers = d: a.covers d && !(n.mayContain d);
      leaves = a.leaves;
    };

  # fileFilter :: ({ name, type, hasExt, ... } -> Bool) -> Path -> FileSet
  fileFilter = predicate: path:
    if !(lib.isFunction predicate) then
      throw "lib.fileset.fileFilter: First argument is of type ${b.typeOf predicate}, but it should be a function instead."
    else if !(b.isPath path) then
      throw "lib.fileset.fileFilter: Second argument is of type ${b.typeOf path}, but it should be a path instead."
    else if !(b.pathExists path) then
      throw "lib.fileset.fileFilter: Second argument (${toString path}) is a path that does not exist."
    else
      let base = toString path; in
      mk {
        has = s: t:
          under base s
          && predicate {
            name = baseNameOf s;
            type = t;
            hasExt = ext: lib.hasSuffix ".${ext}" (baseNameOf s);
          };
        mayContain = d: under base d || hasPrefix (d + "/") base;
        leaves = [ base ];
      };

  maybeMissing = path:
    if !(b.isPath path) then
      throw "lib.fileset.maybeMissing: Argument (${toString path}) is a string-like value, but it should be a path instead."
    else if !(b.pathExists path) then empty
    else fromExistingPath path;

  fromSource = src:
    throw "mock nixpkgs: lib.fileset.fromSource is not mocked";

  # Upstream refuses this in pure evaluation mode (it relies on
  # builtins.fetchGit, see https://github.com/NixOS/nix/issues/9292), and
  # flakes evaluate purely: a generated flake must not use it.
  gitTracked = path:
    if !(b ? currentSystem) then
      throw "lib.fileset.gitTracked: This function is currently not supported in pure evaluation mode, since it currently relies on `builtins.fetchGit`. See https://github.com/NixOS/nix/issues/9292."
    else
      throw "mock nixpkgs: lib.fileset.gitTracked is not mocked outside pure evaluation mode";
  gitTrackedWith = _options: path:
    throw "lib.fileset.gitTrackedWith: This function is currently not supported in pure evaluation mode, since it currently relies on `builtins.fetchGit`. See https://github.com/NixOS/nix/issues/9292.";

  trace = _fileset: x: x;
  traceVal = fileset: fileset;
}
