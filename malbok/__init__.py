"""malbok: mål- och resultatstyrning för svenska kommuner, i Excel.

The public functions have the same names as the CLI commands.
"""

from .api import convert, periods, schema, show, validate
from .load import ModelError, load_model
from .model import Model

__version__ = "0.1.0"
LAYOUT_VERSION = "1"

__all__ = ["Model", "ModelError", "convert", "load_model", "periods", "schema", "show", "validate", "__version__"]
