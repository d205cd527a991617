"""The data packages as the last stage of `lacat build`, before the new store goes live."""

from __future__ import annotations

import time

from catalogue.step import BuildContext, BuildFailed
from core.settings import Settings
from datapackages.content import PackagingError
from datapackages.publish import StagedPackages, stage_packages


class PackagesStep:
    """Builds and validates every package from the new store (run_build's `before_publish`);
    `finish` switches them live once the store has been, or drops them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.staged: StagedPackages | None = None

    def __call__(self, ctx: BuildContext) -> None:
        t = time.perf_counter()
        ctx.log("packages ...")
        try:
            self.staged = stage_packages(ctx.reader(), self.settings, log=ctx.log)
        except PackagingError as exc:
            raise BuildFailed(f"data packages: {exc}") from None
        ctx.log(f"      packages built and validated in {time.perf_counter() - t:.1f}s")

    def finish(self, publish: bool) -> None:
        if self.staged is None:
            return
        if publish:
            self.staged.publish()
        else:
            self.staged.abandon()
