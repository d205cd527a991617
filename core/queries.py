"""Named SPARQL queries (sparql/queries/*.rq) run with bound parameters, never pasted text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox

from core.store import Store, Term, terms_to_python
from core.uris import PREFIXES

QUERY_DIR = Path(__file__).resolve().parent.parent / "sparql" / "queries"

PREFIX_BLOCK = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())


@cache
def load_query(name: str) -> str:
    """The text of sparql/queries/{name}.rq with the project's standard prefixes declared."""
    path = QUERY_DIR / f"{name}.rq"
    if path.parent != QUERY_DIR or not path.is_file():
        raise KeyError(f"no such query: {name}")
    return PREFIX_BLOCK + path.read_text(encoding="utf-8")


def as_term(value: object) -> Term:
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if isinstance(value, str):
        return ox.Literal(value)
    raise TypeError(f"cannot bind {type(value).__name__}")


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def select(store: Store, name: str, **bindings: object) -> list[dict[str, object]]:
    """Rows of plain Python values. Bind IRIs with `iri(...)`; str binds a plain literal."""
    terms = {k: as_term(v) for k, v in bindings.items()}
    return terms_to_python(store.select(load_query(name), terms))


def construct(store: Store, name: str, **bindings: object) -> list[ox.Triple]:
    terms = {k: as_term(v) for k, v in bindings.items()}
    return store.construct(load_query(name), terms)
