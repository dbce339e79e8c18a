"""The release closure on small inline locks: notes nixgen owes the user."""

from __future__ import annotations

from support.projects import bare_app

from nixgen.errors import Position
from nixgen.model import DepOptions, HexDep, MixProject
from nixgen.readers.mix_lock import read_mix_lock_text
from nixgen.resolve.closure import release_closure

H = "0" * 64


def entry(name: str, deps: str = "") -> str:
    return f'  "{name}": {{:hex, :{name}, "1.0.0", "{H}", [:mix], [{deps}], "hexpm", "{H}"}},\n'


def dep(name: str, optional: bool = False) -> str:
    opt = "true" if optional else "false"
    return f'{{:{name}, "~> 1.0", [hex: :{name}, repo: "hexpm", optional: {opt}]}}'


def app(*names: str) -> MixProject:
    deps = tuple(HexDep(n, "~> 1.0", n, None, DepOptions(), Position("mix.exs")) for n in names)
    return bare_app(deps=deps)


LOCK = (
    "%{\n"
    + entry("explorer", dep("rustler_precompiled") + ", " + dep("rustler", True))
    + entry("rustler_precompiled")
    + entry("rustler")
    + entry("jason")
    + "}\n"
)


def test_nif_dependencies_are_named_in_a_note() -> None:
    lock = read_mix_lock_text("mix.lock", LOCK)
    closure = release_closure([app("explorer", "jason")], lock, "prod", lambda e: ())
    assert closure.included == ("explorer", "jason", "rustler_precompiled")
    notes = [n for n in closure.notes if "prebuilt NIF" in n]
    assert notes == [
        "explorer download a prebuilt NIF while compiling (RustlerPrecompiled), which the Nix "
        "sandbox forbids: nix/deps.nix fetches the upstream library pinned by each package's "
        "checksum file and stages it (`nixgen show` lists them); building NIF dependencies "
        "from source is not supported yet (see README, NIF dependencies)"
    ]


def test_no_note_without_nif_dependencies() -> None:
    lock = read_mix_lock_text("mix.lock", LOCK)
    closure = release_closure([app("jason")], lock, "prod", lambda e: ())
    assert closure.notes == ()
