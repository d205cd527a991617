"""Checks a public SPARQL query before it reaches the engine.

pyoxigraph 0.5 has hazards a public endpoint must not expose (docs/sparql-endpoint.md):
a query nested a few thousand brackets deep crashes the process (stack overflow), a query of a
hundred-odd triple patterns on one subject keeps the planner busy for seconds to minutes, and
`SERVICE` makes real HTTP requests to any address (server-side request forgery). So every query
is first split into SPARQL tokens by a small lexer that never recurses, and refused when it is
too large, too deep, has too many patterns, uses `SERVICE` or is an update. The lexer
(core/sparql_lexer.py) refuses what it cannot classify, so text it treats as inert (comments,
strings, IRIs) is never code to the engine. A plain `DESCRIBE <iri>`, whose only tokens are the
word and its IRIs, is recognised by one small pattern instead, with the shape the lexer gives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.problems import StatusError
from core.settings import Settings
from core.sparql_lexer import CLOSE, OPEN, QuerySyntaxError, names_dataset, tokens


class GuardError(StatusError):
    """A query refused before execution; `status` is the HTTP status to answer with."""


@dataclass(frozen=True)
class QueryShape:
    form: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    has_dataset: bool  # FROM / FROM NAMED in the query itself
    limit: int | None  # the outermost LIMIT, when there is one
    depth: int
    patterns: int
    outer_values: bool = False  # a VALUES block after the WHERE group (so a LIMIT cannot be appended)
    # Provably cheap (see cheap()): answered in the web process, without the hop to a worker.
    cheap: bool = False
    # Uses a prefixed name: without one the engine need not be given the catalogue's prefixes.
    pnames: bool = True


_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
MAX_DESCRIBED = 20  # IRIs in a DESCRIBE answered in process (see cheap())
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def check(query: str, settings: Settings) -> QueryShape:
    """Refuse a query that is too big, deep or complex, federated or an update; else describe it."""
    size = len(query.encode("utf-8"))
    if size > settings.max_query_bytes:
        raise GuardError(413, f"The query is {size:,} bytes; this endpoint accepts at most "
                              f"{settings.max_query_bytes:,}.")
    if _PLAIN_DESCRIBE.fullmatch(query):
        return _DESCRIBED
    return check_tokens(query, settings)


# The commonest query, `DESCRIBE <iri> ...` with IRIs written plainly (no escapes): its tokens are
# the word and the IRIs whatever they say, so its shape is known without the lexer, whose pattern
# covers all of SPARQL (7 us of a 0.1 ms DESCRIBE, 45 us after an idle millisecond). Each class
# is the lexer's own, spelt out: IGNORECASE would take a dotless i for an I, which the lexer does not.
_PLAIN_DESCRIBE = re.compile(rf"[ \t\r\n]*[Dd][Ee][Ss][Cc][Rr][Ii][Bb][Ee]"
                             rf"(?:[ \t\r\n]*<[^<>\"{{}}|^`\\\x00-\x20]*>){{1,{MAX_DESCRIBED}}}[ \t\r\n]*")
_DESCRIBED = QueryShape(form="DESCRIBE", has_dataset=False, limit=None, depth=0, patterns=0, cheap=True,
                        pnames=False)


def check_tokens(query: str, settings: Settings) -> QueryShape:
    """check() by the lexer's tokens, for every query (and the only way for all but a plain DESCRIBE)."""
    try:
        toks = tokens(query)
    except QuerySyntaxError as exc:
        raise GuardError(400, str(exc)) from None
    depth = max_depth = 0
    paren_depth = 0
    patterns = 0
    form = ""
    limit: int | None = None
    outer_values = False
    for i, (kind, text) in enumerate(toks):
        if kind == "punct":
            if text in OPEN:
                depth += 1
                max_depth = max(max_depth, depth)
                if text == "(":
                    paren_depth += 1
                elif text == "{":
                    patterns += 1  # a group is at least one pattern to plan
                if max_depth > settings.max_query_depth:
                    raise GuardError(400, f"The query nests brackets more than {settings.max_query_depth} "
                                          "deep, the most this endpoint accepts.")
            elif text in CLOSE:
                depth -= 1
                if text == ")":
                    paren_depth -= 1
                if depth < 0:
                    raise GuardError(400, f"Query syntax error: unbalanced '{text}'.")
            elif depth > 0 and paren_depth == 0 and text in {".", ";", ",", "/", "|"}:
                # Each separator (or property-path step) outside an expression adds a triple pattern.
                patterns += 1
            continue
        if kind != "word":
            continue
        word = text.upper()
        if word == "SERVICE":
            raise GuardError(400, "SERVICE (federated query) is not allowed on this endpoint: it would make "
                                  "the server fetch other addresses.")
        if not form and word in _UPDATE_WORDS:
            raise GuardError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        if not form and word in _QUERY_FORMS:
            form = word
        if word == "VALUES" and depth == 0:
            outer_values = True
        if word == "LIMIT" and depth == 0 and i + 1 < len(toks) and toks[i + 1][0] == "number":
            try:
                limit = int(toks[i + 1][1])
            except ValueError:
                limit = None
    if depth != 0:
        raise GuardError(400, "Query syntax error: unbalanced brackets.")
    if patterns > settings.max_query_patterns:
        raise GuardError(400, f"The query has about {patterns} triple patterns; this endpoint plans at most "
                              f"{settings.max_query_patterns}. Split it into smaller queries.")
    if not form:
        raise GuardError(400, "Query syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")
    return QueryShape(form=form, has_dataset=names_dataset(toks), limit=limit, depth=max_depth, patterns=patterns,
                      outer_values=outer_values, cheap=cheap(toks), pnames=any(k == "pname" for k, _ in toks))


