"""`lacat build` and `lacat validate`: the catalogue build (catalogue.build) composed with the data
packages (datapackages), reporting what stopped it."""

from __future__ import annotations

import sys

from catalogue.build import run_build
from catalogue.step import BuildFailed
from core.problems import SourceError
from core.settings import Settings
from datapackages.build_step import PackagesStep


def main_build(settings: Settings, publish: bool = True, with_packages: bool = True) -> int:
    # The data packages are made from the new store before it goes live, so a package that fails
    # validation stops the build; they are switched live right after the store (docs/data-packages.md).
    # Without them (--no-packages) the live packages stay as they were until `lacat package` runs.
    packages = PackagesStep(settings) if with_packages else None
    try:
        run_build(settings, publish=publish, before_publish=packages)
        if packages is not None:
            packages.finish(publish)
    except SourceError as exc:
        print(f"build stopped: {len(exc.problems)} problem(s) in the sources:", file=sys.stderr)
        for p in exc.problems[:100]:
            print(f"  - {p}", file=sys.stderr)
        print("the live catalogue was not changed", file=sys.stderr)
        return 1
    except BuildFailed as exc:
        print(f"build stopped: {exc}", file=sys.stderr)
        print("the live catalogue was not changed", file=sys.stderr)
        return 1
    return 0
