"""Workspace installations in the bot's database (slack_sdk's SQLAlchemy stores), tokens
sealed with Fernet so that a copy of the database holds no usable token.

The tables are created by the Alembic migration 0009, never by ``create_tables``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, String, Table, delete, select, update

log = logging.getLogger(__name__)

# Installation and Bot both carry these; the refresh tokens only with token rotation,
# the user token only if user scopes are ever asked for.
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
# A sealed 200-character token is 356 characters long; slack_sdk's String(200) is not
# enough, so the token columns are widened (migration 0009 does the same).
TOKEN_COLUMN_LENGTH = 1000
STATE_EXPIRATION_S = 600

_E = TypeVar("_E", Installation, Bot)


class TokenKeyError(Exception):
    """TOKEN_ENCRYPTION_KEY is missing, malformed, or cannot open a stored token."""


class TokenCipher:
    """Fernet with several keys: the first seals, every one opens (key rotation)."""

    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise TokenKeyError("TOKEN_ENCRYPTION_KEY is not set (needed in OAuth mode)")
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in parts])
        except (ValueError, UnicodeEncodeError) as exc:
            raise TokenKeyError(
                "TOKEN_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes "
                "each, comma-separated); make one with `civic-match workspace new-key`"
            ) from exc

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise TokenKeyError(
                "a stored token cannot be decrypted with TOKEN_ENCRYPTION_KEY (was a key "
                "removed before `civic-match workspace rotate-key` re-sealed the tokens?)"
            ) from exc

    def reseal(self, sealed: str) -> str:
        """The token sealed with the first key (MultiFernet.rotate)."""
        try:
            return self._fernet.rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise TokenKeyError("a stored token cannot be decrypted with any key") from exc


class _WideTokenStore(SQLAlchemyInstallationStore):
    """slack_sdk's store with token columns long enough for sealed tokens."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widen(super().build_installations_table(metadata, table_name))

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return _widen(super().build_bots_table(metadata, table_name))


def _widen(table: Table) -> Table:
    for name in TOKEN_FIELDS:
        if name in table.c:
            table.c[name].type = String(TOKEN_COLUMN_LENGTH)
    return table


def _convert(entity: _E, change: Any) -> _E:
    out = copy.copy(entity)
    for name in TOKEN_FIELDS:
        value = getattr(out, name, None)
        if value:
            setattr(out, name, change(value))
    return out


class SealedInstallationStore(InstallationStore):
    """The installation store Bolt uses: seals tokens on save, opens them on find."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        self.inner = _WideTokenStore(client_id=client_id, engine=engine)
        self.cipher = cipher

    @property
    def client_id(self) -> str:
        return self.inner.client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        # The inner save also writes the bot row, from the sealed copy.
        self.inner.save(_convert(installation, self.cipher.seal))

    def save_bot(self, bot: Bot) -> None:
        self.inner.save_bot(_convert(bot, self.cipher.seal))

    def _open(self, entity: _E) -> _E:
        try:
            return _convert(entity, self.cipher.open)
        except TokenKeyError as exc:
            # Bolt takes any failure of find_bot for "not installed" and logs it at info
            # level; a wrong key must be seen.
            log.error("%s", exc)
            raise

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = self.inner.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._open(found)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self.inner.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else self._open(found)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.inner.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        self.inner.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    # slack_sdk looks rows up by (enterprise, team); the flows know only the team, which
    # is unique on its own (a workspace of a Grid org still has its own team id).

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The latest bot installation of the workspace, whatever its enterprise."""
        c = self.inner.bots.c
        query = (
            select(self.inner.bots)
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(c.installed_at.desc())
            .limit(1)
        )
        with self.inner.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return self._open(self.inner.build_bot_entity(row))

    def forget_team(self, team_id: str) -> None:
        """Delete every installation and bot of the workspace (uninstall, purge)."""
        with self.inner.engine.begin() as conn:
            for table in (self.inner.installations, self.inner.bots):
                conn.execute(
                    delete(table).where(
                        table.c.client_id == self.client_id, table.c.team_id == team_id
                    )
                )

    def reseal_all(self) -> int:
        """Seal every stored token with the first key; returns how many were resealed.

        The tables are slack_sdk's, so this reads them through its Table objects rather
        than through the models in profiles/.
        """
        count = 0
        with self.inner.engine.begin() as conn:
            for table in (self.inner.installations, self.inner.bots):
                cols = [table.c[n] for n in TOKEN_FIELDS if n in table.c]
                for row in conn.execute(select(table.c.id, *cols)).mappings().all():
                    values = {c.name: self.cipher.reseal(row[c.name]) for c in cols if row[c.name]}
                    if values:
                        conn.execute(update(table).where(table.c.id == row["id"]).values(values))
                        count += len(values)
        return count


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """OAuth state (the anti-CSRF ``state`` of an install) in the bot's database."""
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_S, engine=engine)


def store_tables() -> list[Table]:
    """The tables of both stores, as migration 0009 must create them (a test compares)."""
    engine_free = MetaData()
    return [
        _WideTokenStore.build_installations_table(engine_free, "slack_installations"),
        _WideTokenStore.build_bots_table(engine_free, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(engine_free, "slack_oauth_states"),
    ]
