"""A synthetic demo: two parties, a mediator office, an ICRC-style observer, lists written as each side
writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from homebound.core.access import Actor, OrganisationKind, Role
from homebound.core.persons import Registry
from homebound.db.tables import OrganisationRow, PersonRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.headers import HeaderLanguage
from homebound.lists.writers import write_csv, write_xlsx
from homebound.services import accounts, exchange_ledger, inquiries, lists, publication
from homebound.services.passwords import PRODUCTION_COST, PasswordCost
from homebound.synthetic.scenario import generate_exchange_lists

DEMO_PASSWORD = "homebound-demo"  # noqa: S105 - development only; Settings refuses the demo in production

ORGANISATIONS = (
    ("ua", "Party UA: Coordination Headquarters for the Treatment of POWs (demo)", OrganisationKind.PARTY),
    ("ru", "Party RU: Ministry of Defence exchange commission (demo)", OrganisationKind.PARTY),
    ("med", "Mediator: ombudsman office of a neutral state (demo)", OrganisationKind.MEDIATOR),
    ("icrc", "ICRC Central Tracing Agency bureau (demo)", OrganisationKind.MEDIATOR),
)
ACCOUNTS = (
    ("ua-admin", "ua", Role.PARTY_ADMIN, "uk"),
    ("ua-operator", "ua", Role.PARTY_OPERATOR, "uk"),
    ("ru-admin", "ru", Role.PARTY_ADMIN, "ru"),
    ("ru-operator", "ru", Role.PARTY_OPERATOR, "ru"),
    ("mediator", "med", Role.MEDIATOR, "en"),
    ("icrc-observer", "icrc", Role.OBSERVER, "en"),
)


@dataclass
class DemoSummary:
    already_loaded: bool = False
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _actor(uows: UnitOfWorkFactory, username: str) -> Actor:
    with uows.reader() as uow:
        user, org = uow.session.execute(
            select(UserRow, OrganisationRow).join(OrganisationRow).where(UserRow.username == username)
        ).one()
    party = org.id if org.kind == OrganisationKind.PARTY else None
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=org.id,
        party_id=party,
        organisation_kind=OrganisationKind(org.kind),
    )


def load_demo(
    uows: UnitOfWorkFactory, *, persons: int = 1500, seed: int = 2023, cost: PasswordCost = PRODUCTION_COST
) -> DemoSummary:
    """Idempotent: a database that already has the demo parties is left as it is."""
    summary = DemoSummary(accounts=[(u, r.value, o) for u, o, r, _ in ACCOUNTS])
    with uows.reader() as uow:
        if uow.session.execute(select(OrganisationRow.id).where(OrganisationRow.code == "ua")).first():
            summary.already_loaded = True
            return summary
    for code, name, kind in ORGANISATIONS:
        accounts.create_organisation(uows, code, name, kind)
    for username, org, role, language in ACCOUNTS:
        accounts.create_user(
            uows,
            "demo",
            username=username,
            display_name=username,
            organisation_code=org,
            role=role,
            password=DEMO_PASSWORD,
            language=language,
            cost=cost,
        )
    scenario = generate_exchange_lists(persons, seed)
    ua, ru = _actor(uows, "ua-operator"), _actor(uows, "ru-operator")
    reverse = scenario.reverse
    assert reverse is not None
    # Each side sends its lists its own way: Ukrainian headers in CSV, Russian headers in XLSX.
    uploads = (
        (ua, Registry.SOUGHT, write_csv(scenario.forward.sought, language=HeaderLanguage.UK), "розшук.csv"),
        (ru, Registry.HELD, write_xlsx(scenario.forward.held, language=HeaderLanguage.RU), "содержатся.xlsx"),
        (ru, Registry.SOUGHT, write_xlsx(reverse.sought, language=HeaderLanguage.RU), "розыск.xlsx"),
        (ua, Registry.HELD, write_csv(reverse.held, language=HeaderLanguage.UK), "утримуються.csv"),
    )
    for actor, registry, data, filename in uploads:
        report = lists.import_list(uows, actor, registry, data, filename)
        party = "ua" if actor is ua else "ru"
        summary.lines.append(f"party {party}: {report.created} {registry.value} records from {filename}")
    summary.lines.extend(_family_inquiries(uows, ua, scenario.forward.sought[:3], cost))
    with uows.reader() as uow:
        total = uow.session.query(PersonRow).count()
    summary.lines.append(f"{total} person records in all; each side sees only its own")
    seeded = exchange_ledger.seed_reported(uows, "demo", side_a="ua", side_b="ru")
    summary.lines.append(f"public ledger: {seeded} publicly reported exchanges (marked as reported figures)")
    for admin, party in (("ua-admin", "ua"), ("ru-admin", "ru")):  # each side publishes its own counts
        publication.publish_registry_counts(uows, _actor(uows, admin), party)
    summary.lines.append("public ledger: each party published its registry counts (deaths not included)")
    return summary


def _family_inquiries(
    uows: UnitOfWorkFactory, bureau: Actor, sought: list[dict[str, str]], cost: PasswordCost
) -> list[str]:
    """Three synthetic families file inquiries with party UA's bureau, which attaches them to sought
    records.
    """
    lines = []
    with uows.reader() as uow:
        ids = dict(
            uow.session.execute(
                select(PersonRow.source_id, PersonRow.id).where(
                    PersonRow.party_id == bureau.party_id, PersonRow.registry_kind == Registry.SOUGHT.value
                )
            ).all()
        )
    for row in sought:
        filed = inquiries.file_inquiry(
            uows,
            Actor(user_id=None, role=Role.PUBLIC),
            party_code="ua",
            inquirer_name="Демо Родина",
            inquirer_contact="+380 00 000 00 00",
            relationship="parent",
            consent=True,
            sought_details={"family_name": row["family_name"]},
            cost=cost,
        )
        inquiries.attach_inquiry(uows, bureau, filed.id, ids[row["record_id"]])
        lines.append(f"family inquiry: case code {filed.case_code}, secret {filed.secret}")
    return lines
