"""malbok: mål- och resultatstyrning för svenska kommuner, i Excel.

The public functions have the same names as the CLI commands.
"""

from ._version import __version__
from .api import (
    consolidate,
    convert,
    demo,
    export,
    generate,
    inspect,
    periods,
    report,
    schema,
    show,
    validate,
)
from .load import ModelError, load_model
from .model import Model

__all__ = [
    "Model", "ModelError", "consolidate", "convert", "demo", "export", "generate", "inspect", "load_model", "periods",
    "report", "schema", "show", "validate", "__version__",
]
