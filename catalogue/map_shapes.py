"""Council shapes for the metric pages' maps, simplified once per build (graph/map).

The bundled boundaries are ONS's UK TopoJSON (2014 to 2025, OGL v3.0; docs/maps.md): quantised
arcs shared by neighbouring areas. Each arc is projected onto a plane and simplified once
(Douglas-Peucker, endpoints kept), so neighbouring councils keep one common border without gaps
or overlaps; each English council's rings are then written as a compact SVG path with integer,
mostly relative coordinates. A page reads the paths of a build once and only colours them.

Councils are matched to shapes by their GSS codes, current and former, in the register: lower
and upper tier councils (ltla, utla and cty layers) and combined authorities (cauth, E47 only).
A malformed file stops the build naming the file and the JSON field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from catalogue.step import BuildContext, GraphOutput
from core.problems import SourceError
from core.uris import GEO, LACAT, Uris
from ingest.geography.model import Register

SOURCE = Path("geography") / "boundaries" / "ons_uk_topojson_2014-2025.topo.json"
LAYERS = ("ltla", "utla", "cty", "cauth")
MAP_TYPES = frozenset({"CTY", "NMD", "UA", "MD", "LBO", "CC", "COMB"})
HEIGHT = 800  # map units from the northernmost to the southernmost point of England
TOLERANCE = 1.0  # map units a simplified border may stray from the original (about 0.8 km)
MIN_RING_AREA = 1.0  # square map units: smaller islands are dropped, unless a council has nothing else
PARALLEL = 52.5  # degrees north: where the plane keeps east-west and north-south distances equal
PROJECTION = (f"Equirectangular projection with standard parallel {PARALLEL}°N (longitude × cos {PARALLEL}°, "
              f"latitude), scaled so that England is {HEIGHT} units tall; y grows southwards.")
SIMPLIFICATION = (f"Each shared border simplified once by Douglas-Peucker to within {TOLERANCE:g} map unit "
                  f"(1/{HEIGHT} of England's height), coordinates rounded to whole units, islands under "
                  f"{MIN_RING_AREA:g} square unit dropped.")
ATTRIBUTION = ("Boundaries: Office for National Statistics, licensed under the Open Government Licence v3.0. "
               "Contains OS data © Crown copyright and database right.")

Point = tuple[float, float]


@dataclass(frozen=True)
class Frame:
    width: int
    height: int


@dataclass(frozen=True)
class Shape:
    gss: str
    name: str
    layer: str
    path: str


def _fail(path: Path, field: str, message: str) -> SourceError:
    return SourceError.one(path, message, field=field, rule="topojson-shape")


def _topology(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError.one(path, f"cannot read the TopoJSON: {exc}", rule="json-readable") from None
    if not isinstance(data, dict) or data.get("type") != "Topology":
        raise _fail(path, "type", "expected a TopoJSON Topology")
    tf = data.get("transform")
    if not isinstance(tf, dict) or not all(isinstance(tf.get(k), list) and len(tf[k]) == 2 for k in ("scale", "translate")):
        raise _fail(path, "transform", "a quantised topology needs transform.scale and transform.translate")
    if not isinstance(data.get("arcs"), list) or not isinstance(data.get("objects"), dict):
        raise _fail(path, "arcs", "expected a list of arcs and an object of layers")
    for layer in LAYERS:
        if not isinstance(data["objects"].get(layer, {}).get("geometries"), list):
            raise _fail(path, f"objects.{layer}", f"layer {layer!r} with a list of geometries is missing")
    return data


def _decode(path: Path, data: dict[str, Any], wanted: set[int]) -> dict[int, list[Point]]:
    """The arcs in `wanted`, as projected points (map units before scaling)."""
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    k = math.cos(math.radians(PARALLEL))
    out: dict[int, list[Point]] = {}
    for i in sorted(wanted):
        arc = data["arcs"][i]
        x = y = 0
        points = []
        try:
            for dx, dy in arc:
                x += dx
                y += dy
                points.append(((x * sx + tx) * k, -(y * sy + ty)))
        except (TypeError, ValueError):
            raise _fail(path, f"arcs[{i}]", "an arc must be a list of [dx, dy] integer pairs") from None
        out[i] = points
    return out


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker with the endpoints kept (iterative: some arcs have thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for j in range(first + 1, last):
            px, py = points[j]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if d > best:
                best, index = d, j
        if index > 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: list[tuple[int, int]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def _path(rings: list[list[tuple[int, int]]]) -> str:
    """SVG path data: an absolute move to each ring's start, then relative lines."""
    parts = []
    for ring in rings:
        x0, y0 = ring[0]
        steps = [f"{x - px} {y - py}" for (px, py), (x, y) in zip(ring, ring[1:], strict=False)]
        parts.append(f"M{x0} {y0}l" + " ".join(steps) + "z")
    return "".join(parts)


def _polygons(path: Path, geometry: dict[str, Any], field: str) -> list[list[list[int]]]:
    kind, arcs = geometry.get("type"), geometry.get("arcs")
    if kind == "Polygon" and isinstance(arcs, list):
        return [arcs]
    if kind == "MultiPolygon" and isinstance(arcs, list):
        return arcs
    raise _fail(path, field, f"expected a Polygon or MultiPolygon with arcs, not {kind!r}")


