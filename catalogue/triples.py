"""An append-only triple buffer for bulk graphs (observations, comparisons).

It offers rdflib's `add((s, p, o))` so step code reads the same, but skips rdflib's in-memory
indexes: for the ~100k-observation graphs that indexing, not the data, was most of the build time.
Triples are converted to pyoxigraph terms once, when the build serialises them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node


def _converter() -> Callable[[Node], ox.NamedNode | ox.BlankNode | ox.Literal]:
    # Predicates, cubes, periods and units repeat on every observation: one pyoxigraph node each
    # per conversion, kept only while it runs.
    named: dict[str, ox.NamedNode] = {}

    def node(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, URIRef):
            key = str(term)
            found = named.get(key)
            if found is None:
                found = named[key] = ox.NamedNode(key)
            return found
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype:
                return ox.Literal(str(term), datatype=node(term.datatype))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        raise TypeError(f"not an RDF term: {term!r}")

    return node


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
        node = _converter()
        return [ox.Triple(node(s), node(p), node(o)) for s, p, o in self._triples]
