"""An append-only triple buffer for bulk graphs (observations, comparisons).

It offers rdflib's `add((s, p, o))` so step code reads the same, but skips rdflib's in-memory
indexes: for the ~100k-observation graphs that indexing, not the data, was most of the build time.
Triples are converted to pyoxigraph terms once, when the build serialises them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_named: dict[str, ox.NamedNode] = {}


def _node(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        key = str(term)
        found = _named.get(key)
        if found is None:
            found = ox.NamedNode(key)
            if len(_named) < 200_000:  # predicates, cubes, periods and units repeat; observations don't
                _named[key] = found
        return found
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


class TripleBuffer:
    def __init__(self) -> None:
        self._triples: list[tuple[Node, Node, Node]] = []

    def add(self, triple: tuple[Node, Node, Node]) -> TripleBuffer:
        self._triples.append(triple)
        return self

    def __len__(self) -> int:
        return len(self._triples)

    def __iter__(self) -> Iterator[tuple[Node, Node, Node]]:
        return iter(self._triples)

    def to_oxigraph(self) -> list[ox.Triple]:
        return [ox.Triple(_node(s), _node(p), _node(o)) for s, p, o in self._triples]
