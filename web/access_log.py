"""gunicorn's logger with a cheaper access line: the same text, from only the atoms it names.

gunicorn builds every atom for every request (each request and response header, each environ
variable, each escaped) before formatting a line that uses nine of them: 40 us a request, about
as long as a DESCRIBE of one resource takes in the engine. Here an atom is worked out when the
format asks for it, the way gunicorn works it out (tests/test_access_log.py compares the lines).
"""

from __future__ import annotations

import os
import traceback

from gunicorn.glogging import Logger


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time) -> None:  # type: ignore[no-untyped-def]
        if not self.access_log_enabled:
            return
        try:
            self.access_log.info(self.cfg.access_log_format, _Atoms(self, resp, req, environ, request_time))
        except Exception:
            self.error(traceback.format_exc())


def _status(resp) -> object:  # type: ignore[no-untyped-def]
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


def _headers(source) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    headers = source.headers if hasattr(source, "headers") else source
    return list(headers.items()) if hasattr(headers, "items") else list(headers)


# gunicorn's atoms (glogging.Logger.atoms), each a function of (logger, resp, environ, request_time).
_SIMPLE = {
    "h": lambda log, resp, env, rt: env.get("REMOTE_ADDR", "-"),
    "l": lambda log, resp, env, rt: "-",
    "u": lambda log, resp, env, rt: log._get_user(env) or "-",
    "t": lambda log, resp, env, rt: log.now(),
    "r": lambda log, resp, env, rt: f"{env['REQUEST_METHOD']} {env['RAW_URI']} {env['SERVER_PROTOCOL']}",
    "s": lambda log, resp, env, rt: _status(resp),
    "m": lambda log, resp, env, rt: env.get("REQUEST_METHOD"),
    "U": lambda log, resp, env, rt: env.get("PATH_INFO"),
    "q": lambda log, resp, env, rt: env.get("QUERY_STRING"),
    "H": lambda log, resp, env, rt: env.get("SERVER_PROTOCOL"),
    "b": lambda log, resp, env, rt: getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
    "B": lambda log, resp, env, rt: getattr(resp, "sent", None),
    "f": lambda log, resp, env, rt: env.get("HTTP_REFERER", "-"),
    "a": lambda log, resp, env, rt: env.get("HTTP_USER_AGENT", "-"),
    "T": lambda log, resp, env, rt: rt.seconds,
    "D": lambda log, resp, env, rt: (rt.seconds * 1000000) + rt.microseconds,
    "M": lambda log, resp, env, rt: (rt.seconds * 1000) + int(rt.microseconds / 1000),
    "L": lambda log, resp, env, rt: f"{rt.seconds}.{rt.microseconds:06d}",
    "p": lambda log, resp, env, rt: f"<{os.getpid()}>",
}


class _Atoms(dict):
    """gunicorn's SafeAtoms, worked out key by key: a missing atom is '-', a string has its double
    quotes escaped, and `{name}i`, `{name}o` and `{name}e` are a request header, a response header
    and an environ variable, matched without regard to case."""

    def __init__(self, log: Logger, resp, req, environ: dict, request_time) -> None:  # type: ignore[no-untyped-def]
        # Not empty: logging formats with a mapping only when the mapping is truthy.
        super().__init__(_=None)
        self.args = (log, resp, req, environ, request_time)

    def __getitem__(self, key: str) -> object:
        log, resp, req, environ, request_time = self.args
        if key.startswith("{"):
            value = self._braced(key.lower(), resp, req, environ)
        elif key in _SIMPLE:
            value = _SIMPLE[key](log, resp, environ, request_time)
        else:
            return "-"
        return value.replace('"', '\\"') if isinstance(value, str) else value

    @staticmethod
    def _braced(key: str, resp, req, environ: dict) -> object:  # type: ignore[no-untyped-def]
        name, kind = key[1:-2], key[-2:]
        if kind == "}i":
            pairs = _headers(req)
        elif kind == "}o":
            pairs = _headers(resp)
        elif kind == "}e":
            pairs = list(environ.items())
        else:
            return "-"
        found = "-"
        for k, v in pairs:  # the last of repeated names, as gunicorn's dict keeps it
            if k.lower() == name:
                found = v
        return found
