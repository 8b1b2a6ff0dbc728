"""Load a styrmodell from YAML or from an Excel model workbook.

Every problem is collected and reported at once, in Swedish, with its place:
file and line for YAML, sheet and cell for xlsx. The controller's model is the
one input where malbok raises (:class:`ModelError`) instead of collecting
findings, because nothing can be generated from an unusable model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import Locator, best_place
from .errors import ModelError as ModelError  # re-exported: malbok.load.ModelError is public
from .model import Model, Path_, check_model

MAX_MODEL_BYTES = 5 * 1024 * 1024
MAX_YAML_NODES = 200_000


# -- YAML ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    name = path.name
    if not path.exists():
        raise ModelError(name, [(name, "filen finns inte")])
    if path.is_dir():
        raise ModelError(name, [(name, "är en mapp, inte en fil")])
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelError(name, [(name, f"filen är {size / 1e6:.1f} MB; en styrmodell får vara högst {MAX_MODEL_BYTES // 1_000_000} MB")])
    raw = path.read_bytes()
    if not raw.strip():
        raise ModelError(name, [(name, "filen är tom")])
    if b"\x00" in raw[:8192]:
        raise ModelError(name, [(name, "filen är binär, inte en YAML-textfil")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ModelError(name, [(f"{name}, rad {line}", "filen är inte UTF-8-kodad; spara den som UTF-8")]) from None
    return text


def _yaml_nodes(text: str, name: str) -> yaml.Node:
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # Refuse aliases before composing: a styrmodell needs none, and they are how
    # "billion laughs" bombs expand.
    try:
        for count, event in enumerate(yaml.parse(text, Loader=loader_cls)):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ModelError(name, [(f"{name}, rad {line}", "YAML-alias (*namn) används inte i en styrmodell; skriv ut värdet")])
            if count > MAX_YAML_NODES * 2:
                raise ModelError(name, [(name, "filen har för många element för en styrmodell")])
        node = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else "?"
        what = e.problem or e.context or "ogiltig YAML"
        raise ModelError(name, [(f"{name}, rad {line}", f"felaktig YAML: {_yaml_problem_sv(what)}")]) from None
    except yaml.YAMLError as e:
        raise ModelError(name, [(name, f"felaktig YAML: {e}")]) from None
    if node is None:
        raise ModelError(name, [(name, "filen är tom")])
    return node


def _yaml_problem_sv(problem: str) -> str:
    known = {
        "mapping values are not allowed here": "ett kolon på fel ställe (värde där ingen nyckel väntas)",
        "could not find expected ':'": "kolon saknas efter en nyckel",
        "found character '\\t' that cannot start any token": "tabbtecken är inte tillåtna; använd mellanslag",
        "did not find expected key": "indraget stämmer inte (en nyckel väntades)",
        "did not find expected '-' indicator": "indraget stämmer inte (ett listelement '-' väntades)",
        "found undefined tag handle": "okänd tagg",
        "found unexpected end of stream": "filen tar slut mitt i ett värde",
        "found duplicate anchor": "dubblerat ankare",
    }
    for en, sv in known.items():
        if problem.startswith(en):
            return sv
    return problem


def _walk_nodes(node: yaml.Node, name: str) -> tuple[Any, dict[Path_, int]]:
    """Plain data from a composed YAML tree, and the line of each path."""
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    problems: list[tuple[str, str]] = []
    constructor = yaml.SafeLoader("")

    def build(n: yaml.Node, path: Path_) -> Any:
        if isinstance(n, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for k, v in n.value:
                key = constructor.construct_object(k) if isinstance(k, yaml.ScalarNode) else None
                if not isinstance(key, str | int):
                    problems.append((f"{name}, rad {k.start_mark.line + 1}", "en nyckel måste vara text"))
                    continue
                if key in out:
                    problems.append((f"{name}, rad {k.start_mark.line + 1}", f"nyckeln '{key}' står två gånger"))
                p = (*path, key)
                lines[p] = k.start_mark.line + 1
                out[key] = build(v, p)
            return out
        if isinstance(n, yaml.SequenceNode):
            items = []
            for i, v in enumerate(n.value):
                p = (*path, i)
                lines[p] = v.start_mark.line + 1
                items.append(build(v, p))
            return items
        try:
            return constructor.construct_object(n, deep=True)
        except yaml.YAMLError as e:
            problems.append((f"{name}, rad {n.start_mark.line + 1}", f"ogiltigt värde: {e}"))
            return None

    data = build(node, ())
    if problems:
        raise ModelError(name, problems)
    return data, lines


def _locator(lines: dict[Path_, Any], fmt: Callable[[Any], str]) -> Locator:
    def locate(path: Path_) -> str:
        return fmt(best_place(lines, path))

    return locate


def load_yaml_data(path: Path) -> tuple[Any, Locator]:
    name = path.name
    text = _read_text(path)
    node = _yaml_nodes(text, name)
    data, lines = _walk_nodes(node, name)
    return data, _locator(lines, lambda line: f"{name}, rad {line}")


# -- validation shared by both formats --------------------------------------------------

_ERR_SV = {
    "missing": "obligatorisk uppgift saknas",
    "extra_forbidden": "okänd nyckel (stavfel?)",
    "string_type": "ska vara text",
    "int_type": "ska vara ett heltal",
    "int_parsing": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal",
    "float_type": "ska vara ett tal",
    "float_parsing": "ska vara ett tal",
    "list_type": "ska vara en lista",
    "dict_type": "ska vara en uppsättning nycklar",
    "model_type": "ska vara en uppsättning nycklar",
    "model_attributes_type": "ska vara en uppsättning nycklar",
    "bool_type": "ska vara ja/nej (true/false)",
    "too_short": "får inte vara tom",
    "string_too_short": "får inte vara tom text",
    "union_tag_invalid": "okänd målvärdestyp",
    "union_tag_not_found": "målvärdet saknar 'typ'",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "greater_than": "är för litet",
}


def _pydantic_sv(err: Any) -> str:  # pydantic_core.ErrorDetails
    typ = err["type"]
    loc = err["loc"]
    last = loc[-1] if loc else ""
    ctx = err.get("ctx") or {}
    if typ == "missing":
        return f"obligatorisk nyckel '{last}' saknas"
    if typ == "extra_forbidden":
        return f"okänd nyckel '{last}' (stavfel?)"
    if typ in ("enum", "literal_error"):
        return f"ogiltigt värde {err.get('input')!r} för '{last}'; tillåtna värden: {ctx.get('expected', '')}"
    if typ == "string_pattern_mismatch":
        if last == "kommunkod":
            return f"kommunkoden {err.get('input')!r} ska vara fyra siffror, t.ex. '1861'"
        if last == "färg":
            return f"färgen {err.get('input')!r} ska skrivas #RRGGBB, t.ex. '#00B050'"
        if last == "kod":
            return f"enhetskoden {err.get('input')!r} får bara innehålla bokstäver, siffror, - och _ (högst 16 tecken)"
        return f"{err.get('input')!r} har fel form för '{last}'"
    if typ == "union_tag_invalid":
        return f"okänd målvärdestyp {ctx.get('tag')!r}; tillåtna: {ctx.get('expected_tags', '')}"
    if typ in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limit = ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt"))))
        return f"värdet {err.get('input')!r} för '{last}' ligger utanför tillåtet intervall (gräns {limit})"
    if typ == "string_type" and isinstance(err.get("input"), bool):
        return (f"'{last}' ska vara text men tolkades som ja/nej ({err.get('input')}); "
                "skriv värdet inom citattecken, t.ex. \"ON\" eller \"NO\"")
    sv = _ERR_SV.get(typ)
    if sv:
        return f"'{last}' {sv}" if last != "" and not isinstance(last, int) else sv
    return f"ogiltigt värde för '{last}': {err.get('msg')}"


def validate_data(data: Any, locate: Locator, source: str, earlier: list[tuple[str, str]] | None = None) -> Model:
    """Validate YAML-shaped data; ``earlier`` are problems already found while reading."""
    earlier = earlier or []
    if not isinstance(data, dict):
        raise ModelError(source, [(locate(()), "en styrmodell ska börja med nycklar (kommun:, vision:, områden: …)")])
    try:
        model = Model.model_validate(data)
    except ValidationError as e:
        problems = [(locate(tuple(err["loc"])), _pydantic_sv(err)) for err in e.errors()]
        raise ModelError(source, earlier + [p for p in problems if p not in earlier]) from None
    refs = [(locate(path), msg) for path, msg in check_model(model)]
    if earlier or refs:
        raise ModelError(source, earlier + refs)
    return model


def load_model(path: str | Path) -> Model:
    """Read and validate a styrmodell from ``.yaml``/``.yml`` or ``.xlsx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from .modelbook import read_model_book

        data, locate, earlier = read_model_book(path)
        return validate_data(data, locate, path.name, earlier)
    elif suffix in (".yaml", ".yml"):
        data, locate = load_yaml_data(path)
    else:
        raise ModelError(path.name, [(path.name, "okänd filtyp; en styrmodell är .yaml, .yml eller .xlsx")])
    return validate_data(data, locate, path.name)


def dump_yaml(model: Model) -> str:
    """The model as YAML with Swedish keys, in declaration order."""

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # never write anchors
            return True

    def str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, str_presenter)
    return yaml.dump(model.to_data(), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def bundled_model(name: str = "hallsberg") -> Path:
    """The path of a bundled styrmodell (``hallsberg``, ``hallefors``, ``soderhamn``), shipped in the package."""
    from importlib.resources import files

    return Path(str(files("malbok.templates") / f"{name}.yaml"))
