"""Tests for nixgen.readers.cargo: manifests and workspaces, Cargo.lock, config, toolchains."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from support.env import CORPUS

from nixgen.errors import InputError, Position
from nixgen.model import (
    CargoConfig,
    CargoDepSpec,
    CargoLock,
    CargoPackage,
    CargoWorkspace,
    GitSource,
    LockedCrate,
    RegistrySource,
    Toolchain,
)
from nixgen.readers.cargo import RawManifest, RawWorkspace, read_cargo_tree, read_manifest
from nixgen.readers.cargo_lock import read_cargo_config, read_cargo_lock, read_toolchain

CRATES_IO = "https://github.com/rust-lang/crates.io-index"


def _write(root: Path, files: dict[str, str], lib_rs: bool = True) -> list[Path]:
    """Write `files` (dedented) under `root`, each crate with a src/lib.rs unless `lib_rs` is
    false; the Cargo.toml paths, in the given order."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
        if lib_rs and path.name == "Cargo.toml" and "[package]" in text:
            (path.parent / "src").mkdir(exist_ok=True)
            (path.parent / "src" / "lib.rs").touch()
    return [root / name for name in files if name.endswith("Cargo.toml")]


def test_a_package_without_library_target_has_no_crate_types(tmp_path: Path) -> None:
    manifests = _write(
        tmp_path,
        {"fuzz/Cargo.toml": '[package]\nname = "fuzz"\nversion = "0.1.0"\n'},
        lib_rs=False,
    )
    packages, _ = read_cargo_tree(tmp_path, manifests)
    assert packages[0].crate_types == ()
    assert not packages[0].is_dynamic_library


def _tree(
    root: Path, files: dict[str, str]
) -> tuple[tuple[CargoPackage, ...], tuple[CargoWorkspace, ...]]:
    return read_cargo_tree(root, _write(root, files))


def _package(packages: tuple[CargoPackage, ...], name: str) -> CargoPackage:  # one package by name
    (found,) = (p for p in packages if p.name == name)
    return found


# --------------------------------------------------------------------------- Cargo.toml


def test_single_crate_defaults(tmp_path: Path) -> None:
    packages, workspaces = _tree(
        tmp_path,
        {
            "native/my-nif/Cargo.toml": """
                [package]
                name = "my-nif"
                version = "0.1.0"

                [dependencies]
                rustler = "0.30.0"
            """
        },
    )
    assert packages == (
        CargoPackage(
            manifest="native/my-nif/Cargo.toml",
            dir="native/my-nif",
            name="my-nif",
            version="0.1.0",
            lib_name="my_nif",
            crate_types=("lib",),
            rustler=CargoDepSpec(requirement="0.30.0"),
            workspace_root="native/my-nif",
            dependencies=("rustler",),
        ),
    )
    assert workspaces == ()


ROOT_WORKSPACE = {
    "Cargo.toml": """
        [workspace]
        resolver = "2"
        members = ["native/*"]

        [workspace.package]
        version = "0.4.2"

        [workspace.dependencies]
        rustler = { version = "0.36.1", default-features = false }
    """,
    "native/my_nif/Cargo.toml": """
        [package]
        name = "my-nif"
        version.workspace = true
        edition = "2021"

        [lib]
        name = "my_nif_lib"
        crate-type = ["cdylib", "rlib"]

        [dependencies]
        rustler = { workspace = true, features = ["serde"] }

        [features]
        nif_version_2_16 = ["rustler/nif_version_2_16"]
        default = ["nif_version_2_16"]
    """,
    "native/helper/Cargo.toml": """
        [package]
        name = "helper"
        version = "1.0.0"
    """,
}


def test_root_workspace_as_rustler_scaffolds_it(tmp_path: Path) -> None:
    packages, workspaces = _tree(tmp_path, ROOT_WORKSPACE)
    assert packages == (
        CargoPackage(
            manifest="native/helper/Cargo.toml",
            dir="native/helper",
            name="helper",
            version="1.0.0",
            lib_name="helper",
            crate_types=("lib",),
            rustler=None,
            workspace_root=".",
        ),
        CargoPackage(
            manifest="native/my_nif/Cargo.toml",
            dir="native/my_nif",
            name="my-nif",
            version="0.4.2",
            lib_name="my_nif_lib",
            crate_types=("cdylib", "rlib"),
            rustler=CargoDepSpec(requirement="0.36.1", workspace=True),
            workspace_root=".",
            features=("default", "nif_version_2_16"),
        ),
    )
    assert workspaces == (
        CargoWorkspace(
            dir=".",
            manifest="Cargo.toml",
            members=("native/*",),
            exclude=(),
            member_dirs=("native/helper", "native/my_nif"),
        ),
    )
    assert packages[1].is_dynamic_library


