"""The errors malbok raises, in one place.

Users' data never raises: a bad cell or file is a :class:`~malbok.findings.Finding`.
Exceptions are for the controller's own unusable input — the model
(:class:`ModelError`, every problem with its place) or a setting, file name or
option (:class:`InputError`, :class:`PeriodError`), Kolada that cannot be asked
(:class:`KoladaError` and its kinds) — and for bugs. Their messages are Swedish
and name the place. (Inside the reader, :mod:`malbok.bounded` carries the reason
a file or a sheet cannot be read in its own exceptions, which never leave it: the
reader makes them findings.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import Path_  # a place inside the model's data: keys and list indexes


class InputError(ValueError):
    """The user's own unusable input (a file, a setting); the message is Swedish and names the place."""


class PeriodError(InputError):
    """A period id that the model does not know (message in Swedish)."""


class KoladaError(Exception):
    """A request to Kolada that failed for good; the message is Swedish."""


class KoladaOffline(KoladaError):
    """Kolada could not be reached at all (no network, no such host, refused)."""


class KoladaNotFound(KoladaError):
    """Kolada answered 404: no such address, or (for metadata) no such id."""


class ModelError(Exception):
    """The model cannot be used; ``problems`` lists (place, message) pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} fel i styrmodellen" if len(self.problems) != 1 else f"{self.source}: 1 fel i styrmodellen"]
        lines += [f"  {place}: {msg}" for place, msg in self.problems]
        return "\n".join(lines)


Locator = Callable[[Path_], str]  # a place in the model's data -> where it stands in the file ('rad 12', 'Mål!C4')


def best_place(places: dict[Path_, Any], path: Path_) -> Any:
    """The place of the longest known prefix of ``path``, allowing one unknown element
    inside it (pydantic inserts a union tag into error locations)."""
    best_len, best = -1, places.get(())
    variants = [path] + [path[:i] + path[i + 1:] for i in range(len(path))]
    for variant in variants:
        for k in range(len(variant), best_len, -1):
            if variant[:k] in places:
                best_len, best = k, places[variant[:k]]
                break
    return best
