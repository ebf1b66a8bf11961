"""What every command needs: settings read once, a unit-of-work factory, and the actor a username stands
for.
"""

from __future__ import annotations

from sqlalchemy import select

from homebound.config import Settings
from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.errors import NotFound
from homebound.db.custody import KeyCustody, key_custody
from homebound.db.engine import make_engine
from homebound.db.tables import OrganisationRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.match_index import default_cache


def load_settings() -> Settings:
    return Settings()


def keys_of(settings: Settings) -> KeyCustody:
    return key_custody(settings.key_dir, settings.data_secret_text())


def open_uows(settings: Settings) -> UnitOfWorkFactory:
    default_cache().max_records = settings.match_index_max_records
    engine = make_engine(settings.database_url)
    return UnitOfWorkFactory(engine, keys_of(settings), match_on_arrival=settings.match_on_arrival)


def actor_for_username(uows: UnitOfWorkFactory, username: str) -> Actor:
    """The CLI runs on the server with database access, so it acts as a named user without a password."""
    with uows.reader() as uow:
        found = uow.session.execute(
            select(UserRow, OrganisationRow).join(OrganisationRow).where(UserRow.username == username)
        ).first()
    if found is None:
        raise NotFound("no such user", field="user")
    user, org = found
    party = org.id if org.kind == OrganisationKind.PARTY else None
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=org.id,
        party_id=party,
        organisation_kind=OrganisationKind(org.kind),
    )