def test_members_read_from_disk_when_not_given(tmp_path: Path) -> None:
    _write(tmp_path, ROOT_WORKSPACE)
    packages, workspaces = read_cargo_tree(tmp_path, [tmp_path / "native/my_nif/Cargo.toml"])
    assert [p.dir for p in packages] == ["native/my_nif"]
    assert packages[0].version == "0.4.2"
    assert workspaces[0].member_dirs == ("native/helper", "native/my_nif")


def test_virtual_manifest_is_a_workspace_only(tmp_path: Path) -> None:
    _write(tmp_path, ROOT_WORKSPACE)
    assert read_manifest(tmp_path, tmp_path / "Cargo.toml") == RawManifest(
        manifest="Cargo.toml",
        dir=".",
        package=None,
        workspace=RawWorkspace(
            members=("native/*",),
            exclude=(),
            package_version="0.4.2",
            rustler=CargoDepSpec(requirement="0.36.1"),
        ),
    )
    packages, workspaces = read_cargo_tree(tmp_path, [tmp_path / "Cargo.toml"])
    assert packages == ()
    assert [w.dir for w in workspaces] == ["."]


def test_excluded_nested_workspace_like_ecto_libsql_fuzz(tmp_path: Path) -> None:
    packages, workspaces = _tree(
        tmp_path,
        {
            "Cargo.toml": """
                [workspace]
                members = ["native/ecto_libsql"]
                exclude = ["native/ecto_libsql/fuzz"]
            """,
            "native/ecto_libsql/Cargo.toml": """
                [package]
                name = "ecto_libsql"
                version = "0.9.1"
                [lib]
                crate-type = ["cdylib", "rlib"]
                [dependencies]
                rustler = { version = "0.38", default-features = false }
            """,
            "native/ecto_libsql/fuzz/Cargo.toml": """
                [package]
                name = "ecto_libsql-fuzz"
                version = "0.0.0"
                # Standalone workspace to avoid conflicts with parent workspace
                [workspace]
                [dependencies.ecto_libsql]
                path = ".."
            """,
        },
    )
    roots = {p.name: p.workspace_root for p in packages}
    assert roots == {"ecto_libsql": ".", "ecto_libsql-fuzz": "native/ecto_libsql/fuzz"}
    assert _package(packages, "ecto_libsql-fuzz").lib_name == "ecto_libsql_fuzz"
    assert workspaces == (
        CargoWorkspace(
            ".",
            "Cargo.toml",
            ("native/ecto_libsql",),
            ("native/ecto_libsql/fuzz",),
            ("native/ecto_libsql",),
        ),
        CargoWorkspace(
            "native/ecto_libsql/fuzz",
            "native/ecto_libsql/fuzz/Cargo.toml",
            (),
            (),
            ("native/ecto_libsql/fuzz",),
        ),
    )


def test_excluded_dir_matched_by_glob_is_its_own_root(tmp_path: Path) -> None:
    packages, workspaces = _tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/skip"]\n',
            "crates/a/Cargo.toml": '[package]\nname = "a"\nversion = "1.0.0"\n',
            "crates/skip/Cargo.toml": '[package]\nname = "skip"\nversion = "1.0.0"\n',
            "crates/a/nested/Cargo.toml": '[package]\nname = "nested"\nversion = "1.0.0"\n',
        },
    )
    roots = {p.name: p.workspace_root for p in packages}
    # `*` matches one path component only, as in Cargo: crates/a/nested is not listed.
    assert roots == {"a": ".", "skip": "crates/skip", "nested": "crates/a/nested"}
    assert workspaces[0].member_dirs == ("crates/a",)


