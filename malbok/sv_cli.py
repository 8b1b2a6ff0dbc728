"""Swedish for the command line's own words: usage lines, help headings, the --help option and the parser's errors.

Typer (from 0.2x) carries its own copy of click, whose words are English and not marked for translation; only
Typer's section headings go through gettext, which would pick a language from the environment, while malbok speaks
Swedish whatever the machine is set to. So the command tree is given Swedish words here, in one place:

- the command classes are malbok's subclasses of Typer's (usage prefix, help option, metavars);
- the parser's error messages are put into Swedish from the exception when it is shown (``swedish_message``);
- Typer's gettext-marked headings are bound to the Swedish catalogue (``install``).

``tests/test_cli_swedish.py`` runs every command's help and the common mistakes and fails on an English word.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
import typer.core

_click = typer.core._click  # Typer's own click: the classes its commands are made of

CATALOGUE: dict[str, str] = {  # Typer's gettext-marked strings
    "Arguments": "Argument",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "required": "krävs",
    "[required]": "[krävs]",
    "default: {default}": "standard: {default}",
    "[default: {}]": "[standard: {}]",
    "env var: {var}": "miljövariabel: {var}",
    "[env var: {}]": "[miljövariabel: {}]",
    "(dynamic)": "(beräknas)",
    "(deprecated) ": "(utgår) ",
    "Missing command.": "Ange ett kommando.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "Aborted!": "Avbrutet.",
    "Aborted.": "Avbrutet.",
    "Error": "Fel",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Skriv [blue]'{command_path} {help_option}'[/] för hjälp.",
}

USAGE = "Användning: "
HELP = "Visa den här hjälpen och avsluta."
OPTIONS_METAVAR = "[FLAGGOR]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENT]..."


def gettext(message: str) -> str:
    """The Swedish form of one of Typer's marked strings (the string itself when it has none)."""
    return CATALOGUE.get(message, message)


def install() -> None:
    """Bind Typer's gettext-marked strings to the Swedish catalogue in this process (idempotent)."""
    for name in ("typer.core", "typer.rich_utils", "typer._click.parser"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]


# The parser's and the type conversion's messages (click's copy in Typer, and pydantic for numbers), most specific first.
_MESSAGES: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"Missing argument (.+)\.", r"Saknar argumentet \1."),
    (r"Missing option (.+)\.", r"Saknar flaggan \1."),
    (r"Missing parameter:? (.+?)\.?", r"Saknar parametern \1."),
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"Flaggan \1 finns inte. Menade du någon av: \2?"),
    (r"No such option: (\S+)", r"Flaggan \1 finns inte."),
    (r"Option (.+) requires an argument\.", r"Flaggan \1 behöver ett värde."),
    (r"Option (.+) requires (\d+) arguments\.", r"Flaggan \1 behöver \2 värden."),
    (r"Option (.+) does not take a value\.", r"Flaggan \1 tar inget värde."),
    (r"Argument (.+) takes (\d+) values\.", r"Argumentet \1 tar \2 värden."),
    (r"Got unexpected extra argument\(s\) \((.+)\)", lambda m: (
        f"Oväntat extra argument ({m[1]})" if len(m[1].split()) == 1 else f"Oväntade extra argument ({m[1]})")),
    (r"Invalid value for (.+?): (.+)", lambda m: f"Ogiltigt värde för {m[1]}: {_value_message(m[2])}"),
    (r"Invalid value: (.+)", lambda m: f"Ogiltigt värde: {_value_message(m[1])}"),
    (r"Could not open file (.+?): (.+)", r"Kunde inte öppna filen \1: \2"),
]
_VALUES: list[tuple[str, str]] = [
    (r"Input should be a valid integer.*", "ska vara ett heltal, t.ex. 2"),
    (r"Input should be a valid number.*", "ska vara ett tal, t.ex. 2,5 eller 2.5"),
    (r"Input should be a valid boolean.*", "ska vara ja eller nej"),
    (r"Input should be greater than or equal to (\S+)", r"ska vara minst \1"),
    (r"Input should be greater than (\S+)", r"ska vara större än \1"),
    (r"Input should be less than or equal to (\S+)", r"ska vara högst \1"),
    (r"Input should be less than (\S+)", r"ska vara mindre än \1"),
    (r"Value (.+) is not a valid (\w+)\.", r"\1 är inte ett giltigt värde."),
    (r"(.+) is not one of (.+)\.", r"\1 är inte något av \2."),
    (r"(File|Directory|Path) (.+) does not exist\.", r"\2 finns inte."),
    (r"(File|Directory|Path) (.+) is a file\.", r"\2 är en fil, inte en mapp."),
    (r"(File|Directory|Path) (.+) is a directory\.", r"\2 är en mapp, inte en fil."),
    (r"Value must be an iterable\.", "ska vara en lista"),
]


