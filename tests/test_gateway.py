"""The subprocess gateway: output, errors with exit code and stderr tail, missing programs."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from support.fakes import Call, FakeRunner

from nixgen.errors import ToolError
from nixgen.fetch.gateway import SubprocessRunner, stderr_tail, which


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_returns_stdout() -> None:
    assert SubprocessRunner().run(python("print('hi')")) == "hi\n"


def test_runs_in_cwd_and_passes_input(tmp_path: Path) -> None:
    code = "import os, sys; print(os.getcwd(), sys.stdin.read())"
    assert SubprocessRunner().run(python(code), cwd=tmp_path, input="data") == f"{tmp_path} data\n"


def test_stdin_is_empty_without_input() -> None:
    assert SubprocessRunner().run(python("import sys; print(repr(sys.stdin.read()))")) == "''\n"


def test_environment_is_non_interactive_and_extendable() -> None:
    code = "import os; print(os.environ['GIT_TERMINAL_PROMPT'], os.environ['NIXGEN_X'])"
    assert SubprocessRunner(env={"NIXGEN_X": "1"}).run(python(code)) == "0 1\n"


def test_failure_reports_command_exit_code_and_stderr_tail() -> None:
    code = "import sys\nfor i in range(30): print(f'line {i}', file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(ToolError) as caught:
        SubprocessRunner().run(python(code))
    message = str(caught.value)
    assert "failed with exit code 3" in message
    assert sys.executable in message
    assert "line 29" in message and "line 10" in message
    assert "line 9\n" not in message


def test_missing_program_has_a_hint() -> None:
    with pytest.raises(ToolError) as caught:
        SubprocessRunner().run(["nixgen-no-such-program", "--version"])
    assert "`nixgen-no-such-program` is not installed" in str(caught.value)
    assert caught.value.hint is not None and "PATH" in caught.value.hint


def test_missing_cwd_is_not_mistaken_for_a_missing_program(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        SubprocessRunner().run(python("pass"), cwd=tmp_path / "absent")


def test_timeout_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="did not finish"):
        SubprocessRunner(timeout=0.2).run(python("import time; time.sleep(5)"))


def test_command_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="nixgen.fetch.gateway"):
        SubprocessRunner().run(python("pass"))
    assert any("-c pass" in record.getMessage() for record in caplog.records)


def test_which() -> None:
    assert which("sh")
    assert not which("nixgen-no-such-program")


def test_stderr_tail_skips_blank_lines() -> None:
    assert stderr_tail("a\n\n  \nb\nc\n", lines=2) == "b\nc"


def test_fake_runner_answers_by_longest_prefix_and_records_calls(tmp_path: Path) -> None:
    runner = FakeRunner(
        {
            ("git",): "git\n",
            ("git", "rev-parse"): "abc\n",
            ("git", "fetch"): ToolError("refused"),
            ("echo",): lambda call: " ".join(call.args[1:]),
        }
    )
    assert runner.run(["git", "rev-parse", "HEAD"], cwd=tmp_path) == "abc\n"
    assert runner.run(["git", "status"]) == "git\n"
    assert runner.run(["echo", "a", "b"], input="in") == "a b"
    with pytest.raises(ToolError, match="refused"):
        runner.run(["git", "fetch", "origin"])
    with pytest.raises(AssertionError, match="no answer"):
        runner.run(["cargo"])
    assert runner.calls[0] == Call(("git", "rev-parse", "HEAD"), tmp_path, None)
    assert runner.calls[2].input == "in"
    assert [args[0] for args in runner.commands()] == ["git", "git", "echo", "git", "cargo"]