def test_path_dependencies_inside_the_workspace_are_members(tmp_path: Path) -> None:
    packages, workspaces = _tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["native/nif"]\n',
            "native/nif/Cargo.toml": """
                [package]
                name = "nif"
                version = "0.1.0"
                [dependencies]
                util = { path = "../shared/util" }
                [target.'cfg(unix)'.dev-dependencies]
                testing = { path = "../shared/testing" }
            """,
            "native/shared/util/Cargo.toml": '[package]\nname = "util"\nversion = "0.1.0"\n',
            "native/shared/testing/Cargo.toml": '[package]\nname = "testing"\nversion = "0.1.0"\n',
            "native/shared/lonely/Cargo.toml": '[package]\nname = "lonely"\nversion = "0.1.0"\n',
        },
    )
    roots = {p.name: p.workspace_root for p in packages}
    assert roots == {"nif": ".", "util": ".", "testing": ".", "lonely": "native/shared/lonely"}
    assert workspaces[0].member_dirs == (
        "native/nif",
        "native/shared/testing",
        "native/shared/util",
    )


def test_root_package_with_workspace_and_explicit_pointer(tmp_path: Path) -> None:
    packages, workspaces = _tree(
        tmp_path,
        {
            "rust/Cargo.toml": """
                [package]
                name = "app"
                version = "2.0.0"
                [workspace]
                [workspace.package]
                version = "9.9.9"
            """,
            "native/far/Cargo.toml": """
                [package]
                name = "far"
                version.workspace = true
                workspace = "../../rust"
            """,
        },
    )
    assert {p.name: (p.workspace_root, p.version) for p in packages} == {
        "app": ("rust", "2.0.0"),
        "far": ("rust", "9.9.9"),
    }
    assert workspaces == (CargoWorkspace("rust", "rust/Cargo.toml", (), (), ("rust",)),)


def test_unlisted_package_under_a_workspace_is_its_own_root(tmp_path: Path) -> None:
    packages, _ = _tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["tools"]\n',
            "tools/Cargo.toml": '[package]\nname = "tools"\nversion = "0.1.0"\n',
            "native/nif/Cargo.toml": """
                [package]
                name = "nif"
                version.workspace = true
            """,
        },
    )
    nif = _package(packages, "nif")
    assert (nif.workspace_root, nif.version) == ("native/nif", None)


def test_rustler_workspace_path_is_rebased_onto_the_member(tmp_path: Path) -> None:
    packages, _ = _tree(
        tmp_path,
        {
            "Cargo.toml": """
                [workspace]
                members = ["native/nif"]
                [workspace.dependencies]
                rustler = { path = "vendor/rustler" }
            """,
            "native/nif/Cargo.toml": """
                [package]
                name = "nif"
                version = "0.1.0"
                [dependencies]
                rustler.workspace = true
            """,
        },
    )
    assert packages[0].rustler == CargoDepSpec(path="../../vendor/rustler", workspace=True)


def test_rustler_workspace_without_workspace_entry_stays_unresolved(tmp_path: Path) -> None:
    packages, _ = _tree(
        tmp_path,
        {
            "Cargo.toml": '[workspace]\nmembers = ["nif"]\n',
            "nif/Cargo.toml": """
                [package]
                name = "nif"
                version = "0.1.0"
                [dependencies]
                rustler = { workspace = true }
            """,
        },
    )
    assert packages[0].rustler == CargoDepSpec(workspace=True)


@pytest.mark.parametrize(
    ("dependencies", "expected"),
    [
        ('rustler = "0.37"', CargoDepSpec(requirement="0.37")),
        (
            'rustler = { git = "https://github.com/rusterlium/rustler", branch = "master" }',
            CargoDepSpec(git="https://github.com/rusterlium/rustler"),
        ),
        ('rustler = { path = "../../../rustler" }', CargoDepSpec(path="../../../rustler")),
        ('nif = { package = "rustler", version = "0.29" }', CargoDepSpec(requirement="0.29")),
        ('rustler = { package = "not-rustler", version = "1" }', None),
        ('[dependencies.rustler]\nversion = "0.33.0"', CargoDepSpec(requirement="0.33.0")),
    ],
)
def test_rustler_dependency_forms(
    tmp_path: Path, dependencies: str, expected: CargoDepSpec | None
) -> None:
    text = f'[package]\nname = "nif"\nversion = "0.1.0"\n[dependencies]\n{dependencies}\n'
    packages, _ = _tree(tmp_path, {"Cargo.toml": text})
    assert packages[0].rustler == expected


