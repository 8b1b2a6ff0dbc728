"""The bundled styrmodeller (YAML), shipped inside the package as ``malbok.templates``."""
