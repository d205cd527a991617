"""The server's access log (web/access_log.py) writes, for any format, the line gunicorn's own
logger writes: every atom, a missing one, headers and environ variables in any case, quotes."""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from web.access_log import AccessLogger

EVERY_ATOM = " ".join(f"%({k})s" for k in "hlutrsmUqHbBfaTDMLp") + (
    ' "%({user-agent}i)s" %({X-Cache}o)s %({content-type}O)s %({remote_addr}e)s %({missing}i)s %(zz)s')


def _line(cls: type[Logger], tmp_path: Path, fmt: str, request: SimpleNamespace, response: SimpleNamespace,
          environ: dict) -> str:
    log_file = tmp_path / f"{cls.__name__}.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set("access_log_format", fmt)
    logger = cls(cfg)
    logger.access(response, request, environ, datetime.timedelta(seconds=1, microseconds=2345))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log_file.read_text()


@pytest.mark.parametrize("fmt", [Config().access_log_format, EVERY_ATOM])
@pytest.mark.parametrize("sent,auth", [(523, None), (None, "Basic dXNlcjpwYXNz")])
def test_lines_are_gunicorns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, sent, auth) -> None:
    monkeypatch.setattr(Logger, "now", lambda self: "[04/Dec/2026:01:30:00 +0000]")
    request = SimpleNamespace(headers=[("HOST", "127.0.0.1"), ("USER-AGENT", 'client "quoted"/1.0')])
    response = SimpleNamespace(status="200 OK", sent=sent,
                               headers=[("Content-Type", "text/turtle"), ("X-Cache", "hit"), ("X-Cache", "miss")])
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/sparql?query=ASK%7B%7D", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%7B%7D", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_USER_AGENT": 'client "quoted"/1.0', "HTTP_REFERER": "https://example.org/"}
    if auth:
        environ["HTTP_AUTHORIZATION"] = auth
    ours = _line(AccessLogger, tmp_path, fmt, request, response, environ)
    assert ours == _line(Logger, tmp_path, fmt, request, response, environ)
    assert ours.count("\n") == 1 and '\\"quoted\\"' in ours
