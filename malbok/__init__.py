"""malbok: mål- och resultatstyrning för svenska kommuner, i Excel.

The public functions have the same names as the CLI commands.
"""

from ._version import __version__
from .api import consolidate, convert, generate, inspect, periods, schema, show, validate
from .load import ModelError, load_model
from .model import Model

__all__ = [
    "Model", "ModelError", "consolidate", "convert", "generate", "inspect", "load_model", "periods", "schema", "show",
    "validate", "__version__",
]
