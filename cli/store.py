"""`lacat dump` and `lacat restore`: the whole store as N-Quads, and back, atomically."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from core.settings import Settings
from core.store import StoreUnavailable, StoreWriter, open_embedded, read_pointer


def dump(settings: Settings, out: Path) -> int:
    """Write every quad of the live store as sorted N-Quads (sorted so equal stores give equal files)."""
    store = open_embedded(read_pointer(settings))
    lines = sorted(
        line for line in (store.raw.dump(format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8").splitlines() if line
    )
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return len(lines)


def restore(settings: Settings, source: Path) -> int:
    """Load a dump into a new store and switch to it only once the whole file has loaded."""
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-restore"
    writer = StoreWriter(settings, build_id)
    try:
        with open(source, "rb") as fh:
            writer.store.bulk_load(fh, format=ox.RdfFormat.N_QUADS)
        count = len(writer.store)
        writer.publish()
    except BaseException:
        writer.abandon()
        raise
    return count


def _cmd_dump(args: argparse.Namespace, settings: Settings) -> int:
    try:
        n = dump(settings, Path(args.file))
    except StoreUnavailable as exc:
        print(f"lacat dump: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {n:,} quads to {args.file}")
    return 0


def _cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"lacat restore: no such file: {args.file}", file=sys.stderr)
        return 1
    try:
        n = restore(settings, path)
    except SyntaxError as exc:
        print(f"lacat restore: {path.name} is not valid N-Quads: {exc}; the live catalogue was not changed",
              file=sys.stderr)
        return 1
    print(f"restored {n:,} quads from {path.name}; it is now the live catalogue")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dump", help="write the whole live store as sorted N-Quads",
                       description="Write the whole live store as sorted N-Quads.")
    p.add_argument("file", help="output file (.nq)")
    p.set_defaults(handler=_cmd_dump)
    p = sub.add_parser("restore", help="replace the live store with the contents of an N-Quads dump",
                       description="Load an N-Quads dump into a new store and switch to it atomically.")
    p.add_argument("file", help="input file (.nq)")
    p.set_defaults(handler=_cmd_restore)
