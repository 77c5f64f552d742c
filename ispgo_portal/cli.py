"""`ispgo-portal` console script."""

from __future__ import annotations

import argparse
import sys

from ispgo_portal.services.errors import DomainError


def _create_admin(args: argparse.Namespace) -> int:
    from ispgo_portal.db import session_scope
    from ispgo_portal.services.accounts import two_factor
    from ispgo_portal.services.accounts.auth import create_admin

    user = create_admin(email=args.email, password=args.password, name=args.name)
    print(f"Администратор {user.email} готов (id {user.id})")
    if args.totp:
        with session_scope() as session:
            secret = two_factor.ensure_enrolled(session, user=user)
        print(f"Код входа (TOTP): секрет {secret}")
        print(f"  {two_factor.provisioning_uri(secret, user.email)}")
    else:
        print("Админке нужна двухфакторная защита: после входа включите её в разделе «Безопасность» "
              "(или запустите команду с --totp)")
    return 0


def _seed_demo(_args: argparse.Namespace) -> int:
    from ispgo_portal.services.demo import seed_demo

    for login in seed_demo():
        print(f"{login.role}: {login.email} / {login.password}")
        if login.totp_secret:
            print(f"  код входа (TOTP): секрет {login.totp_secret} · {login.totp_uri}")
    return 0


def _check_ledger(_args: argparse.Namespace) -> int:
    from ispgo_portal.db import session_scope
    from ispgo_portal.services.billing.ledger import ledger_mismatches

    with session_scope() as session:
        bad = ledger_mismatches(session)
    if not bad:
        print("ok: every balance equals the sum of its ledger")
        return 0
    for user_id, email, balance, total in bad:
        print(f"MISMATCH user {user_id} {email}: balance {balance} != ledger {total}")
    return 1


def _renew_due(_args: argparse.Namespace) -> int:
    from ispgo_portal.services.licensing.renewals import run_renewal_pass

    result = run_renewal_pass()
    print(result.summary())
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from ispgo_portal.migrations import upgrade_to_head

    upgrade_to_head()
    print("database is at the latest migration")
    return 0


def _create_token(args: argparse.Namespace) -> int:
    from ispgo_portal.services.rest.tokens import create_token_for_email

    created = create_token_for_email(email=args.email, name=args.name, scopes=args.scopes)
    print(created.token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ispgo-portal", description="ISPGo portal administration")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-admin", help="create an admin (or promote an account)")
    p.add_argument("email")
    p.add_argument("--password", required=True)
    p.add_argument("--name", default="Администратор")
    p.add_argument("--totp", action="store_true",
                   help="turn on two-factor sign-in now and print the TOTP secret (admins need it)")
    p.set_defaults(func=_create_admin)
    sub.add_parser("seed-demo", help="demo tariffs, admin and customer (idempotent)").set_defaults(func=_seed_demo)
    sub.add_parser("check-ledger", help="exit 1 if any balance differs from its ledger").set_defaults(
        func=_check_ledger
    )
    sub.add_parser("renew-due", help="one auto-renewal and expiry pass").set_defaults(func=_renew_due)
    p = sub.add_parser("create-token", help="create a REST API token for a customer and print it")
    p.add_argument("email")
    p.add_argument("--name", required=True)
    p.add_argument("--scopes", default="read", help="read, write or read,write")
    p.set_defaults(func=_create_token)
    sub.add_parser("migrate", help="apply Alembic migrations").set_defaults(func=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ispgo_portal.logging_setup import configure_logging

    configure_logging()
    try:
        return args.func(args)
    except DomainError as exc:
        print(f"ошибка: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
