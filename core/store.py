"""Store backends behind one small interface: query, load/replace a graph, dump.

The embedded backend is pyoxigraph on RocksDB. A build writes a whole new store folder and only
then moves the `CURRENT` pointer (an atomic rename), so readers never see a half-built catalogue.
Readers open stores read-only and re-open when the pointer changes.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
import requests

from core.settings import Settings
from core.sparql_lexer import QuerySyntaxError, names_dataset, tokens
from core.staging import promote, prune, staging_folder, write_pointer
from core.uris import Uris

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]


class StoreUnavailable(RuntimeError):
    """The catalogue store cannot be opened (not built yet, or damaged)."""


class BaseMismatch(StoreUnavailable):
    """The store was built under another LACAT_BASE_URI than this process has: every URI in it
    starts with the other base, so no page or RDF document would find anything."""


_BUILT_BASE = ("SELECT ?base WHERE { ?b a <https://w3id.org/lacat/def#Build> ; "
               "<https://w3id.org/lacat/def#buildId> ?v ; <https://w3id.org/lacat/def#baseUri> ?base } "
               "ORDER BY DESC(?v) LIMIT 1")


def check_base(store: Store, settings: Settings) -> None:
    """Refuse a store built for another base URI, saying what to run. A store that records no base
    (made by restoring an old dump, or by a test loading graphs directly) cannot be checked."""
    rows = store.select(_BUILT_BASE)
    if not rows:
        return
    built = rows[0]["base"].value
    if built != settings.base_uri:
        raise BaseMismatch(
            f"the catalogue was built for LACAT_BASE_URI={built} but this server has "
            f"LACAT_BASE_URI={settings.base_uri}: run 'LACAT_BASE_URI={settings.base_uri} lacat build' "
            f"to rebuild it for this address, or serve it with LACAT_BASE_URI={built}"
        )


@dataclass(frozen=True)
class StoreInfo:
    path: str
    version: str  # the build id; changes whenever the catalogue changes
    built_at: float


class Store(Protocol):
    info: StoreInfo

    def select(self, query: str, bindings: dict[str, Term] | None = None) -> list[Row]: ...

    def ask(self, query: str, bindings: dict[str, Term] | None = None) -> bool: ...

    def construct(self, query: str, bindings: dict[str, Term] | None = None) -> list[ox.Triple]: ...


def _variables(bindings: dict[str, Term] | None) -> dict[ox.Variable, Term] | None:
    if not bindings:
        return None
    return {ox.Variable(k): v for k, v in bindings.items()}


class EmbeddedStore:
    """A pyoxigraph store; the default graph is the union of the named graphs."""

    def __init__(self, store: ox.Store, info: StoreInfo) -> None:
        self.raw = store
        self.info = info

    def _query(self, query: str, bindings: dict[str, Term] | None):
        return self.raw.query(query, use_default_graph_as_union=True, substitutions=_variables(bindings))

    def select(self, query: str, bindings: dict[str, Term] | None = None) -> list[Row]:
        result = self._query(query, bindings)
        names = [v.value for v in result.variables]
        rows: list[Row] = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, query: str, bindings: dict[str, Term] | None = None) -> bool:
        return bool(self._query(query, bindings))

    def construct(self, query: str, bindings: dict[str, Term] | None = None) -> list[ox.Triple]:
        return list(self._query(query, bindings))


def read_pointer(settings: Settings) -> StoreInfo:
    try:
        data = json.loads(settings.current_pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreUnavailable(
            f"no catalogue has been built yet in {settings.var_dir.name}/: run 'lacat build' first"
        ) from None
    except (OSError, ValueError) as exc:
        raise StoreUnavailable(f"the store pointer {settings.current_pointer.name} is unreadable: {exc}") from None
    path = settings.stores_dir / data["store"]
    return StoreInfo(path=str(path), version=data["version"], built_at=float(data["built_at"]))


def open_embedded(info: StoreInfo) -> EmbeddedStore:
    try:
        return EmbeddedStore(ox.Store.read_only(info.path), info)
    except (OSError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
        # RocksDB names files by absolute path; the message reaches the 503 page, so name the store only.
        detail = str(exc).replace(str(Path(info.path).parent) + "/", "")
        raise StoreUnavailable(f"the catalogue store {Path(info.path).name} cannot be opened: {detail}") from None


class LiveStore:
    """The store readers use: follows the CURRENT pointer, re-opening when a build switches it."""

    _CHECK_EVERY_S = 1.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._checked = 0.0
        self._pointer_mtime = -1.0

    def current(self) -> Store:
        now = time.monotonic()
        if self._store is not None and now - self._checked < self._CHECK_EVERY_S:
            return self._store
        with self._lock:
            self._checked = now
            try:
                mtime = self.settings.current_pointer.stat().st_mtime
            except FileNotFoundError:
                mtime = -1.0
            if self._store is None or mtime != self._pointer_mtime:
                self._store = self._open()
                self._pointer_mtime = mtime
            return self._store

    def _open(self) -> Store:
        if self.settings.store_backend == "remote":
            store: Store = RemoteStore(self.settings)
        else:
            store = open_embedded(read_pointer(self.settings))
        check_base(store, self.settings)
        return store


class RemoteStore:
    """Any SPARQL 1.1 Protocol + Graph Store Protocol server (Oxigraph, Fuseki, GraphDB...)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.remote_query_url:
            raise StoreUnavailable("LACAT_REMOTE_QUERY_URL is not set for the remote store backend")
        self.settings = settings
        self.session = requests.Session()
        self._graphs: list[str] | None = None
        version = self._version()
        self.info = StoreInfo(path=settings.remote_query_url, version=version, built_at=_build_time(version))

    def graphs(self) -> list[str]:
        """The catalogue's named graphs on the server, as its last publish listed them (read once: a
        RemoteStore is replaced when a build publishes). A server has graphs of its own (Virtuoso's
        system graphs), which are no part of the catalogue's default graph."""
        if self._graphs is None:
            listed = _listed_graphs(self.session, self.settings, self.settings.query_timeout_s + 5)
            if listed is None:
                response = self._post("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g",
                                      "application/sparql-results+json", dataset=False)
                listed = [b["g"]["value"] for b in response.json()["results"]["bindings"] if "g" in b]
            self._graphs = sorted(listed)
        return self._graphs

    def _version(self) -> str:
        try:
            rows = self.select(
                "SELECT ?v WHERE { ?b a <https://w3id.org/lacat/def#Build> ; "
                "<https://w3id.org/lacat/def#buildId> ?v } ORDER BY DESC(?v) LIMIT 1"
            )
        except requests.RequestException as exc:
            raise StoreUnavailable(f"the remote SPARQL server cannot be reached: {exc}") from None
        return rows[0]["v"].value if rows else "unbuilt"

    @staticmethod
    def _bind(query: str, bindings: dict[str, Term] | None) -> str:
        # Remote servers have no substitution API: append a VALUES block. Each term is written by
        # pyoxigraph's own N-Triples serialiser, so user input can never change the query's shape.
        if not bindings:
            return query
        names = " ".join(f"?{ox.Variable(k).value}" for k in bindings)
        values = " ".join(str(v) for v in bindings.values())
        return f"{query}\nVALUES ({names}) {{ ({values}) }}"

    def _post(self, query: str, accept: str, dataset: bool = True) -> requests.Response:
        # The catalogue's default graph is the union of its named graphs. Servers differ in how
        # (or whether) they offer that, so name every graph as the protocol's default graph.
        params: list[tuple[str, str]] = []
        if dataset:
            graphs = self.graphs()
            params = [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        # The URL-encoded form POST: every SPARQL 1.1 server takes it (Virtuoso 7.2 does not answer
        # a query sent directly as application/sparql-query), and the graph list rides in the body.
        response = self.session.post(
            self.settings.remote_query_url,
            data=[("query", query), *params],
            headers={"Accept": accept},
            timeout=self.settings.query_timeout_s + 5,
        )
        response.raise_for_status()
        return response

    def _run(self, query: str, bindings: dict[str, Term] | None, accept: str) -> requests.Response:
        return self._post(self._bind(query, bindings), accept, dataset=not _names_dataset(query))

    def select(self, query: str, bindings: dict[str, Term] | None = None) -> list[Row]:
        response = self._run(query, bindings, "application/sparql-results+json")
        rows = []
        for binding in response.json()["results"]["bindings"]:
            rows.append({k: _json_term(v) for k, v in binding.items()})
        return rows

    def ask(self, query: str, bindings: dict[str, Term] | None = None) -> bool:
        return bool(self._run(query, bindings, "application/sparql-results+json").json()["boolean"])

    def construct(self, query: str, bindings: dict[str, Term] | None = None) -> list[ox.Triple]:
        response = self._run(query, bindings, "application/n-triples")
        return list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))