def _translate(text: str, table: Sequence[tuple[str, Any]]) -> str | None:
    for pattern, repl in table:
        m = re.fullmatch(pattern, text, flags=re.S)
        if m is not None:
            return repl(m) if callable(repl) else m.expand(repl)
    return None


def _value_message(text: str) -> str:
    return _translate(text, _VALUES) or text


def swedish_message(text: str) -> str:
    """One of the command-line parser's messages in Swedish (the text as it was when it is not one of theirs)."""
    return _translate(text, _MESSAGES) or _value_message(text)


def show_error(e: Any) -> None:
    """Print a usage error as the parser would, in Swedish: the usage line, where help is, and the message."""
    if isinstance(e, _click.exceptions.NoArgsIsHelpError):  # a group or command given nothing: its (Swedish) help
        e.show()
        return
    file = _click._compat.get_text_stderr()
    ctx = getattr(e, "ctx", None)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"Skriv '{ctx.command_path} {ctx.help_option_names[0]}' för hjälp.\n"
        _click.echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
    _click.echo(f"Fel: {swedish_message(e.format_message())}", file=file, color=getattr(ctx, "color", None))


def _format_usage(self: Any, ctx: Any, formatter: Any) -> None:
    """The usage line, as "Användning: malbok consolidate [FLAGGOR] MODELL INLÄMNINGAR..."."""
    formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE)


def _swedish_help(option: Any) -> Any:
    if option is not None:
        option.help = HELP
    return option


# Subclasses with no fields of their own (a mixin would change the instances' layout, and a built tree is re-classed).
class SwedishCommand(typer.core.TyperCommand):
    """A malbok command, with Swedish usage and help words."""

    format_usage = _format_usage

    def get_help_option(self, ctx: Any) -> Any:
        return _swedish_help(super().get_help_option(ctx))


class SwedishArgument(typer.core.TyperArgument):
    """An argument shown by its Swedish name (``MODELL``, ``INLÄMNINGAR...``), without Typer's English type name."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.metavar or (self.name or "").upper()
        if self.nargs != 1:
            name += "..."
        return [name if self.required else f"[{name}]"]


class SwedishOption(typer.core.TyperOption):
    """An option whose value is named in Swedish (``--out MAPP``, ``--year ÅR``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.metavar:
            return self.metavar
        long = max(self.opts, key=len)
        if long in _OPTION_WORDS:
            return _OPTION_WORDS[long]
        annotation = getattr(getattr(self, "type_descriptor", None), "annotation", None)
        word = _TYPE_WORDS.get(getattr(annotation, "__name__", ""), "VÄRDE")
        if getattr(annotation, "__origin__", None) is list:
            word = _TYPE_WORDS.get(getattr(annotation.__args__[0], "__name__", ""), "VÄRDE")  # type: ignore[union-attr]
        return word


_OPTION_WORDS = {"--period": "PERIOD", "--year": "ÅR", "--years": "ÅR", "--unit": "KOD", "--password": "LÖSENORD",
                 "--round": "OMGÅNG", "--processer": "ANTAL", "--id": "ID", "--timeout": "SEKUNDER",
                 "--kolada-url": "ADRESS", "--returns": "MAPP"}
_TYPE_WORDS = {"Path": "FIL", "str": "TEXT", "int": "HELTAL", "float": "TAL"}
_ARGUMENT_NAMES = {"fil": "FIL", "model": "MODELL", "returns": "INLÄMNINGAR", "kf": "ARBETSBOK", "src": "KÄLLA",
                   "dst": "MÅL"}


def swedish(command: Any) -> Any:
    """Give a whole command tree malbok's Swedish command and parameter classes (idempotent)."""
    if isinstance(command, typer.core.TyperGroup):
        if not isinstance(command, SwedishGroup):
            command.__class__ = SwedishGroup
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            swedish(sub)
    elif isinstance(command, typer.core.TyperCommand) and not isinstance(command, SwedishCommand):
        command.__class__ = SwedishCommand
    command.options_metavar = OPTIONS_METAVAR
    for param in command.params:
        if isinstance(param, typer.core.TyperArgument) and not isinstance(param, SwedishArgument):
            param.__class__ = SwedishArgument
            if param.metavar is None and param.name in _ARGUMENT_NAMES:
                param.metavar = _ARGUMENT_NAMES[param.name]
        elif isinstance(param, typer.core.TyperOption) and not isinstance(param, SwedishOption):
            param.__class__ = SwedishOption
    return command


class SwedishGroup(typer.core.TyperGroup):
    """malbok's command groups: the whole tree speaks Swedish, and so do the parser's errors."""

    format_usage = _format_usage

    def get_help_option(self, ctx: Any) -> Any:
        return _swedish_help(super().get_help_option(ctx))

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        install()
        swedish(self)
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False,
                              windows_expand_args=windows_expand_args, **extra)
        except _click.exceptions.ClickException as e:
            if not standalone_mode:
                raise
            show_error(e)
            sys.exit(e.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            _click.echo("Avbrutet.", file=sys.stderr)
            sys.exit(1)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)
