"""`lacat user`: manage the accounts of Oflog analysts who may see the early-warning flags.

Accounts live in var/auth/accounts.sqlite (see web/auth.py). Passwords are read from the
terminal without echo, or from standard input with --password-stdin for scripts; they never
appear in arguments (which other users can see in the process list), output or logs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from cli.handler import Handler
from core.settings import Settings
from web.auth import AccountError, Accounts, AuditLog, check_username


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise ValueError("the two passwords differ")
    return first


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    check_username(args.name)
    Accounts(settings).add(args.name, _read_password(args))
    AuditLog(settings).write("account-added", account=args.name, by=_operator())
    print(f"added account {args.name}")
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    Accounts(settings).remove(args.name)
    AuditLog(settings).write("account-removed", account=args.name, by=_operator())
    print(f"removed account {args.name}; its sessions are signed out")
    return 0


def _cmd_set_password(args: argparse.Namespace, settings: Settings) -> int:
    accounts = Accounts(settings)
    if not accounts.exists(args.name):
        raise ValueError(f"no account {args.name!r}")
    accounts.set_password(args.name, _read_password(args))
    AuditLog(settings).write("password-set", account=args.name, by=_operator())
    print(f"set the password of {args.name}; its other sessions are signed out")
    return 0


def _cmd_unlock(args: argparse.Namespace, settings: Settings) -> int:
    Accounts(settings).unlock(args.name)
    AuditLog(settings).write("account-unlocked", account=args.name, by=_operator())
    print(f"cleared failed sign-ins of {args.name}")
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC).timestamp()
    accounts = Accounts(settings).list()
    if not accounts:
        print("no accounts")
    for a in accounts:
        state = "locked" if a.locked_until > now else "active"
        print(f"{a.name}\tcreated {a.created}\t{state}")
    return 0


def _guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return handler(args, settings)
        except (AccountError, ValueError) as exc:
            print(f"lacat user {args.user_command}: {exc}", file=sys.stderr)
            return 1
        except (EOFError, KeyboardInterrupt):
            print(f"lacat user {args.user_command}: cancelled", file=sys.stderr)
            return 1

    return run


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "manage the accounts of analysts who may see the early-warning flags"
    p = sub.add_parser("user", help=help_text, description=help_text)
    users = p.add_subparsers(dest="user_command", metavar="ACTION")
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])

    def with_name(name: str, text: str, password: bool = False) -> None:
        q = users.add_parser(name, help=text, description=text)
        q.add_argument("name", help="account name (lower-case letters, digits, . _ @ -)")
        if password:
            q.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of standard input instead of the terminal")
        q.set_defaults(handler=_guarded({"add": _cmd_add, "remove": _cmd_remove, "set-password": _cmd_set_password,
                                         "unlock": _cmd_unlock}[name]))

    with_name("add", "add an account; asks for its password", password=True)
    with_name("remove", "remove an account and sign out its sessions")
    with_name("set-password", "set an account's password and sign out its sessions", password=True)
    with_name("unlock", "clear an account's failed sign-ins and lockout")
    q = users.add_parser("list", help="list the accounts", description="List the accounts.")
    q.set_defaults(handler=_guarded(_cmd_list))
