"""The contract between the build runner (catalogue.build) and its steps and checks.

A step is `(BuildContext) -> list[GraphOutput]`, a check `(BuildContext) -> list[str]` (problems).
Steps import this module, never the runner, so the runner can import every step. Inputs that
several steps read (the authority register, the metric records and their tidied source files) are
loaded once per build, on first use, and kept on the context.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from catalogue.metric_records import LoadedMetrics, MetricRecord, load_records, tidy_sources
from catalogue.triples import TripleBuffer
from core.settings import Settings
from core.store import EmbeddedStore, StoreWriter
from core.uris import Uris
from ingest.geography.load import load_register
from ingest.geography.model import Register


@dataclass
class GraphOutput:
    """One named graph produced by a step, with the source files it was derived from."""

    name: str  # graph URI
    # An rdflib Graph, or for bulk data a list of pyoxigraph triples: building those skips rdflib's
    # indexing and serialises in Rust, several times faster for the observation graphs.
    graph: Graph | list[ox.Triple] | TripleBuffer
    sources: list[Path] = field(default_factory=list)
    label: str = ""
    # Large observation graphs are checked by the Data Cube integrity constraints (SPARQL) instead
    # of SHACL, which would be slow on them.
    shacl: bool = True


@dataclass
class BuildContext:
    settings: Settings
    uris: Uris
    writer: StoreWriter | None = None
    outputs: list[GraphOutput] = field(default_factory=list)
    log: Callable[[str], None] = print
    started: str = ""

    def reader(self) -> EmbeddedStore:
        """What earlier steps have loaded so far."""
        assert self.writer is not None
        return self.writer.reader()

    def graph(self, kind: str, slug: str | None = None) -> str:
        return self.uris.graph(kind, slug)

    def combined(self, *names: str) -> Graph:
        g = Graph()
        for out in self.outputs:
            if (not names or out.name in names) and isinstance(out.graph, Graph):
                g += out.graph
        return g

    # Shared inputs: each is read and validated once per build (a SourceError on first use stops
    # the build at the step that needed it).
    @cached_property
    def register(self) -> Register:
        """The reconciled authority register (ingest.geography)."""
        return load_register(self.settings.sources_dir)

    @cached_property
    def metric_records(self) -> list[MetricRecord]:
        """Every metric record, whatever its status, checked against the sources folder."""
        return load_records(self.settings.records_dir, self.settings.sources_dir)

    @cached_property
    def metric_sources(self) -> LoadedMetrics:
        """Every record with the tidy frame of each source file it selects from."""
        return tidy_sources(self.settings.sources_dir, self.metric_records, self.register)


Step = Callable[[BuildContext], list[GraphOutput]]
Check = Callable[[BuildContext], list[str]]


class BuildFailed(Exception):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
