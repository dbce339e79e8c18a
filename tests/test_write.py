"""Writing the generated files: headers, hand edits, all-or-nothing commits, modes, leftovers
and symlinks."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.projects import copy_fixture, init

from nixgen import __version__, write
from nixgen.cli import main
from nixgen.write import inspect, with_header

GENERATED = ("flake.nix", "nix/deps.nix", "nix/nifs.nix", "nix/release.nix")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def tree(root: Path) -> dict[str, object]:
    """Every directory, file (bytes and mode) and symlink (its target) under root."""
    found: dict[str, object] = {}
    for current, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(current, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "dir"
            else:
                found[key] = (path.read_bytes(), path.stat().st_mode)
    return found


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """fixtures/single_crate, not yet initialised (it has a config/config.exs)."""
    return copy_fixture("single_crate", tmp_path)


@pytest.fixture
def project(fresh: Path) -> Path:
    """fixtures/single_crate after `nixgen init`."""
    init(fresh)
    return fresh


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def edit_by_hand(root: Path, path: str = "nix/deps.nix") -> str:
    target = root / path
    text = target.read_text().replace('"toml"', '"tomll"')
    target.write_text(text)
    return text


def bump_toml(root: Path) -> None:
    """An input change: every generated file that lists deps is out of date."""
    lock = root / "mix.lock"
    text = lock.read_text()
    assert text.count(':toml, "0.7.0"') == 1
    lock.write_text(text.replace(':toml, "0.7.0"', ':toml, "0.7.1"'))


# --------------------------------------------------------------------------- 5: hand edits


def test_check_names_the_hand_edited_file_and_what_update_will_do(project: Path) -> None:
    edit_by_hand(project)
    result = run("check", project)
    assert result.exit_code == 1, result.output
    assert "nix/deps.nix was edited by hand since nixgen wrote it" in result.stderr
    assert "`nixgen update` refuses to overwrite it" in result.stderr
    assert "--force" in result.stderr and "nix/deps.nix.orig" in result.stderr


def test_update_dry_run_says_the_edited_file_would_be_refused(project: Path) -> None:
    edit_by_hand(project)
    before = tree(project)
    result = run("update", "--dry-run", project)
    assert result.exit_code == 0, result.output
    assert "nix/deps.nix was edited by hand since nixgen wrote it" in result.stderr
    assert "refuses to overwrite it" in result.stderr
    forced = run("update", "--dry-run", "--force", project)
    assert "--force overwrites it and keeps your version in nix/deps.nix.orig" in forced.stderr
    assert tree(project) == before


def test_init_dry_run_says_a_foreign_flake_would_be_refused(fresh: Path) -> None:
    (fresh / "flake.nix").write_text("{ outputs = _: { }; }\n")
    result = run("init", "--dry-run", fresh)
    assert result.exit_code == 0, result.output
    assert "flake.nix was not written by nixgen" in result.stderr
    assert "refuses to overwrite it" in result.stderr


def test_force_keeps_an_orig_copy_of_what_it_overwrites(project: Path) -> None:
    edited = edit_by_hand(project)
    result = run("update", "--force", project)
    assert result.exit_code == 0, result.output
    assert (project / "nix/deps.nix.orig").read_text() == edited
    assert inspect((project / "nix/deps.nix").read_text()).state == "generated"
    assert "kept your version in nix/deps.nix.orig" in result.stdout


def test_init_force_keeps_a_foreign_flake(fresh: Path) -> None:
    (fresh / "flake.nix").write_text("{ outputs = _: { }; }  # mine\n")
    result = run("init", "--force", fresh)
    assert result.exit_code == 0, result.output
    assert (fresh / "flake.nix.orig").read_text() == "{ outputs = _: { }; }  # mine\n"


def test_a_generated_file_with_crlf_line_ends_is_still_generated(project: Path) -> None:
    deps = project / "nix/deps.nix"
    text = deps.read_text()
    assert inspect(text.replace("\n", "\r\n")).state == "generated"
    deps.write_bytes(text.replace("\n", "\r\n").encode())
    checked = run("check", project)
    assert checked.exit_code == 1
    assert "nix/deps.nix has CRLF line ends" in checked.stderr
    assert "edited by hand" not in checked.stderr
    assert checked.stdout.count("\n-") == 0  # no whole-file diff for line ends
    updated = run("update", project)
    assert updated.exit_code == 0, updated.output
    assert deps.read_bytes() == text.encode()


# --------------------------------------------------------------------------- 6: versions


def test_the_header_names_the_nixgen_version() -> None:
    text = with_header("{ }\n", "nixgen update")
    assert text.startswith(f"# Generated by nixgen {__version__}. Do not edit")
    assert inspect(text).version == __version__
    assert inspect(text).state == "generated"


def set_header_version(root: Path, old: str) -> None:
    for path in GENERATED:
        target = root / path
        text = target.read_text()
        target.write_text(text.replace(f"nixgen {__version__}.", old, 1))


def test_check_by_another_nixgen_version_says_so(project: Path) -> None:
    set_header_version(project, "nixgen 0.0.1.")
    result = run("check", project)
    assert result.exit_code == 1
    assert (
        f"nix/deps.nix was generated by nixgen 0.0.1, this is {__version__}: "
        "run `nixgen update`" in result.stderr
    )
    assert run("update", project).exit_code == 0
    assert run("check", project).exit_code == 0


def test_a_header_without_version_is_from_an_older_nixgen(project: Path) -> None:
    set_header_version(project, "nixgen.")
    assert inspect((project / "flake.nix").read_text()).state == "generated"
    result = run("check", project)
    assert "flake.nix was generated by an older nixgen" in result.stderr


# --------------------------------------------------------------------------- 7: all or nothing


def make_trap(root: Path, trap: str) -> str:
    """Put `trap` in the way of a write; the path the error must name."""
    if trap == "directory at nix/deps.nix":
        (root / "nix/deps.nix").mkdir(parents=True)
        return "nix/deps.nix"
    if trap == "nix is a file":
        (root / "nix").write_text("not a directory\n")
        return "nix"
    if trap == "directory at config/config.exs":
        (root / "config/config.exs").unlink()
        (root / "config/config.exs").mkdir()
        return "config/config.exs"
    raise AssertionError(trap)


@pytest.mark.parametrize(
    "trap", ["directory at nix/deps.nix", "nix is a file", "directory at config/config.exs"]
)
@pytest.mark.parametrize("command", [["init"], ["init", "--dry-run"]])
def test_a_trap_on_any_target_is_exit_2_and_nothing_changes(
    fresh: Path, trap: str, command: list[str]
) -> None:
    where = make_trap(fresh, trap)
    before = tree(fresh)
    result = run(*command, fresh)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"nixgen: {where}: "), result.stderr
    assert tree(fresh) == before


def test_an_unreadable_generated_file_is_exit_2(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("nix/nifs.nix"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(write, "open", refusing_open, raising=False)
    result = run("update", project)
    assert result.exit_code == 2, result.output
    assert "nixgen: nix/nifs.nix: cannot read: Permission denied" in result.stderr


def test_a_failed_write_rolls_back_every_file(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only config/ (simulated: root ignores modes): the last rename fails after flake.nix
    and nix/* were written; they are put back as they were."""
    (fresh / "flake.nix").write_text(with_header("{ }\n", "nixgen update"))
    before = tree(fresh)
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        if str(dst).endswith("config/config.exs"):
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = run("init", fresh)
    assert result.exit_code == 2, result.output
    assert "nixgen: config/config.exs: cannot write: Permission denied" in result.stderr
    assert tree(fresh) == before


