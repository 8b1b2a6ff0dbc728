"""Called by the Konsolidera button in Konsolidering.xlsm (xlwings RunPython runs main()).

Written by `malbok excel init`; the work is done by malbok.excel.konsolidera,
the same consolidation as `malbok consolidate`.
"""

from malbok.excel import konsolidera


def main() -> None:
    konsolidera()
