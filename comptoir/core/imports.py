"""What every spreadsheet import reports: the rows it refused, each with its number and the reason.

Imports in Comptoir are all or nothing: every row is checked first, and one bad row means nothing is
written. Products, stock counts and 3PL confirmations all report their refusals with `RowError`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    """Row (or line) number in the file: 1 is the header, 2 the first data row, 0 the whole file."""
    message: str
    column: str = ""
    """The column at fault, when one is."""