_CONSTANT = {"iri", "pname"}
_TERM = {"iri", "pname", "var", "string", "number"}


def cheap(toks: list[tuple[str, str]]) -> bool:
    """True only for the two shapes whose cost is bounded by what one resource says of itself:

    - `DESCRIBE <a> <b> ...` (at most MAX_DESCRIBED IRIs, no WHERE): the triples of which each is
      the subject, found by an index look-up;
    - `SELECT ?v... | * [WHERE] { <s> p o [.] } [LIMIT n] [OFFSET n]` and `ASK { <s> p o }`: one
      triple pattern with a constant subject, so at most that subject's triples.

    Anything else (a second pattern, a variable subject, a filter, a path, a modifier) is not
    proven, and runs in an isolated worker with a hard time limit."""
    start = next((i for i, (kind, text) in enumerate(toks) if kind == "word" and text.upper() in _QUERY_FORMS), None)
    if start is None or any(kind not in ("word", "pname", "iri") or (kind == "word" and text.upper() not in
                                                                   ("PREFIX", "BASE"))
                            for kind, text in toks[:start]):
        return False
    form, rest = toks[start][1].upper(), toks[start + 1:]
    if form == "DESCRIBE":
        return 0 < len(rest) <= MAX_DESCRIBED and all(kind in _CONSTANT for kind, _ in rest)
    i = 0
    if form == "SELECT":
        while i < len(rest) and (rest[i][0] == "var" or rest[i] == ("punct", "*")):
            i += 1
        if i == 0:
            return False
    elif form != "ASK":
        return False
    if i < len(rest) and rest[i][0] == "word" and rest[i][1].upper() == "WHERE":
        i += 1
    body = rest[i:]
    if len(body) < 5 or body[0] != ("punct", "{") or body[1][0] not in _CONSTANT:
        return False
    predicate, obj = body[2], body[3]
    if not (predicate[0] in _CONSTANT or predicate[0] == "var" or predicate == ("word", "a")) or obj[0] not in _TERM:
        return False
    j = 4
    if j + 1 < len(body) and body[j][0] == "punct" and body[j][1] == "^^" and body[j + 1][0] in _CONSTANT:
        j += 2
    elif j < len(body) and body[j][0] == "lang":
        j += 1
    if j < len(body) and body[j] == ("punct", "."):
        j += 1
    if j >= len(body) or body[j] != ("punct", "}"):
        return False
    tail = body[j + 1:]
    while tail:
        if len(tail) < 2 or tail[0][0] != "word" or tail[0][1].upper() not in ("LIMIT", "OFFSET") \
                or tail[1][0] != "number":
            return False
        tail = tail[2:]
    return True
