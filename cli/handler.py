"""The shape of a `lacat` subcommand: the parsed arguments and settings in, the exit status out."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from core.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
