"""The arithmetic a finance metric record's `formula` may use, evaluated exactly in decimals."""

from __future__ import annotations

import ast
from decimal import ROUND_HALF_UP, Decimal


class FormulaError(ValueError):
    pass


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load, ast.USub, ast.UAdd, *_OPS)


def formula_names(expression: str) -> set[str]:
    """The input names an expression uses; raises FormulaError unless it is plain arithmetic."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not an arithmetic expression: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _ALLOWED):
            raise FormulaError(f"only + - * / ( ), numbers and input names are allowed, not {type(node).__name__}")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise FormulaError(f"constant {node.value!r} is not a number")
    return names


def evaluate(expression: str, values: dict[str, Decimal]) -> Decimal:
    """Evaluate an arithmetic expression exactly (decimal), e.g. `100 * a / b`."""
    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise FormulaError(type(node).__name__)  # pragma: no cover - formula_names rejects it first

    formula_names(expression)
    return ev(ast.parse(expression, mode="eval"))


def rounded(value: Decimal, decimals: int) -> str:
    text = format(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
    return "0" if decimals == 0 and text == "-0" else text

