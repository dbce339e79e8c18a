# Mock of a small subset of nixpkgs' `lib`, written for nixgen's tests.
#
# Upstream reference (behaviour modelled, code not copied):
#   NixOS/nixpkgs lib/default.nix, lib/trivial.nix, lib/fixed-points.nix,
#   lib/customisation.nix (makeOverridable, callPackageWith, makeScope,
#   extendMkDerivation), lib/derivations.nix (warnOnInstantiate),
#   lib/strings.nix, lib/lists.nix, lib/attrsets.nix, lib/sources.nix,
#   lib/fileset/default.nix (see ./fileset.nix).
# Registry entries (docs/UPSTREAM.md): U-LIB-WARN (warn, warnOnInstantiate),
# U-LIB-SCOPE (makeScope, makeOverridable, extendMkDerivation), U-LIB-GETEXE
# (getExe, getExe'; lib/meta.nix), U-ERLANG-VERSION (getVersion, versions.major).
#
# Every function here behaves like its nixpkgs namesake for the inputs nixgen
# produces; anything not listed is simply missing (an evaluation that needs it
# fails with "attribute ... missing", which is the point of a mock).
let
  b = builtins;

  libSelf = rec {
    # ---- trivial -----------------------------------------------------------
    id = x: x;
    const = x: _: x;
    flip = f: a: c: f c a;
    pipe = val: fns: b.foldl' (acc: f: f acc) val fns;
    inherit (b)
      isAttrs isList isString isBool isInt isFloat isPath
      attrNames attrValues listToAttrs hasAttr getAttr
      filter map length elemAt head tail genList concatLists
      concatStringsSep replaceStrings stringLength substring
      toJSON fromJSON fromTOML readFile pathExists typeOf
      intersectAttrs removeAttrs seq deepSeq tryEval split match
      ;
    foldl' = b.foldl';
    isFunction = f: b.isFunction f || (f ? __functor && isFunction (f.__functor f));
    isDerivation = x: b.isAttrs x && (x.type or null) == "derivation";
    isStringLike = x: b.isString x || b.isPath x || (b.isAttrs x && (x ? outPath || x ? __toString));
    boolToString = x: if x then "true" else "false";
    # U-LIB-WARN: builtins.warn where Nix has it (>= 2.23), else a trace with
    # the same "evaluation warning: " prefix (Debian's Nix 2.8 prints
    # "trace: evaluation warning: ..." on stderr); NIX_ABORT_ON_WARN aborts.
    warn = b.warn or (msg: v:
      assert b.isString msg;
      if b.elem (b.getEnv "NIX_ABORT_ON_WARN") [ "1" "true" "yes" ] then
        b.trace "evaluation warning: ${msg}" (abort "NIX_ABORT_ON_WARN=true; warnings are treated as unrecoverable errors.")
      else
        b.trace "evaluation warning: ${msg}" v);
    # U-LIB-WARN: every attribute but meta/name/type/outputName warns when read,
    # so instantiating (drvPath, outPath, "${drv}") warns and `nix search` does not.
    warnOnInstantiate = msg: drv:
      let drvToWrap = b.removeAttrs drv [ "meta" "name" "type" "outputName" ]; in
      drv // b.mapAttrs (_: warn msg) drvToWrap;
    warnIf = cond: msg: if cond then warn msg else id;
    warnIfNot = cond: msg: if cond then id else warn msg;
    throwIf = cond: msg: if cond then throw msg else id;
    throwIfNot = cond: msg: if cond then id else throw msg;
    assertMsg = pred: msg: pred || throw msg;
    defaultTo = default: maybe: if maybe == null then default else maybe;
    mapNullable = f: a: if a == null then a else f a;
    importJSON = path: b.fromJSON (b.readFile path);
    importTOML = path: b.fromTOML (b.readFile path);
    fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    fakeSha256 = "0000000000000000000000000000000000000000000000000000";
    versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
    versionAtLeast = v1: v2: !(versionOlder v1 v2);
    toFunction = v: if isFunction v then v else _: v;
    toInt = str:
      let m = b.match "[[:space:]]*(-?[0-9]+)[[:space:]]*" str; in
      if m == null then throw "toInt: Could not convert ${b.toJSON str} to int." else b.fromJSON (b.head m);
    # nixos-unstable (26.11): the oldest supported release is 26.05 (U-NIXFMT).
    oldestSupportedRelease = 2605;
    oldestSupportedReleaseIsAtLeast = release: release <= oldestSupportedRelease;
    inNixShell = false;

    # ---- fixed points ------------------------------------------------------
    fix = f: let x = f x; in x;
    toExtension = f:
      if isFunction f then
        final: prev: let fPrev = f prev; in if isFunction fPrev then f final prev else fPrev
      else
        _: _: f;
    extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
    composeExtensions = f: g: final: prev:
      let
        fApplied = f final prev;
        prev' = prev // fApplied;
      in
      fApplied // g final prev';
    composeManyExtensions = b.foldl' composeExtensions (_: _: { });
    makeExtensibleWithCustomName = extenderName: rattrs:
      fix (self: rattrs self // {
        ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends (toExtension f) rattrs);
      });
    makeExtensible = makeExtensibleWithCustomName "extend";

    # ---- function arguments / overriding -----------------------------------
    setFunctionArgs = f: args: { __functor = _: f; __functionArgs = args; };
    functionArgs = f:
      if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f))
      else b.functionArgs f;
    mirrorFunctionArgs = f: g: setFunctionArgs g (functionArgs f);

    # U-LIB-SCOPE: like nixpkgs' makeOverridable. An attribute-set result gets
    # `.override` (re-call with changed arguments) and an `.overrideAttrs` that
    # keeps `.override`; a function result (e.g. `callPackage ./build-mix.nix { }`)
    # only gets `.override`, and what it returns when called is not wrapped.
    makeOverridable = f:
      let
        wrapped = origArgs:
          let
            result = f origArgs;
            overrideWith = newArgs: origArgs // (if isFunction newArgs then newArgs origArgs else newArgs);
            overrideThis = newArgs: wrapped (overrideWith newArgs);
          in
          if b.isAttrs result then
            result // {
              override = overrideThis;
              overrideDerivation = _: throw "mock nixpkgs: overrideDerivation is not supported; use overrideAttrs";
            } // optionalAttrs (result ? overrideAttrs) {
              overrideAttrs = fdrv: makeOverridable (args: (f args).overrideAttrs fdrv) origArgs;
            }
          else if isFunction result then
            setFunctionArgs result (functionArgs result) // { override = overrideThis; }
          else
            result;
      in
      mirrorFunctionArgs f wrapped;

    callPackageWith = autoArgs: fn: args:
      let
        f = if isFunction fn then fn else import fn;
        fargs = functionArgs f;
      in
      makeOverridable f (b.intersectAttrs fargs autoArgs // args);

    # U-LIB-SCOPE: lib.makeScope. `overrideScope g` re-runs the whole set with
    # `g` applied to its fixed point, so every member called with
    # `self.callPackage` sees the overridden members (e.g. a new `erlang`
    # reaches elixir, hex, rebar3, buildMix and mixRelease). No `extend`.
    makeScope = newScope: f:
      let
        self = f self // {
          newScope = scope: newScope (self // scope);
          callPackage = self.newScope { };
          overrideScope = g: makeScope newScope (extends g f);
          packages = f;
        };
      in
      self;

    # U-LIB-SCOPE: lib.extendMkDerivation (mixRelease, buildMix, buildRebar3):
    # the caller's attributes minus `excludeDrvArgNames`, overlaid by what
    # `extendDrvArgs` returns (so a returned `env` or `passthru` replaces the
    # caller's unless the builder merges it itself).
    extendMkDerivation =
      { constructDrv
      , excludeDrvArgNames ? [ ]
      , excludeFunctionArgNames ? [ ]
      , extendDrvArgs
      , inheritFunctionArgs ? true
      , transformDrv ? id
      }:
      setFunctionArgs
        (fpargs: transformDrv (constructDrv (finalAttrs:
          let args = toFunction fpargs finalAttrs; in
          b.removeAttrs args excludeDrvArgNames // extendDrvArgs finalAttrs args)))
        (functionArgs (extendDrvArgs { })
          // optionalAttrs inheritFunctionArgs (b.removeAttrs (functionArgs constructDrv) excludeFunctionArgNames));

    # ---- lists -------------------------------------------------------------
    optional = cond: elem: if cond then [ elem ] else [ ];
    optionals = cond: elems: if cond then elems else [ ];
    toList = x: if b.isList x then x else [ x ];
    elem = b.elem;
    any = b.any;
    all = b.all;
    last = list: assert list != [ ] || throw "lists.last: list must not be empty!"; b.elemAt list (b.length list - 1);
    init = list: assert list != [ ] || throw "lists.init: list must not be empty!"; b.genList (b.elemAt list) (b.length list - 1);
    flatten = x: if b.isList x then b.concatMap flatten x else [ x ];
    unique = b.foldl' (acc: e: if b.elem e acc then acc else acc ++ [ e ]) [ ];
    foldl = op: nul: list: b.foldl' op nul list;
    foldr = op: nul: list:
      let
        len = b.length list;
        fold' = n: if n == len then nul else op (b.elemAt list n) (fold' (n + 1));
      in
      fold' 0;
    concatMap = b.concatMap;
    range = first: last': if first > last' then [ ] else b.genList (n: first + n) (last' - first + 1);
    imap0 = f: list: b.genList (n: f n (b.elemAt list n)) (b.length list);
    imap1 = f: list: b.genList (n: f (n + 1) (b.elemAt list n)) (b.length list);
    reverseList = xs: let l = b.length xs; in b.genList (n: b.elemAt xs (l - n - 1)) l;
    remove = e: b.filter (x: x != e);
    subtractLists = e: b.filter (x: !(b.elem x e));
    sort = b.sort;
    findFirst = pred: default: list:
      let found = b.filter pred list; in if found == [ ] then default else b.head found;
    count = pred: b.foldl' (c: x: if pred x then c + 1 else c) 0;
    groupBy = pred: b.foldl' (r: e: let key = pred e; in r // { ${key} = (r.${key} or [ ]) ++ [ e ]; }) { };
    zipListsWith = f: fst: snd: b.genList (n: f (b.elemAt fst n) (b.elemAt snd n)) (if b.length fst < b.length snd then b.length fst else b.length snd);
    singleton = x: [ x ];

    # ---- attrsets ----------------------------------------------------------
    nameValuePair = name: value: { inherit name value; };
    mapAttrs = b.mapAttrs;
    mapAttrs' = f: set: b.listToAttrs (b.map (attr: f attr set.${attr}) (b.attrNames set));
    mapAttrsToList = f: attrs: b.map (name: f name attrs.${name}) (b.attrNames attrs);
    attrsToList = mapAttrsToList nameValuePair;
    filterAttrs = pred: set: b.listToAttrs (b.concatMap (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (b.attrNames set));
    optionalAttrs = cond: as: if cond then as else { };
    genAttrs = names: f: b.listToAttrs (b.map (n: nameValuePair n (f n)) names);
    attrByPath = attrPath: default: set:
      if attrPath == [ ] then set
      else let a = b.head attrPath; in
        if set ? ${a} then attrByPath (b.tail attrPath) default set.${a} else default;
    hasAttrByPath = attrPath: e:
      if attrPath == [ ] then true
      else let a = b.head attrPath; in b.isAttrs e && e ? ${a} && hasAttrByPath (b.tail attrPath) e.${a};
    getAttrFromPath = attrPath: set: attrByPath attrPath (throw "cannot find attribute `${b.concatStringsSep "." attrPath}'") set;
    setAttrByPath = attrPath: value:
      if attrPath == [ ] then value else { ${b.head attrPath} = setAttrByPath (b.tail attrPath) value; };
    recursiveUpdate = lhs: rhs:
      lhs // b.mapAttrs (n: v: if b.isAttrs v && b.isAttrs (lhs.${n} or null) && !isDerivation v then recursiveUpdate lhs.${n} v else v) rhs;
    foldAttrs = op: nul: list_of_attrs:
      b.foldl' (acc: attrs: acc // b.mapAttrs (n: v: op v (acc.${n} or nul)) attrs) { } (reverseList list_of_attrs);
    zipAttrsWith = f: sets:
      let names = unique (b.concatMap b.attrNames sets); in
      genAttrs names (n: f n (b.catAttrs n sets));
    catAttrs = b.catAttrs;
    getOutput = output: pkg: if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
    getBin = getOutput "bin";
    getLib = getOutput "lib";
    getDev = getOutput "dev";
    getMan = getOutput "man";
    getName = x: if b.isString x then (b.parseDrvName x).name else x.pname or (b.parseDrvName x.name).name;
    getVersion = x: if b.isString x then (b.parseDrvName x).version else x.version or (b.parseDrvName x.name).version;
    getExe = x:
      let
        main = x.meta.mainProgram or (warn "getExe: Package ${x.name or "?"} does not have the meta.mainProgram attribute." (getName x));
      in
      getExe' x main;
    # U-LIB-GETEXE: upstream's three assertions.
    getExe' = x: y:
      assert assertMsg (isDerivation x) "lib.meta.getExe': The first argument is of type ${b.typeOf x}, but it should be a derivation instead.";
      assert assertMsg (b.isString y) "lib.meta.getExe': The second argument is of type ${b.typeOf y}, but it should be a string instead.";
      assert assertMsg (b.match ".*/.*" y == null) "lib.meta.getExe': The second argument \"${y}\" is a nested path with a \"/\" character, but it should just be the name of the executable instead.";
      "${getBin x}/bin/${y}";
    isAttrsNonDerivation = x: b.isAttrs x && !isDerivation x;
    makeBinPath = pkgs: b.concatStringsSep ":" (b.map (p: "${getBin p}/bin") pkgs);

    # ---- strings -----------------------------------------------------------
    concatStrings = b.concatStringsSep "";
    concatMapStrings = f: list: concatStrings (b.map f list);
    concatMapStringsSep = sep: f: list: b.concatStringsSep sep (b.map f list);
    concatImapStringsSep = sep: f: list: b.concatStringsSep sep (imap1 f list);
    concatLines = list: concatMapStrings (s: s + "\n") list;
    intersperse = separator: list:
      if list == [ ] || b.length list == 1 then list
      else b.tail (b.concatMap (x: [ separator x ]) list);
    hasPrefix = pref: str: b.substring 0 (b.stringLength pref) str == pref;
    hasSuffix = suffix: content:
      let
        lenContent = b.stringLength content;
        lenSuffix = b.stringLength suffix;
      in
      lenContent >= lenSuffix && b.substring (lenContent - lenSuffix) lenContent content == suffix;
    hasInfix = infix: content: b.match ".*${escapeRegex infix}.*" "${content}" != null;
    removePrefix = prefix: str:
      if hasPrefix prefix str then b.substring (b.stringLength prefix) (-1) str else str;
    removeSuffix = suffix: str:
      if hasSuffix suffix str then b.substring 0 (b.stringLength str - b.stringLength suffix) str else str;
    upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
    toUpper = b.replaceStrings lowerChars upperChars;
    toLower = b.replaceStrings upperChars lowerChars;
    stringToCharacters = s: b.genList (p: b.substring p 1 s) (b.stringLength s);
    escape = list: b.replaceStrings list (b.map (c: "\\${c}") list);
    escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
    escapeShellArg = arg:
      let s = toString arg; in
      if b.match "[[:alnum:],._+:@%/-]+" s == null then "'${b.replaceStrings [ "'" ] [ "'\\''" ] s}'" else s;
    escapeShellArgs = concatMapStringsSep " " escapeShellArg;
    toShellVar = name: value: "${name}=${escapeShellArg value}";
    splitString = sep: s:
      let splits = b.filter b.isString (b.split (escapeRegex (toString sep)) (toString s)); in
      b.map (x: b.substring 0 (b.stringLength x) x) splits;
    trim = s:
      let m = b.match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in
      if m == null then "" else b.head m;
    optionalString = cond: string: if cond then string else "";
    fixedWidthString = width: filler: str:
      let strw = b.stringLength str; in
      if strw >= width then str else fixedWidthString width filler (filler + str);
    sanitizeDerivationName = s:
      let
        cleaned = b.replaceStrings [ "/" " " ] [ "-" "-" ] s;
        chars = b.filter (c: b.match "[a-zA-Z0-9+._?=-]" c != null) (stringToCharacters cleaned);
        joined = concatStrings chars;
      in
      if joined == "" then "unknown" else if hasPrefix "." joined then "-" + joined else joined;
    strings = libSelf;
    lists = libSelf;
    attrsets = libSelf;
    trivial = libSelf;
    customisation = libSelf;
    fixedPoints = libSelf;
    meta = libSelf;
    derivations = libSelf;
    versions = { # U-ERLANG-VERSION (major)
      major = v: b.elemAt (splitString "." v) 0;
      minor = v: b.elemAt (splitString "." v) 1;
      majorMinor = v: let p = splitString "." v; in "${b.elemAt p 0}.${b.elemAt p 1}";
    };

    # ---- sources -----------------------------------------------------------
    # Modelled on lib/sources.nix: cleanSourceWith returns an attrset with
    # `outPath` (a filtered `builtins.path`), composable through `origSrc`.
    cleanSourceWith = { src, filter ? _path: _type: true, name ? null }:
      let
        orig = toSourceAttrs src;
        filter' = path: type: filter path type && orig.filter path type;
        name' = if name != null then name else orig.name;
      in
      fromSourceAttrs { inherit (orig) origSrc; filter = filter'; name = name'; };
    toSourceAttrs = src:
      if src._isLibCleanSourceWith or false then src
      else { origSrc = src; filter = _: _: true; name = "source"; };
    fromSourceAttrs = { origSrc, filter, name }: {
      _isLibCleanSourceWith = true;
      inherit origSrc filter name;
      outPath = b.path { inherit filter name; path = origSrc; };
    };
    cleanSourceFilter = name: type:
      let baseName = b.baseNameOf (toString name); in
      !((type == "directory" && (baseName == ".git" || baseName == ".svn" || baseName == "CVS" || baseName == ".hg"))
        || hasSuffix "~" baseName
        || b.match "^\\.sw[a-z]$" baseName != null
        || b.match "^\\..*\\.sw[a-z]$" baseName != null
        || hasSuffix ".o" baseName
        || hasSuffix ".so" baseName
        || (type == "symlink" && hasPrefix "result" baseName)
        || (type == "unknown"));
    cleanSource = src: cleanSourceWith { filter = cleanSourceFilter; inherit src; };
    sourceByRegex = src: regexes:
      let
        isFiltered = src ? _isLibCleanSourceWith;
        origSrc = if isFiltered then src.origSrc else src;
      in
      cleanSourceWith {
        filter = path: _type:
          let relPath = removePrefix (toString origSrc + "/") (toString path); in
          any (re: b.match re relPath != null) regexes;
        inherit src;
      };
    sourceFilesBySuffices = src: exts:
      cleanSourceWith {
        inherit src;
        filter = name: type: type == "directory" || any (ext: hasSuffix ext (toString name)) exts;
      };
    sources = libSelf;

    # ---- file sets ---------------------------------------------------------
    fileset = import ./fileset.nix { lib = libSelf; };

    # ---- misc --------------------------------------------------------------
    licenses = b.listToAttrs (b.map (n: nameValuePair n { shortName = n; spdxId = n; free = n != "unfree"; })
      [ "mit" "asl20" "bsd2" "bsd3" "isc" "mpl20" "gpl2Only" "gpl2Plus" "gpl3Only" "gpl3Plus"
        "lgpl21Only" "lgpl3Only" "agpl3Only" "agpl3Plus" "unlicense" "zlib" "unfree" "free" "cc0" ]);
    maintainers = { };
    platforms = {
      linux = [ "x86_64-linux" "aarch64-linux" ];
      darwin = [ "x86_64-darwin" "aarch64-darwin" ];
      unix = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      all = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    };
    systems = {
      flakeExposed = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    };
    mkDefault = v: { _type = "override"; priority = 1000; content = v; };
    mkForce = v: { _type = "override"; priority = 50; content = v; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkEnableOption = name: { _type = "option"; default = false; description = "Whether to enable ${name}."; };
    mkOption = attrs: attrs // { _type = "option"; };
    mkPackageOption = _pkgs: name: extra: { _type = "option"; description = "The ${name} package to use."; } // extra;
    types = throw "mock nixpkgs: lib.types is not mocked (module options are not evaluated by these tests)";
    version = "26.11-mock";
    trivialVersion = version;
  };
in
libSelf
