"""SPARQL query text split into tokens by a small lexer that never recurses.

The public endpoint's guard (sparql/guard.py) refuses queries by their tokens, and the remote
store backend asks whether a query names its own dataset: both need "FROM" the keyword, never a
variable called ?from, a word in a comment, a string or an IRI. The lexer errs on the side of
refusing: a comment ends at any line break the engine could recognise, a string only contains the
escapes the grammar allows, and anything it cannot classify is an error, so text it treats as
inert (comments, strings, IRIs) is never code to the engine.
"""

from __future__ import annotations

import re


class QuerySyntaxError(ValueError):
    """Query text the lexer cannot split into SPARQL tokens."""


_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\"'\\]"
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)

# Order matters: the first alternative that matches at a position wins.
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>[ \t\r\n]+)",
            # A comment stops at any character some engine might treat as a line break.
            r"(?P<comment>#[^\r\n\x0b\x0c\x85\u2028\u2029]*)",
            rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            rf"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"
            rf"|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|{_ECHAR}|{_UCHAR}))*\"\"\""
            rf"|'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"
            rf"|\"(?:[^\"\\\n\r]|{_ECHAR}|{_UCHAR})*\")",
            rf"(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
            rf"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            r"(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;*+\-/|!^=<>?$])",
        ]
    )
)

OPEN = {"{", "(", "["}
CLOSE = {"}", ")", "]"}


def tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text) of every token except whitespace and comments; refuses what it cannot lex."""
    out: list[tuple[str, str]] = []
    pos, end = 0, len(query)
    while pos < end:
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:
            snippet = query[pos : pos + 20].splitlines()[0] if query[pos:pos + 20].strip() else repr(query[pos])
            raise QuerySyntaxError(f"Query syntax error near: {snippet}")
        kind = m.lastgroup or ""
        if kind not in ("ws", "comment"):
            out.append((kind, m.group()))
        pos = m.end()
    return out


def names_dataset(toks: list[tuple[str, str]]) -> bool:
    """True when the query has a dataset clause of its own (FROM or FROM NAMED). The grammar allows
    one only in the outermost query, before its WHERE group, so only the keyword outside every
    bracket counts."""
    depth = 0
    for kind, text in toks:
        if kind == "punct":
            if text in OPEN:
                depth += 1
            elif text in CLOSE:
                depth -= 1
        elif kind == "word" and depth == 0 and text.upper() == "FROM":
            return True
    return False