def test_missing_version_means_0_0_0(tmp_path: Path) -> None:
    packages, _ = _tree(tmp_path, {"Cargo.toml": '[package]\nname = "nif"\n'})
    assert packages[0].version == "0.0.0"


def test_manifest_without_package_or_workspace(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _tree(tmp_path, {"native/x/Cargo.toml": "[dependencies]\n"})
    assert str(info.value) == (
        "native/x/Cargo.toml: neither [package] nor [workspace] in this Cargo.toml\n"
        "  hint: add the missing table, or remove the file if it is not a crate"
    )


def test_crate_type_must_be_a_list(tmp_path: Path) -> None:
    text = '[package]\nname = "nif"\n[lib]\ncrate-type = "cdylib"\n'
    with pytest.raises(InputError) as info:
        _tree(tmp_path, {"Cargo.toml": text})
    assert info.value.message == "`lib.crate-type` must be an array of strings"
    assert info.value.where == Position("Cargo.toml")


def test_invalid_manifest_toml_has_position(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _tree(tmp_path, {"native/x/Cargo.toml": '[package]\nname = "x"\nversion = 0.1.0\n'})
    # tomlkit reports a bad number where it stops reading it: the end of the line.
    assert str(info.value) == (
        "native/x/Cargo.toml:3:16: invalid TOML: Invalid number\n"
        "  hint: fix the syntax at line 3, column 16, then run nixgen again"
    )


def test_binary_manifest(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_bytes(b"[package]\n\x00\x01")
    with pytest.raises(InputError) as info:
        read_cargo_tree(tmp_path, [tmp_path / "Cargo.toml"])
    assert info.value.where == Position("Cargo.toml", 2, 1)


def test_bom_and_crlf_manifest(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_bytes(
        b'\xef\xbb\xbf[package]\r\nname = "nif"\r\nversion = "0.1.0"\r\n'
    )
    packages, _ = read_cargo_tree(tmp_path, [tmp_path / "Cargo.toml"])
    assert (packages[0].name, packages[0].dir, packages[0].manifest) == ("nif", ".", "Cargo.toml")


# --------------------------------------------------------------------------- Cargo.lock


def _lock(tmp_path: Path, text: str) -> CargoLock:
    path = tmp_path / "native" / "nif" / "Cargo.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"))
    return read_cargo_lock(tmp_path, path)


def test_lock_v1_checksums_in_metadata(tmp_path: Path) -> None:
    lock = _lock(
        tmp_path,
        f"""
        [[package]]
        name = "nif"
        version = "0.1.0"
        dependencies = [
         "libc 0.2.62 (registry+{CRATES_IO})",
        ]

        [[package]]
        name = "libc"
        version = "0.2.62"
        source = "registry+{CRATES_IO}"

        [[package]]
        name = "rustler"
        version = "0.21.0"
        source = "git+https://github.com/rusterlium/rustler#abc123"

        [metadata]
        "checksum libc 0.2.62 (registry+{CRATES_IO})" = "34fc"
        "checksum rustler 0.21.0 (git+https://github.com/rusterlium/rustler#abc123)" = "<none>"
        """,
    )
    assert lock == CargoLock(
        "native/nif/Cargo.lock",
        1,
        (
            LockedCrate("libc", "0.2.62", RegistrySource(CRATES_IO), "34fc"),
            LockedCrate("nif", "0.1.0", None, None),
            LockedCrate(
                "rustler",
                "0.21.0",
                GitSource("https://github.com/rusterlium/rustler", "abc123", ()),
                None,
            ),
        ),
    )


def test_lock_v2_has_no_version_key(tmp_path: Path) -> None:
    lock = _lock(
        tmp_path,
        f"""
        # This file is automatically @generated by Cargo.
        [[package]]
        name = "rand"
        version = "0.7.3"
        source = "registry+{CRATES_IO}"
        checksum = "6a6b"
        """,
    )
    assert lock.version == 2
    assert lock.packages == (LockedCrate("rand", "0.7.3", RegistrySource(CRATES_IO), "6a6b"),)


def test_lock_v3_sorted_by_name_and_version(tmp_path: Path) -> None:
    lock = _lock(
        tmp_path,
        f"""
        version = 3

        [[package]]
        name = "syn"
        version = "2.0.0"
        source = "registry+{CRATES_IO}"
        checksum = "bb"

        [[package]]
        name = "syn"
        version = "1.0.109"
        source = "registry+{CRATES_IO}"
        checksum = "aa"

        [[package]]
        name = "nif"
        version = "0.1.0"
        """,
    )
    assert lock.version == 3
    assert [(p.name, p.version) for p in lock.packages] == [
        ("nif", "0.1.0"),
        ("syn", "1.0.109"),
        ("syn", "2.0.0"),
    ]
    assert lock.find("syn")[0].checksum == "aa"


def test_lock_v4_git_queries_and_sparse_registry(tmp_path: Path) -> None:
    lock = _lock(
        tmp_path,
        """
        version = 4

        [[package]]
        name = "virt"
        version = "0.3.0"
        source = "git+https://gitlab.com/libvirt/libvirt-rust.git?branch=feature%2Fx#65a463e"

        [[package]]
        name = "bincode"
        version = "2.0.0-rc.2"
        source = "git+https://github.com/bincode-org/bincode.git?tag=v2.0.0-rc.2#6c219e9"

        [[package]]
        name = "cairo-vm"
        version = "1.0.0"
        source = "git+https://github.com/lambdaclass/cairo-vm.git?rev=4b17118#4b17118b56"

        [[package]]
        name = "serde"
        version = "1.0.0"
        source = "sparse+https://index.crates.io/"
        checksum = "cc"
        """,
    )
    assert lock.version == 4
    assert [p.source for p in lock.packages] == [
        GitSource(
            "https://github.com/bincode-org/bincode.git", "6c219e9", (("tag", "v2.0.0-rc.2"),)
        ),
        GitSource(
            "https://github.com/lambdaclass/cairo-vm.git", "4b17118b56", (("rev", "4b17118"),)
        ),
        RegistrySource("sparse+https://index.crates.io/"),
        GitSource(
            "https://gitlab.com/libvirt/libvirt-rust.git", "65a463e", (("branch", "feature/x"),)
        ),
    ]


def test_lock_git_query_pairs_are_sorted(tmp_path: Path) -> None:
    lock = _lock(
        tmp_path,
        """
        version = 3
        [[package]]
        name = "x"
        version = "1.0.0"
        source = "git+ssh://git@example.com/x.git?tag=v1&branch=main#deadbeef"
        """,
    )
    assert lock.packages[0].source == GitSource(
        "ssh://git@example.com/x.git", "deadbeef", (("branch", "main"), ("tag", "v1"))
    )


def test_lock_unknown_source_names_line_and_column(tmp_path: Path) -> None:
    text = f"""
        version = 3

        [[package]]
        name = "vendored"
        version = "1.0.0"
        source = "registry+{CRATES_IO}"

        [[package]]
        name = "vendored"
        version = "2.0.0"
        source = "local-registry+file:///opt/vendor"
        """
    with pytest.raises(InputError) as info:
        _lock(tmp_path, text)
    assert str(info.value) == (
        'native/nif/Cargo.lock:11:1: crate "vendored" 2.0.0 has an unsupported source '
        '"local-registry+file:///opt/vendor"\n'
        "  hint: nixgen reads registry+, sparse+ and git+ sources and path crates; "
        "point vendored at one of those and run `cargo update -p vendored`"
    )


def test_lock_git_source_without_commit(tmp_path: Path) -> None:
    text = """
        version = 3
        [[package]]
        name = "x"
        version = "1.0.0"
          source = "git+https://example.com/x.git?branch=main"
        """
    with pytest.raises(InputError) as info:
        _lock(tmp_path, text)
    assert info.value.where == Position("native/nif/Cargo.lock", 5, 3)
    assert info.value.message == 'git source of crate "x" has no locked commit'


def test_lock_unsupported_version(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _lock(tmp_path, "version = 5\n")
    assert info.value.message == "unsupported Cargo.lock version 5"


def test_lock_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _lock(tmp_path, '[[package]]\nname = "x"\nversion = "1"\nsource = registry\n')
    assert info.value.where is not None
    assert (info.value.where.line, info.value.where.col) == (4, 10)


# --------------------------------------------------------------------------- .cargo/config


def _config(tmp_path: Path, text: str, name: str = "config.toml") -> CargoConfig:
    path = tmp_path / ".cargo" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text).lstrip("\n"))
    return read_cargo_config(tmp_path, path)


def test_config_flags_linkers_and_target(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        """
        [build]
        rustflags = "-C  target-cpu=native\t--cfg foo"
        target = "x86_64-unknown-linux-musl"

        [target.'cfg(target_os = "macos")']
        rustflags = ["-C", "link-arg=-undefined", "-C", "link-arg=dynamic_lookup"]

        [target.x86_64-unknown-linux-musl]
        rustflags = ["-C", "target-feature=-crt-static"]
        linker = "musl-gcc"

        [target.arm-unknown-linux-gnueabihf]
        linker = "arm-linux-gnueabihf-gcc"

        [profile.release]
        lto = true
        """,
    )
    assert config == CargoConfig(
        path=".cargo/config.toml",
        build_rustflags=("-C", "target-cpu=native", "--cfg", "foo"),
        target_rustflags=(
            (
                'cfg(target_os = "macos")',
                ("-C", "link-arg=-undefined", "-C", "link-arg=dynamic_lookup"),
            ),
            ("x86_64-unknown-linux-musl", ("-C", "target-feature=-crt-static")),
        ),
        target_linkers=(
            ("arm-unknown-linux-gnueabihf", "arm-linux-gnueabihf-gcc"),
            ("x86_64-unknown-linux-musl", "musl-gcc"),
        ),
        build_target="x86_64-unknown-linux-musl",
    )


def test_config_legacy_name_array_target_and_empty(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[build]\nrustflags = []\ntarget = ["aarch64-apple-darwin", "x86_64-apple-darwin"]\n',
        name="config",
    )
    assert config == CargoConfig(".cargo/config", (), (), (), "aarch64-apple-darwin")
    assert _config(tmp_path, 'paths = ["./a"]\n') == CargoConfig(".cargo/config.toml", None, ())


def test_config_bad_rustflags(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        _config(tmp_path, "[target.x86_64-unknown-linux-gnu]\nrustflags = [1]\n")
    assert info.value.message == (
        "`target.x86_64-unknown-linux-gnu.rustflags` must be an array of strings"
    )


# --------------------------------------------------------------------------- rust-toolchain


def test_toolchain_toml(tmp_path: Path) -> None:
    path = tmp_path / "rust-toolchain.toml"
    path.write_text(
        '[toolchain]\nchannel = "1.76.0"\ncomponents = ["rustfmt", "clippy"]\n'
        'targets = ["x86_64-unknown-linux-musl"]\nprofile = "minimal"\n'
    )
    assert read_toolchain(tmp_path, path) == Toolchain(
        "rust-toolchain.toml",
        "1.76.0",
        ("rustfmt", "clippy"),
        ("x86_64-unknown-linux-musl",),
        "minimal",
    )


def test_legacy_toolchain_single_line_and_toml(tmp_path: Path) -> None:
    path = tmp_path / "native" / "rust-toolchain"
    path.parent.mkdir()
    path.write_text("nightly-2023-01-01\n")
    assert read_toolchain(tmp_path, path) == Toolchain(
        "native/rust-toolchain", "nightly-2023-01-01"
    )
    path.write_text('[toolchain]\nchannel = "stable"\n')
    assert read_toolchain(tmp_path, path) == Toolchain("native/rust-toolchain", "stable")


def test_legacy_toolchain_empty(tmp_path: Path) -> None:
    path = tmp_path / "rust-toolchain"
    path.write_text("\n")
    with pytest.raises(InputError, match="empty rust-toolchain file"):
        read_toolchain(tmp_path, path)


def test_toolchain_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "native" / "nif" / "rust-toolchain.toml"
    target.parent.mkdir(parents=True)
    target.write_text('[toolchain]\nchannel = "nightly-2025-10-24"\n')
    link = tmp_path / "rust-toolchain.toml"
    link.symlink_to("native/nif/rust-toolchain.toml")
    assert read_toolchain(tmp_path, link) == Toolchain("rust-toolchain.toml", "nightly-2025-10-24")


def test_toolchain_git_symlink_stored_as_text(tmp_path: Path) -> None:
    target = tmp_path / "native" / "nif" / "rust-toolchain.toml"
    target.parent.mkdir(parents=True)
    target.write_text('[toolchain]\nchannel = "1.80.0"\n')
    stub = tmp_path / "rust-toolchain.toml"
    stub.write_text("native/nif/rust-toolchain.toml")  # git writes no final newline
    assert read_toolchain(tmp_path, stub) == Toolchain("rust-toolchain.toml", "1.80.0")


def test_toolchain_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "rust-toolchain.toml"
    path.write_text("[toolchain]\nchannel = stable\n")
    with pytest.raises(InputError) as info:
        read_toolchain(tmp_path, path)
    assert info.value.where == Position("rust-toolchain.toml", 2, 11)


# --------------------------------------------------------------------------- corpus

SKIPPED_DIRS = {"deps", "_build", "target", "node_modules", ".git"}


def _corpus_files(project: Path) -> list[Path]:
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(project).parts)
    )