@lru_cache(maxsize=512)
def _names_dataset(query: str) -> bool:
    """Whether a query names its own dataset (FROM), which the server then honours instead of the
    catalogue's graphs. Read from its tokens: a variable ?from or a comment saying "from" is not one."""
    try:
        return names_dataset(tokens(query))
    except QuerySyntaxError:
        return False  # the server answers with its own syntax error


def _build_time(build_id: str) -> float:
    """When a build ran, from its id (e.g. 20250101T120000123456Z); 0 if it is not one."""
    try:
        return datetime.strptime(build_id, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def _json_term(value: dict) -> Term:
    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(value["value"])
    if "xml:lang" in value:
        return ox.Literal(value["value"], language=value["xml:lang"])
    if "datatype" in value:
        return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
    return ox.Literal(value["value"])


# ---------------------------------------------------------------------------------------------
# Writing: only `lacat` commands write, never the web process.


class StoreWriter:
    """A new embedded store being built beside the live one."""

    def __init__(self, settings: Settings, build_id: str) -> None:
        self.settings = settings
        self.build_id = build_id
        self.path = staging_folder(settings.stores_dir, build_id, create=False)
        self.store = ox.Store(str(self.path))

    def load_graph(self, graph: str, data: bytes | str, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> None:
        self.store.bulk_load(data, format=fmt, to_graph=ox.NamedNode(graph))

    def replace_graph(self, graph: str, data: bytes | str, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> None:
        node = ox.NamedNode(graph)
        if self.store.contains_named_graph(node):
            self.store.remove_graph(node)
        self.load_graph(graph, data, fmt)

    def reader(self) -> EmbeddedStore:
        info = StoreInfo(path=str(self.path), version=self.build_id, built_at=time.time())
        return EmbeddedStore(self.store, info)

    def publish(self) -> Path:
        """Make this store the live one: flush, rename into place, then switch the pointer atomically."""
        self.store.flush()
        self.store.optimize()
        if self.settings.store_backend == "remote":
            # Validated locally first; only then does the remote server receive the catalogue.
            push_to_remote(self.store, self.settings)
        del self.store
        final = promote(self.path)
        write_pointer(self.settings.current_pointer,
                      {"store": final.name, "version": self.build_id, "built_at": time.time()})
        # The live store and its predecessor stay: a reader may still have the previous one open.
        prune(self.settings.stores_dir, keep={final.name})
        return final

    def abandon(self) -> None:
        try:
            del self.store
        except AttributeError:
            pass
        shutil.rmtree(self.path, ignore_errors=True)


def push_to_remote(store: ox.Store, settings: Settings, log: Callable[[str], None] = print) -> list[str]:
    """Load every named graph of a built store into the remote server with Graph Store Protocol PUTs.

    Each PUT replaces one graph. The provenance graph (which carries the build id readers use as
    the catalogue version) goes last, so the version changes only once every graph is loaded;
    graphs the new build no longer has are deleted afterwards. Returns the graphs loaded.
    """
    if not settings.remote_gsp_url:
        raise StoreUnavailable("LACAT_REMOTE_GSP_URL is not set for the remote store backend")
    session = requests.Session()
    names = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    names.sort(key=lambda g: g.endswith("/graph/provenance"))
    timeout = max(60.0, settings.query_timeout_s * 6)
    for name in names:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)) or b""
        response = session.put(settings.remote_gsp_url, params={"graph": name}, data=data,
                               headers={"Content-Type": "application/n-triples"}, timeout=timeout)
        if response.status_code not in (200, 201, 204):
            raise StoreUnavailable(f"the remote server refused graph {name}: "
                                   f"{response.status_code} {response.text[:200]}")
        log(f"      loaded {name} into the remote store ({len(data):,} bytes)")
    # The list of what this catalogue published replaces the last one, and only graphs on the last
    # list are dropped: the server's own graphs (Virtuoso keeps its configuration in RDF graphs)
    # and anything else it holds are never touched.
    previous = _listed_graphs(session, settings, timeout) or []
    manifest = published_graphs_uri(settings)
    listing = "".join(f"<{manifest}> <{_HAS_PART}> <{g}> .\n" for g in names).encode("utf-8")
    session.put(settings.remote_gsp_url, params={"graph": manifest}, data=listing,
                headers={"Content-Type": "application/n-triples"}, timeout=timeout).raise_for_status()
    for old in sorted(set(previous) - set(names)):
        session.delete(settings.remote_gsp_url, params={"graph": old}, timeout=timeout).raise_for_status()
    return names


_HAS_PART = "http://purl.org/dc/terms/hasPart"


def published_graphs_uri(settings: Settings) -> str:
    """The graph on a remote server that lists the catalogue's graphs there (dcterms:hasPart)."""
    return Uris(settings.base_uri).graph("published-graphs")


def _listed_graphs(session: requests.Session, settings: Settings, timeout: float) -> list[str] | None:
    """The graphs the last publish listed; None if nothing was published with a list."""
    manifest = published_graphs_uri(settings)
    response = session.post(settings.remote_query_url,
                            data={"query": f"SELECT ?g WHERE {{ GRAPH <{manifest}> {{ <{manifest}> <{_HAS_PART}> ?g }} }}"},
                            headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    response.raise_for_status()
    found = [b["g"]["value"] for b in response.json()["results"]["bindings"] if "g" in b]
    return found or None


def terms_to_python(rows: Iterable[Row]) -> list[dict[str, object]]:
    """Plain Python values for templates: IRIs as str, typed literals as int/float/bool/str."""
    out = []
    for row in rows:
        out.append({k: to_python(v) for k, v in row.items()})
    return out


_XSD = "http://www.w3.org/2001/XMLSchema#"


def to_python(term: Term) -> object:
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
                return int(term.value)
            if dt in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
                return float(term.value)
            if dt == _XSD + "boolean":
                return term.value == "true"
        except ValueError:
            return term.value
        return term.value
    return term.value
