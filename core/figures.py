"""Figures as a reader sees them: at the precision their source publishes.

The store keeps each value exactly as its file has it (including a compilation's binary
floating-point noise, 41.699999999999996); every page, chart, text and spreadsheet shows it rounded
to the metric's `decimal_places` (its record), half away from zero as statistical publishers round.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Number = Decimal | float | int | str


def rounded(value: Number, places: int) -> Decimal:
    """`value` at `places` decimal places; str(float) first so 0.1 stays 0.1, not its binary expansion."""
    try:
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def figure(value: Number, places: int, separators: bool = True) -> str:
    """The figure as text: `places` decimals, thousands separated (4,896; 41.7; 0.408); never '-0'."""
    text = format(rounded(value, places), ",f" if separators else "f")
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def excel_format(places: int) -> str:
    """The spreadsheet number format that shows a cell at `places` decimals, thousands separated."""
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def d3_format(places: int) -> str:
    """The d3-format specifier (Vega, Vega-Lite) for the same display."""
    return f",.{places}f"