def read_shapes(sources_dir: Path) -> tuple[Frame, dict[str, Shape]]:
    """Every English council's shape, by GSS code, in one frame."""
    path = sources_dir / SOURCE
    data = _topology(path)
    n_arcs = len(data["arcs"])
    areas: dict[str, tuple[str, str, list[list[list[int]]], str]] = {}
    for layer in LAYERS:
        for i, geometry in enumerate(data["objects"][layer]["geometries"]):
            field = f"objects.{layer}.geometries[{i}]"
            props = geometry.get("properties") if isinstance(geometry, dict) else None
            gss = props.get("areacd") if isinstance(props, dict) else None
            if not isinstance(gss, str):
                raise _fail(path, field + ".properties.areacd", "every area needs its GSS code")
            if not gss.startswith("E") or (layer == "cauth" and not gss.startswith("E47")) or gss in areas:
                continue
            polygons = _polygons(path, geometry, field)
            for ring in (r for poly in polygons for r in poly):
                if not isinstance(ring, list) or not all(isinstance(a, int) and -n_arcs <= a < n_arcs for a in ring):
                    raise _fail(path, field + ".arcs", f"arc indices must be integers within the {n_arcs} arcs")
            areas[gss] = (str(props.get("areanm") or gss), layer, polygons, field)
    wanted = {a if a >= 0 else ~a for _, _, polys, _ in areas.values() for poly in polys for ring in poly for a in ring}
    projected = _decode(path, data, wanted)
    xs = [x for pts in projected.values() for x, _ in pts]
    ys = [y for pts in projected.values() for _, y in pts]
    if not xs:
        raise _fail(path, "objects", "no English areas found")
    scale = HEIGHT / (max(ys) - min(ys))
    left, top = min(xs), min(ys)
    simplified = {i: _simplify([((x - left) * scale, (y - top) * scale) for x, y in pts], TOLERANCE)
                  for i, pts in projected.items()}
    shapes: dict[str, Shape] = {}
    for gss, (name, layer, polygons, _field) in areas.items():
        rings: list[list[tuple[int, int]]] = []
        for poly in polygons:
            for ring in poly:
                points: list[tuple[int, int]] = []
                for a in ring:
                    arc = simplified[a] if a >= 0 else simplified[~a][::-1]
                    for x, y in arc[1:] if points else arc:
                        p = (round(x), round(y))
                        if not points or p != points[-1]:
                            points.append(p)
                if len(points) > 1 and points[0] == points[-1]:
                    points.pop()
                if len(points) >= 3:
                    rings.append(points)
        kept = [r for r in rings if _area(r) >= MIN_RING_AREA] or sorted(rings, key=_area)[-1:]
        if kept:
            shapes[gss] = Shape(gss, name, layer, _path(kept))
    width = math.ceil((max(xs) - left) * scale)
    return Frame(width, HEIGHT), shapes


def authority_shapes(register: Register, shapes: dict[str, Shape]) -> dict[str, Shape]:
    """Each council's shape: that of the GSS code it governs, or else of a former one."""
    out = {}
    for a in register.authorities.values():
        if a.type not in MAP_TYPES:
            continue
        for code in (a.gss, *reversed(a.former_gss)):
            if code and code in shapes:
                out[a.code] = shapes[code]
                break
    return out


def map_graph(frame: Frame, by_authority: dict[str, Shape], uris: Uris, sources_dir: Path) -> Graph:
    g = Graph()
    source_file = URIRef(uris.source_file(sources_dir / SOURCE))
    node = URIRef(uris.map_frame())
    g.add((node, RDF.type, LACAT.MapFrame))
    g.add((node, RDFS.label, Literal("Map of England's councils", lang="en")))
    g.add((node, LACAT.viewBox, Literal(f"0 0 {frame.width} {frame.height}")))
    g.add((node, LACAT.projection, Literal(PROJECTION, lang="en")))
    g.add((node, LACAT.simplification, Literal(SIMPLIFICATION, lang="en")))
    g.add((node, LACAT.attribution, Literal(ATTRIBUTION, lang="en")))
    g.add((node, PROV.wasDerivedFrom, source_file))
    for code, shape in sorted(by_authority.items()):
        geometry = URIRef(uris.map_shape(code))
        g.add((URIRef(uris.authority(code)), GEO.hasGeometry, geometry))
        g.add((geometry, RDF.type, GEO.Geometry))
        g.add((geometry, LACAT.svgPath, Literal(shape.path)))
        g.add((geometry, LACAT.mapFrame, node))
        g.add((geometry, LACAT.boundaryCode, Literal(shape.gss)))
    return g


def map_shapes_step(ctx: BuildContext) -> list[GraphOutput]:
    sources_dir = ctx.settings.sources_dir
    frame, shapes = read_shapes(sources_dir)
    by_authority = authority_shapes(ctx.register, shapes)
    size = sum(len(s.path) for s in by_authority.values())
    ctx.log(f"      {len(by_authority)} councils drawn from {len(shapes)} boundaries, {size / 1024:.0f} KiB of paths")
    return [GraphOutput(ctx.graph("map"), map_graph(frame, by_authority, ctx.uris, sources_dir),
                        sources=[sources_dir / SOURCE], label="map shapes")]
