"""`lacat package`: rebuild the data packages from the live store."""

from __future__ import annotations

import argparse
import sys
import time

from core.settings import Settings
from core.store import StoreUnavailable
from datapackages.content import PackagingError
from datapackages.publish import package_live_store


def _cmd_package(args: argparse.Namespace, settings: Settings) -> int:
    t0 = time.perf_counter()
    try:
        folder = package_live_store(settings)
    except (PackagingError, StoreUnavailable) as exc:
        print(f"lacat package: {exc}", file=sys.stderr)
        print("the live packages were not changed", file=sys.stderr)
        return 1
    print(f"packages published ({folder.name}) in {time.perf_counter() - t0:.1f}s")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    help_text = ("rebuild the data packages (Frictionless, CSV, XLSX, CSVW, zip) from the live store, validate "
                 "every one, and switch to them")
    p = sub.add_parser("package", help=help_text, description=help_text)
    p.set_defaults(handler=_cmd_package)
