"""The geography build step: the authority register (ingest.geography) and the areas above it as
RDF in graph/geography."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from catalogue.step import BuildContext, GraphOutput
from core.problems import SourceError
from core.yaml_text import load_yaml
from ingest.geography.rdf import register_graph
from ingest.geography.sources import GEOGRAPHY, READ_FILES


def load_areas(records_dir: Path) -> list[dict[str, str]]:
    """Areas above region level (England) from catalogue/records/geography/areas.yaml."""
    path = records_dir / GEOGRAPHY / "areas.yaml"
    if not path.is_file():
        raise SourceError.one(path, "records file is missing", rule="file-exists")
    data = load_yaml(path.read_text(encoding="utf-8")) or []
    for i, item in enumerate(data, start=1):
        for key in ("gss", "name", "source"):
            if not isinstance(item, dict) or not str(item.get(key) or "").strip():
                raise SourceError.one(path, f"entry {i} has no {key!r}", field=key, rule="field-required")
    return data


def geography_step(ctx: BuildContext) -> list[GraphOutput]:
    """graph/geography: authorities, regions and dated CA membership as RDF."""
    register = ctx.register
    # One line per rule keeps the progress display readable; the details are in the Register.
    by_rule = Counter(rule for rule, _ in register.resolutions)
    ctx.log("      source conflicts resolved: " + ", ".join(f"{r} x{n}" for r, n in sorted(by_rule.items())))
    g = register_graph(register, ctx.uris, load_areas(ctx.settings.records_dir))
    sources = [ctx.settings.sources_dir / GEOGRAPHY / rel for rel in READ_FILES]
    current = register.current()
    ctx.log(f"      {len(register.authorities)} authorities ({len(current)} operational today), "
            f"{len(register.memberships)} CA memberships, {len(register.regions)} regions")
    return [GraphOutput(ctx.graph("geography"), g, sources=sources, label="geography")]
