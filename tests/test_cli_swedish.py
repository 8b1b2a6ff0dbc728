"""The command line speaks Swedish: every command's help, the usage lines and the parser's own error messages."""

import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from malbok.cli import app
from malbok.sv_cli import swedish_message

runner = CliRunner()
ENGLISH = re.compile(r"Usage|Options|Arguments|Commands|Show this message|\brequired\b|default:|<path>|<str>|<int>|"
                     r"<float>|<list|\[OPTIONS\]|COMMAND|ARGS|Error|Try '|Missing|Invalid|No such|Input should|"
                     r"Got unexpected|requires|Possible")


def _commands(cmd: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    for name, sub in cmd.commands.items():
        out += _commands(sub, (*path, name)) if isinstance(sub, typer.core.TyperGroup) else [(*path, name)]
    return out


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_every_command_is_listed() -> None:
    assert len(COMMANDS) > 20 and ("consolidate",) in COMMANDS and ("history", "import") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "malbok")
def test_help_is_swedish(path: tuple[str, ...]) -> None:
    res = runner.invoke(app, [*path, "--help"], prog_name="malbok")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Användning: malbok"), res.output
    assert "Visa den här hjälpen och avsluta." in res.output
    assert not ENGLISH.search(res.output), ENGLISH.search(res.output)


@pytest.mark.parametrize(("args", "expected"), [
    (["consolidate"], "Fel: Saknar argumentet 'MODELL'."),
    (["consolidate", "m.yaml", "r", "--period"], "Fel: Flaggan '--period' behöver ett värde."),
    (["consolidate", "m.yaml", "r", "--out", "k.xlsx", "--processer", "tre"],
     "Fel: Ogiltigt värde för '--processer': ska vara ett heltal, t.ex. 2"),
    (["consolidate", "m.yaml", "r", "--out", "k.xlsx", "--processer", "0"],
     "Fel: Ogiltigt värde för '--processer': ska vara minst 1"),
    (["consolidate", "--perod", "2016-delar"], "Fel: Flaggan --perod finns inte. Menade du någon av: --period"),
    (["validate", "a.yaml", "b.yaml"], "Fel: Oväntat extra argument (b.yaml)"),
    (["validate", "a.yaml", "b.yaml", "c.yaml"], "Fel: Oväntade extra argument (b.yaml c.yaml)"),
    (["kolada", "fetch", "m.yaml", "--years", "2016", "--timeout", "snart"],
     "Fel: Ogiltigt värde för '--timeout': ska vara ett tal"),
    (["konsolidera"], "Fel: Kommandot 'konsolidera' finns inte."),
])
def test_parser_errors_are_swedish(args: list[str], expected: str) -> None:
    res = runner.invoke(app, args, prog_name="malbok")
    assert res.exit_code == 2, res.output
    assert expected in res.output, res.output
    assert "Skriv 'malbok" in res.output or "behöver ett värde" in res.output
    assert not ENGLISH.search(res.output), res.output


def test_no_arguments_shows_the_swedish_help_with_exit_2() -> None:
    res = subprocess.run([sys.executable, "-m", "malbok"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    text = res.stdout + res.stderr
    assert text.startswith("Användning: malbok [FLAGGOR] KOMMANDO [ARGUMENT]...") and "Kommandon:" in text
    assert not ENGLISH.search(text)


def test_unknown_messages_pass_through_unchanged() -> None:
    assert swedish_message("Fel i styrmodellen") == "Fel i styrmodellen"
