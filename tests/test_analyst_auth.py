"""Analyst accounts and sign-in: hashing, `lacat user`, CSRF, rate limits and lockout, session
cookies, sign-out and the audit log, against the real app over the session's built catalogue."""

from __future__ import annotations

import io
import re
import sqlite3
import stat
import uuid
from dataclasses import replace

import pytest

from cli.main import main as lacat
from web.app import create_app
from web.auth import Accounts, AuditLog

PASSWORD = "correct horse battery staple"


def _name(prefix: str = "analyst") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _client(app, address: str):
    """A test client whose requests come from their own address, so per-address limits of one test
    do not affect another."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _token(client, path: str = "/analyst/login") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _sign_in(client, name: str, password: str = PASSWORD, token: str | None = None, next_path: str = ""):
    token = token or _token(client)
    data = {"csrf_token": token, "name": name, "password": password}
    if next_path:
        data["next"] = next_path
    return client.post("/analyst/login", data=data)


@pytest.fixture()
def account(settings) -> str:
    name = _name()
    Accounts(settings).add(name, PASSWORD)
    return name


def test_passwords_are_stored_as_argon2id_hashes_in_a_private_file(settings, account) -> None:
    path = settings.auth_dir / "accounts.sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.auth_dir.stat().st_mode) == 0o700
    with sqlite3.connect(path) as db:
        (stored,) = db.execute("SELECT password_hash FROM accounts WHERE name = ?", (account,)).fetchone()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored
    assert PASSWORD.encode() not in path.read_bytes()


def test_lacat_user_commands(settings, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LACAT_VAR_DIR", str(settings.var_dir))
    name = _name("cli")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert lacat(["user", "add", name, "--password-stdin"]) == 0
    assert lacat(["user", "list"]) == 0
    out = capsys.readouterr().out
    assert name in out and PASSWORD not in out
    monkeypatch.setattr("sys.stdin", io.StringIO("too short\n"))
    assert lacat(["user", "set-password", name, "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("another long passphrase\n"))
    assert lacat(["user", "set-password", name, "--password-stdin"]) == 0
    assert Accounts(settings).sign_in(name, "another long passphrase", "192.0.2.50").ok
    assert lacat(["user", "remove", name]) == 0
    assert lacat(["user", "remove", name]) == 1
    assert "no account" in capsys.readouterr().err
    events = [e for e in AuditLog(settings).read() if e.get("account") == name]
    assert [e["event"] for e in events if e["event"] != "sign-in"] == ["account-added", "password-set",
                                                                        "account-removed"]
    assert PASSWORD not in settings.auth_dir.joinpath("audit.log").read_text(encoding="utf-8")


def test_sign_in_needs_the_csrf_token(app, account) -> None:
    client = _client(app, "192.0.2.1")
    client.get("/analyst/login")
    response = client.post("/analyst/login", data={"name": account, "password": PASSWORD})
    assert response.status_code == 400
    response = client.post("/analyst/login", data={"name": account, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/analyst/flags").status_code == 302


def test_sign_in_sets_a_private_session_cookie_and_sign_out_ends_it(app, settings, account) -> None:
    client = _client(app, "192.0.2.2")
    response = _sign_in(client, account, next_path="/analyst/flags?rule=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/analyst/flags?rule=x"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lacat_analyst=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/analyst" in cookie
    assert "Secure" not in cookie  # served over http in the test; LACAT_SECURE_COOKIES adds it
    page = client.get("/analyst/flags")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/analyst/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/analyst/flags").status_code == 302
    events = [e for e in AuditLog(settings).read() if e.get("account") == account]
    assert [e["event"] for e in events][:1] == ["sign-in"] and events[0]["outcome"] == "success"
    assert "sign-out" in [e["event"] for e in events]


def test_secure_cookie_setting(settings, account) -> None:
    app = create_app(replace(settings, secure_cookies=True))
    response = _sign_in(_client(app, "192.0.2.3"), account)
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_next_never_leaves_the_analyst_pages(app, account) -> None:
    for target in ("https://example.org/", "//example.org/", "/sparql", "/analyst\\..\\"):
        response = _sign_in(_client(app, "192.0.2.4"), account, next_path=target)
        assert response.headers["Location"] == "/analyst/flags", target


def test_wrong_passwords_lock_the_account_then_it_unlocks(app, settings, account) -> None:
    client = _client(app, "192.0.2.5")
    token = _token(client)
    for _ in range(settings.login_max_failures - 1):
        assert _sign_in(client, account, "wrong password!!", token).status_code == 401
    locked = _sign_in(client, account, "wrong password!!", token)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    # Even the right password is refused while the account is locked, from any address.
    assert _sign_in(_client(app, "192.0.2.6"), account).status_code == 429
    Accounts(settings).unlock(account)
    assert _sign_in(_client(app, "192.0.2.7"), account).status_code == 302
    failures = [e for e in AuditLog(settings).read() if e.get("account") == account and e.get("outcome") == "failure"]
    assert [e["reason"] for e in failures][:settings.login_max_failures] == \
        ["wrong-credentials"] * (settings.login_max_failures - 1) + ["account-locked"]
    assert {e["client"] for e in failures} >= {"192.0.2.5", "192.0.2.6"}


def test_lockout_expires(settings) -> None:
    accounts = Accounts(settings)
    name = _name()
    accounts.add(name, PASSWORD)
    now = 1_000_000.0
    for i in range(settings.login_max_failures):
        result = accounts.sign_in(name, "wrong password!!", f"198.51.100.{i}", now=now)
    assert result.reason == "account-locked"
    assert accounts.sign_in(name, PASSWORD, "198.51.100.9", now=now + 1).reason == "account-locked"
    assert accounts.sign_in(name, PASSWORD, "198.51.100.9", now=now + settings.login_lockout_s + 1).ok


def test_one_address_is_limited_across_account_names(app, settings) -> None:
    client = _client(app, "192.0.2.8")
    token = _token(client)
    statuses = [_sign_in(client, _name("nobody"), "wrong password!!", token).status_code
                for _ in range(settings.login_client_limit + 1)]
    assert statuses[:settings.login_client_limit] == [401] * settings.login_client_limit
    assert statuses[-1] == 429
    # Another address is not affected.
    name = _name()
    Accounts(settings).add(name, PASSWORD)
    assert _sign_in(_client(app, "192.0.2.9"), name).status_code == 302
    unknown = [e for e in AuditLog(settings).read() if e.get("client") == "192.0.2.8"]
    assert all(e["account"] is None and e["unknown_account"] for e in unknown)


def test_changing_the_password_signs_out_existing_sessions(app, settings, account) -> None:
    client = _client(app, "192.0.2.10")
    assert _sign_in(client, account).status_code == 302
    assert client.get("/analyst/flags.json").status_code == 200
    Accounts(settings).set_password(account, "a brand new passphrase")
    assert client.get("/analyst/flags.json").status_code == 401


def test_audit_log_is_append_only_json_lines_with_private_permissions(settings, app, account) -> None:
    log = settings.auth_dir / "audit.log"
    before = log.read_bytes() if log.exists() else b""
    client = _client(app, "192.0.2.11")
    _sign_in(client, account, "wrong password!!")
    _sign_in(client, account)
    client.get("/analyst/flags")
    after = log.read_bytes()
    assert after.startswith(before)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    new = [e for e in AuditLog(settings).read()[-10:] if e.get("account") == account]
    kinds = [(e["event"], e.get("outcome")) for e in new]
    assert ("sign-in", "failure") in kinds and ("sign-in", "success") in kinds and ("view", None) in kinds
    assert b"wrong password" not in after and PASSWORD.encode() not in after


def test_session_key_is_private(settings, app) -> None:
    key = settings.auth_dir / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) >= 64
