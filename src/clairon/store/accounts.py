"""Social accounts and their encrypted credentials (the store never sees clear text)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from clairon.domain import SocialAccount
from clairon.store.rows import to_account
from clairon.store.tables import accounts

__all__ = [
    "accounts_expiring_before",
    "encrypted_credentials",
    "get_account",
    "insert_account",
    "list_accounts",
    "update_account",
]


def insert_account(conn: Connection, **values: Any) -> SocialAccount:
    new_id = conn.execute(insert(accounts).values(**values)).inserted_primary_key[0]  # type: ignore[index]
    acc = get_account(conn, int(new_id))
    assert acc is not None
    return acc


def get_account(conn: Connection, account_id: int) -> SocialAccount | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return to_account(row) if row else None


def find_account(
    conn: Connection, workspace_id: int, network: str, handle: str
) -> SocialAccount | None:
    row = (
        conn.execute(
            select(accounts).where(
                accounts.c.workspace_id == workspace_id,
                accounts.c.network == network,
                accounts.c.handle == handle,
            )
        )
        .mappings()
        .first()
    )
    return to_account(row) if row else None


def list_accounts(conn: Connection, workspace_id: int) -> list[SocialAccount]:
    q = select(accounts).where(accounts.c.workspace_id == workspace_id).order_by(accounts.c.id)
    return [to_account(r) for r in conn.execute(q).mappings()]


def encrypted_credentials(conn: Connection, account_id: int) -> bytes | None:
    value = conn.execute(select(accounts.c.credentials).where(accounts.c.id == account_id)).scalar()
    return bytes(value) if value is not None else None


def update_account(conn: Connection, account_id: int, **values: Any) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))


def all_encrypted_credentials(conn: Connection) -> list[tuple[int, bytes]]:
    q = select(accounts.c.id, accounts.c.credentials).where(accounts.c.credentials.is_not(None))
    return [(int(r[0]), bytes(r[1])) for r in conn.execute(q)]


def accounts_expiring_before(conn: Connection, moment: datetime) -> list[SocialAccount]:
    q = select(accounts).where(
        accounts.c.token_expires_at.is_not(None), accounts.c.token_expires_at <= moment
    )
    return [to_account(r) for r in conn.execute(q).mappings()]
