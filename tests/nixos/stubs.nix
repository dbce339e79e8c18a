# The NixOS options nix/module.nix sets, declared with the same types as NixOS declares them, so
# that the generated module can be evaluated with nixpkgs' real lib.evalModules without NixOS
# (U-NIXOS-SYSTEMD-OPTIONS, U-NIXOS-FIREWALL in docs/UPSTREAM.md). Own text, same types:
#
#   NixOS/nixpkgs nixos/lib/systemd-unit-options.nix (unitOption's merge, commonUnitOptions,
#     serviceOptions: environment, path, serviceConfig = addCheck (attrsOf unitOption)
#     checkService with its Type/Restart value checks, script);
#   nixos/lib/systemd-lib.nix (unitNameType);
#   nixos/modules/services/networking/firewall.nix (allowedTCPPorts = listOf port).
#
# What NixOS does with the values (unit files, job scripts, iptables rules) is not modelled.
{ lib, ... }:
let
  inherit (lib) mkOption types;

  unitNameType = types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";

  # Lists of definitions are concatenated (repeatable settings such as ExecStartPre); anything
  # else must be defined once, or equally everywhere.
  unitOption = lib.mkOptionType {
    name = "systemd option";
    merge =
      loc: defs:
      let
        defs' = lib.filterOverrides defs;
      in
      if lib.isList (lib.head defs').value then
        lib.concatMap (
          def:
          if builtins.typeOf def.value == "list" then
            def.value
          else
            throw "The definitions for systemd unit options should be either all lists, representing repeatable options, or all non-lists, but for the option ${lib.showOption loc}, the definitions are a mix of list and non-list ${lib.options.showDefs defs'}"
        ) defs'
      else
        lib.mergeEqualOption loc defs';
  };

  oneOfOrAbsent =
    name: allowed: config:
    !(config ? ${name}) || builtins.elem config.${name} allowed;
  checkService =
    config:
    oneOfOrAbsent "Type" [
      "exec"
      "simple"
      "forking"
      "oneshot"
      "dbus"
      "notify"
      "notify-reload"
      "idle"
    ] config
    && oneOfOrAbsent "Restart" [
      "no"
      "on-success"
      "on-failure"
      "on-abnormal"
      "on-abort"
      "always"
    ] config;

  units = mkOption {
    default = [ ];
    type = types.listOf unitNameType;
  };

  service = {
    options = {
      enable = mkOption {
        default = true;
        type = types.bool;
      };
      description = mkOption {
        default = "";
        type = types.singleLineStr;
      };
      wantedBy = units;
      requiredBy = units;
      wants = units;
      requires = units;
      after = units;
      before = units;
      environment = mkOption {
        default = { };
        type =
          with types;
          attrsOf (
            nullOr (oneOf [
              str
              path
              package
            ])
          );
      };
      path = mkOption {
        default = [ ];
        type =
          with types;
          listOf (oneOf [
            package
            str
          ]);
      };
      unitConfig = mkOption {
        default = { };
        type = types.attrsOf unitOption;
      };
      serviceConfig = mkOption {
        default = { };
        type = types.addCheck (types.attrsOf unitOption) checkService;
      };
      script = mkOption {
        type = types.lines;
        default = "";
      };
    };
  };
in
{
  options = {
    systemd.services = mkOption {
      default = { };
      type = types.attrsOf (types.submodule service);
    };
    networking.firewall.allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = ports: lib.unique (builtins.sort builtins.lessThan ports);
    };
  };
}