# --------------------------------------------------------------------------- 8: modes


def test_new_files_get_the_umask_mode_and_existing_ones_keep_theirs(
    fresh: Path, umask_022: None
) -> None:
    config = fresh / "config/config.exs"
    config.chmod(0o640)
    assert run("init", fresh).exit_code == 0
    for path in [*GENERATED, "nix/overrides.nix", "nixgen.toml"]:
        assert (fresh / path).stat().st_mode & 0o777 == 0o644, path
    assert config.stat().st_mode & 0o777 == 0o640
    (fresh / "nix/deps.nix").chmod(0o664)
    bump_toml(fresh)
    assert run("update", fresh).exit_code == 0
    assert (fresh / "nix/deps.nix").stat().st_mode & 0o777 == 0o664


# --------------------------------------------------------------------------- 9: leftovers


def test_leftover_temporary_files_are_removed_by_the_next_run(project: Path) -> None:
    leftovers = [project / "nix/.deps.nix.k3j_x9qa.tmp", project / ".flake.nix.abcdefgh.tmp"]
    for leftover in leftovers:
        leftover.write_text("half\n")
    stage = project / ".nixgen-tmp-999999999-abcd"  # its process is gone
    stage.mkdir()
    (stage / "0").write_text("half\n")
    mine = project / "nix/.notes.tmp"  # not one of nixgen's
    mine.write_text("keep\n")
    assert run("update", project).exit_code == 0
    assert not any(p.exists() for p in [*leftovers, stage])
    assert mine.exists()


