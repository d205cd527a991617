"""Analyst accounts, password hashing, sign-in limits, sessions, CSRF tokens and the audit log.

Everything here lives under `var/auth/` (the LACAT_VAR_DIR setting), outside the repository, in a
folder only the service's user can read (0700, files 0600):

- `accounts.sqlite`: accounts with argon2id password hashes, and the sign-in failure counters
  that drive lockout per account name and per client address. SQLite because several web worker
  processes must share the counters, and every change is one short transaction.
- `secret_key`: the key that signs session cookies, generated on first use (unless
  LACAT_SECRET_KEY_FILE names another file).
- `audit.log`: one JSON object per line, opened in append mode only: sign-ins (success and
  failure), sign-outs, views of the flag pages and account changes made with `lacat user`.

Passwords are hashed with argon2id by argon2-cffi's `PasswordHasher` defaults, the RFC 9106
"second recommended" profile: time cost 3, memory 64 MiB, parallelism 4, 16-byte salt, 32-byte
hash. A stored hash made with older parameters is replaced at the next successful sign-in.
A password is never stored, logged or echoed; only its hash is kept.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.settings import Settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD = 12  # NCSC: length beats complexity rules
MAX_PASSWORD = 1024  # bounds the hashing work one request can cause

_HASHER = PasswordHasher()
# Verified when an account name is unknown, so a wrong name costs as long as a wrong password and
# response times do not reveal which accounts exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request to change accounts that cannot be carried out (the message says why)."""


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def check_username(name: str) -> str:
    if not USERNAME.match(name or ""):
        raise AccountError("an account name is 2 to 64 characters: lower-case letters, digits and . _ @ -, "
                           "starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password has at most {MAX_PASSWORD} characters")
    return password


# ---------------------------------------------------------------------------------------------
# Audit log


