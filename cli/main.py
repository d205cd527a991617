"""The `lacat` command: build, validate and serve the catalogue, and the command groups of
cli/ (metric records, packages, store dump and restore, analyst accounts, Single Data List)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cli import metric, package, sdl, store, users
from cli.build import main_build
from cli.handler import Handler
from core.settings import Settings
from web.server import serve


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    return main_build(settings, publish=True, with_packages=not args.no_packages)


def _cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    return main_build(settings, publish=False, with_packages=not args.no_packages)


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    return serve(settings, host=args.host, port=args.port, workers=args.workers)


def _cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    for env, value, doc in settings.describe():
        print(f"{env}={value}\n    {doc}")
    return 0


# The commands of this module: (name, help, configure(parser), handler).
def _commands() -> list[tuple[str, str, Callable[[argparse.ArgumentParser], None] | None, Handler]]:
    def build_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-packages", action="store_true",
                       help="build the store only; the live data packages stay as they were until 'lacat package'")

    def serve_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        p.add_argument("--port", type=int, default=5000, help="port to bind (default 5000)")
        p.add_argument("--workers", type=int, default=None, help="worker processes (default LACAT_WEB_WORKERS)")

    return [
        ("build", "build the catalogue from the bundled sources into a new store and switch to it",
         build_args, _cmd_build),
        ("validate", "run the whole build and every validation without publishing anything", build_args,
         _cmd_validate),
        ("serve", "serve the site, linked data and SPARQL endpoint", serve_args, _cmd_serve),
        ("settings", "print every setting, its environment variable and its value", None, _cmd_settings),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lacat",
        description="Open linked-data catalogue of English local government performance.",
        epilog="Settings come from LACAT_* environment variables: see 'lacat settings'.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text, configure, handler in _commands():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if configure:
            configure(p)
        p.set_defaults(handler=handler)
    _add_extensions(sub)
    return parser


# Command groups of their own modules, each adding its subcommands with `register(sub)`.
COMMAND_GROUPS = (metric, package, store, users, sdl)


def _add_extensions(sub: argparse._SubParsersAction) -> None:
    for group in COMMAND_GROUPS:
        group.register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"lacat: {exc}", file=sys.stderr)
        return 2
    return int(args.handler(args, settings) or 0)


if __name__ == "__main__":
    sys.exit(main())
