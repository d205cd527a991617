"""`lacat metric`: create, check, compare, propose, approve, publish and retire metric definitions.

The records are YAML files in catalogue/records/metrics/ (LACAT_RECORDS_DIR); how to maintain them
is in docs/maintaining-metrics.md. Every command that changes a file checks the result first and
changes nothing when it refuses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from catalogue.lifecycle import checks, operations, records, versions
from cli.handler import Handler
from core.settings import Settings


def _paths(settings: Settings) -> records.Paths:
    return records.Paths(settings.records_dir)


def _report(exc: records.LifecycleError) -> int:
    print(f"refused: {len(exc.problems)} problem(s); nothing was changed", file=sys.stderr)
    for p in exc.problems:
        print(f"  - {p}", file=sys.stderr)
    return 1


def _target(paths: records.Paths, item: str) -> Path:
    """A record given as a path or as a slug."""
    path = Path(item)
    if path.suffix in (".yaml", ".yml") or "/" in item:
        return path
    return paths.record(item)


def _cmd_new(args: argparse.Namespace, settings: Settings) -> int:
    out = operations.new(_paths(settings), args.slug, args.label)
    print(out.message)
    return 0


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    paths = _paths(settings)
    files = [_target(paths, f) for f in args.files] if args.files else None
    # Only records are checked here; changed files of other kinds are passed over (the pre-commit
    # hook hands over every changed file under the metrics folder).
    if files is not None:
        files = [f for f in files if f.suffix in (".yaml", ".yml")]
        if not files:
            print("no metric records to check")
            return 0
    problems = checks.check(paths, files, settings.sources_dir)
    checked = len(files) if files is not None else len(records.record_paths(paths))
    if problems:
        print(f"{len(problems)} problem(s) in {checked} record(s):", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"{checked} record(s) checked: no problems")
    return 0


def _cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    sys.stdout.write(versions.diff(_paths(settings), args.slug, args.from_version, args.to_version))
    return 0


def _cmd_propose(args: argparse.Namespace, settings: Settings) -> int:
    print(operations.propose(_paths(settings), args.slug, settings.sources_dir).message)
    return 0


def _cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    print(operations.approve(_paths(settings), args.slug, args.by, args.on, args.note, settings.sources_dir).message)
    return 0


def _cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    print(operations.publish(_paths(settings), args.slug, args.note, args.on, settings.sources_dir).message)
    return 0


def _cmd_retire(args: argparse.Namespace, settings: Settings) -> int:
    print(operations.retire(_paths(settings), args.slug, args.replaced_by, args.on, settings.sources_dir).message)
    return 0


def _guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return handler(args, settings)
        except records.LifecycleError as exc:
            return _report(exc)
        except ValueError as exc:  # e.g. a date that is not YYYY-MM-DD
            print(f"refused: {exc}; nothing was changed", file=sys.stderr)
            return 1

    return run


def register(sub: argparse._SubParsersAction) -> None:
    """Add `lacat metric ...` to the `lacat` command."""
    help_text = "maintain metric definitions: new, check, diff, propose, approve, publish, retire"
    p = sub.add_parser("metric", help=help_text, description=help_text,
                       epilog="How to maintain metrics: docs/maintaining-metrics.md")
    msub = p.add_subparsers(dest="metric_command", metavar="ACTION")
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])

    def add(name: str, text: str, handler: Handler) -> argparse.ArgumentParser:
        q = msub.add_parser(name, help=text, description=text)
        q.set_defaults(handler=_guarded(handler))
        return q

    q = add("new", "create a draft metric record from the template", _cmd_new)
    q.add_argument("slug", help="identifier: lower-case letters, digits and hyphens (the file name)")
    q.add_argument("--label", help="the metric's name")

    q = add("check", "check records: schema, lifecycle rules and published snapshots", _cmd_check)
    q.add_argument("files", nargs="*", metavar="FILE", help="record files or slugs (default: every record)")

    q = add("diff", "show what changed between two versions of a metric", _cmd_diff)
    q.add_argument("slug")
    q.add_argument("--from", dest="from_version", type=int, metavar="N", help="older version (default: latest "
                   "published)")
    q.add_argument("--to", dest="to_version", type=int, metavar="M", help="newer version (default: the record as "
                   "it is now)")

    q = add("propose", "move a draft to proposed (for consultation with the sector)", _cmd_propose)
    q.add_argument("slug")

    q = add("approve", "record the approval of a proposed metric", _cmd_approve)
    q.add_argument("slug")
    q.add_argument("--by", required=True, metavar="NAME", help="who approved it")
    q.add_argument("--on", required=True, metavar="DATE", help="when, as YYYY-MM-DD")
    q.add_argument("--note", required=True, metavar="TEXT", help="the decision, e.g. a submission reference")

    q = add("publish", "publish an approved metric, or a changed definition as a new version", _cmd_publish)
    q.add_argument("slug")
    q.add_argument("--note", metavar="TEXT", help="what changed and why (needed for a new version)")
    q.add_argument("--on", metavar="DATE", help="publication date, YYYY-MM-DD (default: today)")

    q = add("retire", "retire a published metric, or mark it superseded by another", _cmd_retire)
    q.add_argument("slug")
    q.add_argument("--replaced-by", metavar="OTHER", help="slug of the published metric that replaces it")
    q.add_argument("--on", metavar="DATE", help="date, YYYY-MM-DD (default: today)")
