"""Every setting of the project, in one place.

Each setting is read from an environment variable so that the same code runs on a laptop,
in CI and behind a load balancer. `lacat settings` prints the values in force.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    base_uri: str = field(
        default="http://localhost:5000/",
        metadata={"env": "LACAT_BASE_URI", "doc": "Prefix of every URI the project mints; ends with '/'."},
    )
    var_dir: Path = field(
        default=PROJECT_ROOT / "var",
        metadata={"env": "LACAT_VAR_DIR", "doc": "Folder for build outputs: stores, packages, dumps."},
    )
    sources_dir: Path = field(
        default=PROJECT_ROOT / "ingest" / "sources",
        metadata={"env": "LACAT_SOURCES_DIR", "doc": "Folder of bundled source files."},
    )
    records_dir: Path = field(
        default=PROJECT_ROOT / "catalogue" / "records",
        metadata={"env": "LACAT_RECORDS_DIR", "doc": "Folder of Oflog-maintained records (metrics, datasets)."},
    )
    store_backend: str = field(
        default="embedded",
        metadata={"env": "LACAT_STORE_BACKEND", "doc": "'embedded' (pyoxigraph) or 'remote' (SPARQL 1.1 server)."},
    )
    remote_query_url: str = field(
        default="",
        metadata={"env": "LACAT_REMOTE_QUERY_URL", "doc": "Remote backend: SPARQL query endpoint URL."},
    )
    remote_update_url: str = field(
        default="",
        metadata={"env": "LACAT_REMOTE_UPDATE_URL", "doc": "Remote backend: SPARQL update endpoint URL."},
    )
    remote_gsp_url: str = field(
        default="",
        metadata={"env": "LACAT_REMOTE_GSP_URL", "doc": "Remote backend: Graph Store Protocol URL."},
    )
    query_timeout_s: float = field(
        default=10.0,
        metadata={"env": "LACAT_QUERY_TIMEOUT", "doc": "Hard time limit of one public SPARQL query, seconds."},
    )
    max_query_bytes: int = field(
        default=20_000,
        metadata={"env": "LACAT_MAX_QUERY_BYTES", "doc": "Largest SPARQL query text accepted, bytes."},
    )
    max_result_rows: int = field(
        default=100_000,
        metadata={"env": "LACAT_MAX_RESULT_ROWS", "doc": "Most solutions or triples one query may return."},
    )
    query_workers: int = field(
        default=2,
        metadata={"env": "LACAT_QUERY_WORKERS", "doc": "Isolated processes that run public SPARQL queries."},
    )
    query_threads: int = field(
        default=4,
        metadata={"env": "LACAT_QUERY_THREADS",
                  "doc": "Public SPARQL queries one query worker process runs at once, over one shared store."},
    )
    query_allocator: str = field(
        default="auto",
        metadata={"env": "LACAT_QUERY_ALLOCATOR",
                  "doc": "Memory allocator of the query processes: 'auto' (mimalloc or jemalloc when installed), "
                  "'system', 'mimalloc', 'jemalloc', or a shared library's path (docs/scaling.md)."},
    )
    max_query_depth: int = field(
        default=64,
        metadata={"env": "LACAT_MAX_QUERY_DEPTH", "doc": "Deepest nesting of brackets accepted in a public query."},
    )
    max_query_patterns: int = field(
        default=64,
        metadata={"env": "LACAT_MAX_QUERY_PATTERNS", "doc": "Most triple patterns accepted in a public query."},
    )
    query_cache_mb: int = field(
        default=64,
        metadata={"env": "LACAT_QUERY_CACHE_MB", "doc": "Memory for cached SPARQL results per web process, MB."},
    )
    web_workers: int = field(
        default=2,
        metadata={"env": "LACAT_WEB_WORKERS", "doc": "WSGI worker processes started by 'lacat serve'."},
    )
    web_threads: int = field(
        default=8,
        metadata={"env": "LACAT_WEB_THREADS", "doc": "Threads per WSGI worker process."},
    )
    web_pin_cpus: bool = field(
        default=True,
        metadata={"env": "LACAT_WEB_PIN_CPUS", "doc": "Pin each WSGI worker process to a CPU of its own "
                  "(its query processes keep every CPU); off leaves placement to the scheduler."},
    )
    # Early-warning flags and the analysts' pages (docs/early-warning.md,
    # docs/decisions/0005-restricted-flags-store.md).
    flags_public: bool = field(
        default=False,
        metadata={"env": "LACAT_FLAGS_PUBLIC", "doc": "Publish the flags of published early-warning rules in "
                  "the public catalogue (graph/flags); false keeps every flag in the restricted store only."},
    )
    secret_key_file: str = field(
        default="",
        metadata={"env": "LACAT_SECRET_KEY_FILE", "doc": "File holding the key that signs analyst sessions; empty "
                  "means var/auth/secret_key, generated on first use with 0600 permissions."},
    )
    secure_cookies: bool = field(
        default=False,
        metadata={"env": "LACAT_SECURE_COOKIES", "doc": "Mark session cookies Secure (set true when served over "
                  "https; an https LACAT_BASE_URI implies it)."},
    )
    session_hours: float = field(
        default=8.0,
        metadata={"env": "LACAT_SESSION_HOURS", "doc": "How long an analyst stays signed in, hours."},
    )
    login_max_failures: int = field(
        default=5,
        metadata={"env": "LACAT_LOGIN_MAX_FAILURES", "doc": "Wrong passwords in a row that lock an analyst account."},
    )
    login_lockout_s: int = field(
        default=900,
        metadata={"env": "LACAT_LOGIN_LOCKOUT", "doc": "How long a locked account or client address stays locked, "
                  "seconds; also the window of LACAT_LOGIN_CLIENT_LIMIT."},
    )
    login_client_limit: int = field(
        default=20,
        metadata={"env": "LACAT_LOGIN_CLIENT_LIMIT", "doc": "Failed sign-ins one client address may make within "
                  "LACAT_LOGIN_LOCKOUT seconds before it is refused."},
    )

    @property
    def stores_dir(self) -> Path:
        return self.var_dir / "stores"

    @property
    def restricted_dir(self) -> Path:
        """Stores of restricted data (early-warning flags), one per build; never served publicly."""
        return self.var_dir / "restricted"

    @property
    def auth_dir(self) -> Path:
        """Analyst accounts, session key and audit log."""
        return self.var_dir / "auth"

    @property
    def current_pointer(self) -> Path:
        """File naming the live store folder; replaced atomically when a build succeeds."""
        return self.var_dir / "CURRENT"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f.metadata["env"])
            if raw is None:
                continue
            values[f.name] = _coerce(f.name, f.default, raw, f.metadata["env"])
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if not settings.base_uri.endswith("/"):
            raise ValueError(f"LACAT_BASE_URI must end with '/': {settings.base_uri!r}")
        return settings

    def describe(self) -> list[tuple[str, str, str]]:
        """(environment variable, value, meaning) for each setting."""
        return [(f.metadata["env"], str(getattr(self, f.name)), f.metadata["doc"]) for f in fields(self)]


def _coerce(name: str, default: object, raw: str, env: str) -> object:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw).expanduser().resolve()
    except ValueError as exc:
        raise ValueError(f"setting {env}={raw!r} is not a valid {type(default).__name__}") from exc
    return raw


def get_settings() -> Settings:
    return Settings.from_env()