def _is_config(path: Path) -> bool:
    return path.parent.name == ".cargo" and path.name in ("config", "config.toml")


@pytest.mark.corpus
def test_corpus_reads_every_cargo_file() -> None:
    seen = 0
    for project in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        files = _corpus_files(project)
        read_cargo_tree(project, [f for f in files if f.name == "Cargo.toml"])
        for path in files:
            if path.name == "Cargo.lock":
                read_cargo_lock(project, path)
            elif _is_config(path):
                read_cargo_config(project, path)
            elif path.name in ("rust-toolchain", "rust-toolchain.toml"):
                read_toolchain(project, path)
            else:
                continue
            seen += 1
    assert seen > 40


def _corpus_tree(
    name: str,
) -> tuple[tuple[CargoPackage, ...], tuple[CargoWorkspace, ...]]:
    project = CORPUS / name
    return read_cargo_tree(project, [f for f in _corpus_files(project) if f.name == "Cargo.toml"])


@pytest.mark.corpus
def test_corpus_facts() -> None:
    packages, workspaces = _corpus_tree("ocean__ecto_libsql")
    root = next(w for w in workspaces if w.dir == ".")
    assert (root.members, root.member_dirs) == (("native/ecto_libsql",), ("native/ecto_libsql",))
    fuzz = _package(packages, "ecto_libsql-fuzz")
    assert fuzz.workspace_root == "native/ecto_libsql/fuzz"
    assert _package(packages, "ecto_libsql").crate_types == ("cdylib", "rlib")

    packages, workspaces = _corpus_tree("rusterlium__rustler")
    compile_tests = _package(packages, "rustler_compile_tests")
    assert (compile_tests.lib_name, compile_tests.workspace_root) == ("rustler_compile_test", ".")
    assert compile_tests.rustler == CargoDepSpec(path="../../../rustler")
    assert len(workspaces[0].member_dirs) == 11

    engine = "supernintendo__rustler_live_view_toy/native/rustler_live_view_toy_engine"
    lock = read_cargo_lock(CORPUS / engine, CORPUS / engine / "Cargo.lock")
    assert lock.version == 1
    assert len(lock.packages) >= 124
    assert sum(p.checksum is not None for p in lock.packages) == 124

    delta = CORPUS / "delta1__rustler-demo-app"
    lock = read_cargo_lock(delta, delta / "native/mynif/Cargo.lock")
    assert lock.version == 2
    (rustler,) = lock.find("rustler")
    assert rustler.source == GitSource(
        "https://github.com/rusterlium/rustler",
        "e343b8cacdea36889015f43da629a2ea8e337718",
        (("rev", "e343b8ca"),),
    )

    explorer = CORPUS / "elixir-explorer__explorer"
    # The corpus stores this git symlink as a text file naming its target.
    assert read_toolchain(explorer, explorer / "rust-toolchain.toml") == Toolchain(
        "rust-toolchain.toml", "nightly-2025-10-24", ("rustfmt", "clippy"), (), "minimal"
    )