class AuditLog:
    """Append-only JSON-lines log. Each event is written with one write() on an O_APPEND file, so
    concurrent workers never interleave half lines and nothing already written is rewritten."""

    def __init__(self, settings: Settings) -> None:
        self.path = _private_dir(settings.auth_dir) / "audit.log"

    def write(self, event: str, **fields: object) -> None:
        record = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def read(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


# ---------------------------------------------------------------------------------------------
# Accounts and sign-in limits


@dataclass(frozen=True)
class Account:
    name: str
    created: str
    locked_until: float
    session_version: int


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt."""

    ok: bool
    reason: str  # "ok" | "wrong-credentials" | "account-locked" | "client-limited"
    retry_after: int = 0
    session_version: int = 0


_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  created TEXT NOT NULL,
  session_version INTEGER NOT NULL DEFAULT 1
);
-- Failures per attempted account name, whether or not the account exists, so lockout behaves
-- the same for unknown names and does not reveal which accounts exist.
CREATE TABLE IF NOT EXISTS name_failures (
  name TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS client_failures (
  client TEXT NOT NULL,
  at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS client_failures_by_client ON client_failures (client, at);
"""


class Accounts:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = _private_dir(settings.auth_dir) / "accounts.sqlite"
        if not self.path.exists():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock at once: two workers counting failures for the same name
        # cannot both read the old count.
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # --- management (lacat user) -----------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        check_username(name)
        hashed = _HASHER.hash(check_password(password))
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"account {name!r} already exists")
            db.execute("INSERT INTO accounts (name, password_hash, created) VALUES (?, ?, ?)",
                       (name, hashed, datetime.now(UTC).isoformat(timespec="seconds")))

    def remove(self, name: str) -> None:
        with self._transaction() as db:
            if db.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount == 0:
                raise AccountError(f"no account {name!r}")
            db.execute("DELETE FROM name_failures WHERE name = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        hashed = _HASHER.hash(check_password(password))
        with self._transaction() as db:
            # A new session version signs out every session of the account.
            changed = db.execute("UPDATE accounts SET password_hash = ?, session_version = session_version + 1 "
                                 "WHERE name = ?", (hashed, name)).rowcount
            if not changed:
                raise AccountError(f"no account {name!r}")
            db.execute("DELETE FROM name_failures WHERE name = ?", (name,))

    def unlock(self, name: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM name_failures WHERE name = ?", (name,))

    def list(self) -> list[Account]:
        with self._db() as db:
            rows = db.execute(
                "SELECT a.name, a.created, COALESCE(f.locked_until, 0), a.session_version FROM accounts a "
                "LEFT JOIN name_failures f ON f.name = a.name ORDER BY a.name").fetchall()
        return [Account(*row) for row in rows]

    def session_version(self, name: str) -> int | None:
        """The account's current session version, or None if it no longer exists."""
        with self._db() as db:
            row = db.execute("SELECT session_version FROM accounts WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    # --- signing in ------------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, client: str, now: float | None = None) -> SignIn:
        """Check a password, counting failures per account name and per client address."""
        now = time.time() if now is None else now
        s = self.settings
        window_start = now - s.login_lockout_s
        with self._transaction() as db:
            db.execute("DELETE FROM client_failures WHERE at < ?", (window_start,))
            (client_count,) = db.execute("SELECT COUNT(*) FROM client_failures WHERE client = ?",
                                         (client,)).fetchone()
            if client_count >= s.login_client_limit:
                oldest = db.execute("SELECT MIN(at) FROM client_failures WHERE client = ?", (client,)).fetchone()[0]
                return SignIn(False, "client-limited", retry_after=max(1, int(oldest + s.login_lockout_s - now)))
            row = db.execute("SELECT failures, locked_until FROM name_failures WHERE name = ?", (name,)).fetchone()
            failures, locked_until = row if row else (0, 0.0)
            if locked_until > now:
                db.execute("INSERT INTO client_failures (client, at) VALUES (?, ?)", (client, now))
                return SignIn(False, "account-locked", retry_after=max(1, int(locked_until - now)))
            if locked_until:  # an expired lock starts a fresh count
                failures = 0
            account = db.execute("SELECT password_hash, session_version FROM accounts WHERE name = ?",
                                 (name,)).fetchone()
        # Hash outside the write transaction: argon2 takes tens of milliseconds and needs no lock.
        ok = _verify(account[0] if account else _DUMMY_HASH, password) and account is not None
        with self._transaction() as db:
            if ok:
                db.execute("DELETE FROM name_failures WHERE name = ?", (name,))
                if _HASHER.check_needs_rehash(account[0]):
                    db.execute("UPDATE accounts SET password_hash = ? WHERE name = ?", (_HASHER.hash(password), name))
                return SignIn(True, "ok", session_version=account[1])
            failures += 1
            locked = now + s.login_lockout_s if failures >= s.login_max_failures else 0.0
            db.execute("INSERT INTO name_failures (name, failures, locked_until) VALUES (?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET failures = excluded.failures, "
                       "locked_until = excluded.locked_until", (name, 0 if locked else failures, locked))
            db.execute("INSERT INTO client_failures (client, at) VALUES (?, ?)", (client, now))
        if locked:
            return SignIn(False, "account-locked", retry_after=s.login_lockout_s)
        return SignIn(False, "wrong-credentials")

    def exists(self, name: str) -> bool:
        return self.session_version(name) is not None


def _verify(hashed: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------------------------------------
# Session key and CSRF tokens


def secret_key(settings: Settings) -> bytes:
    """The session signing key: LACAT_SECRET_KEY_FILE, or var/auth/secret_key created once (0600)."""
    if settings.secret_key_file:
        path = Path(settings.secret_key_file)
        key = path.read_bytes().strip()
        if len(key) < 32:
            raise RuntimeError(f"the session key file {path.name} holds fewer than 32 bytes")
        return key
    path = _private_dir(settings.auth_dir) / "secret_key"
    try:
        # O_EXCL: when several workers start at once, exactly one creates the key; the rest read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_bytes().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError("the session key file is empty") from None
    key = secrets.token_hex(32).encode("ascii")
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


CSRF_FIELD = "csrf_token"


def csrf_token(session: dict) -> str:
    """This session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_valid(session: dict, submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))