def test_temporary_files_are_never_inside_nix(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed between writing and renaming leaves its files where git does not see them."""
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)

    def killed(src: str, dst: str) -> None:
        assert "/nix/" not in str(src)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(shutil, "rmtree", lambda *a, **k: None)  # no clean-up: a kill
    bump_toml(project)
    with pytest.raises(KeyboardInterrupt):
        init(project)
    assert sorted(p.name for p in (project / "nix").iterdir()) == [
        "deps.nix",
        "module-test.nix",
        "module.nix",
        "nifs.nix",
        "overrides.nix",
        "release.nix",
    ]
    assert [p.name[:12] for p in project.glob(".nixgen-tmp-*")] == [".nixgen-tmp-"]  # the kill's
    added = subprocess.run(
        [*git, "add", "--dry-run", "nix/", "."], check=True, capture_output=True, text=True
    ).stdout
    assert ".tmp" not in added and "nixgen-tmp" not in added, added
    assert added.splitlines() == ["add 'mix.lock'"]


# --------------------------------------------------------------------------- 10: symlinks


SECRET = "SECRET-4c1d"


@pytest.mark.parametrize(
    ("link", "refused"),
    [
        ("flake.nix", "flake.nix"),
        ("nix/deps.nix", "nix/deps.nix"),
        ("nix", "nix"),
        ("config/config.exs", "config/config.exs"),
    ],
)
@pytest.mark.parametrize("command", [["init"], ["init", "--dry-run"], ["check"]])
def test_a_generated_path_that_is_a_symlink_is_refused(
    project: Path, link: str, refused: str, command: list[str]
) -> None:
    """A link inside the project, to a file holding a secret: never followed nor printed."""
    target = project / "elsewhere"
    (project / link).rename(target)
    if target.is_file():
        target.write_text(target.read_text() + f"# {SECRET}\n")
    else:
        (target / "deps.nix").write_text(f"# {SECRET}\n")
    (project / link).symlink_to(target)
    bump_toml(project)
    before = tree(project)
    result = run(*command, project)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"nixgen: {refused}: is a symbolic link"), result.stderr
    assert SECRET not in result.output and "elsewhere" not in result.output
    assert tree(project) == before


def _plan(root: Path, new: str) -> write.Change:
    return write.plan_changes(root, {"nix/deps.nix": new}, {}, {}, force=False)[0]


def test_an_unchanged_file_is_compared_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory: a generated file found byte for byte as nixgen would write it is compared a
    block at a time (blocks of 1 MiB; this one spans three), never read as a text beside the new
    one; anything else is read and inspected as before."""
    body = "".join(f"  # dep {i} é\n  dep_{i} = {{ }};\n" for i in range(80_000)) + "}\n"
    new = with_header("{\n" + body, "nixgen update")
    assert len(new.encode()) > 2 << 20
    (tmp_path / "nix").mkdir()
    target = tmp_path / "nix" / "deps.nix"
    target.write_text(new, encoding="utf-8")
    read = write.read_existing
    monkeypatch.setattr(write, "read_existing", lambda *a: pytest.fail("read whole"))
    change = _plan(tmp_path, new)
    assert (change.action, change.owner) == ("unchanged", inspect(new))
    assert change.old is change.new is new
    monkeypatch.setattr(write, "read_existing", read)
    for on_disk in (
        new,
        new.replace("\n", "\r\n"),  # line ends changed
        new[:-1],  # cut short (by a newline: the same but for layout)
        new[:-2],  # cut short
        new + "\n",  # longer
        new.replace("dep_79999", "dep_79998"),  # a byte differs in the last block
    ):
        target.write_bytes(on_disk.encode())
        fast = _plan(tmp_path, new)
        with monkeypatch.context() as patch:
            patch.setattr(write, "_holds_exactly", lambda *a: False)
            assert fast == _plan(tmp_path, new)  # what reading the file whole finds
        assert fast.old == on_disk
