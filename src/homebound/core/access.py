"""Who may do what: roles, permissions named scope:resource:action, and the one policy function."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    PARTY_OPERATOR = "party_operator"
    PARTY_ADMIN = "party_admin"
    MEDIATOR = "mediator"
    OBSERVER = "observer"
    PUBLIC = "public"


class OrganisationKind(StrEnum):
    PARTY = "party"  # a belligerent: keeps held and sought registries
    MEDIATOR = "mediator"  # ombudsman office, mediating state, ICRC bureau
    OBSERVER = "observer"  # a node that receives and witnesses (e.g. the ICRC Central Tracing Agency)


class Permission(StrEnum):
    """`scope` says whose objects: party = the actor's own party (or shared with it), any = every party's."""

    PARTY_PERSON_READ = "party:person:read"
    PARTY_PERSON_WRITE = "party:person:write"
    PARTY_PERSON_SHARE = "party:person:share"
    PARTY_LIST_IMPORT = "party:list:import"
    PARTY_LIST_EXPORT = "party:list:export"
    PARTY_INQUIRY_READ = "party:inquiry:read"
    PARTY_INQUIRY_WRITE = "party:inquiry:write"
    PARTY_USER_ADMIN = "party:user:admin"
    PARTY_LOG_READ = "party:log:read"
    PARTY_CHECKPOINT_COSIGN = "party:checkpoint:cosign"
    PARTY_AGREEMENT_READ = "party:agreement:read"  # agreements the party is a party to
    PARTY_AGREEMENT_NEGOTIATE = "party:agreement:negotiate"  # counter-propose, amend
    PARTY_AGREEMENT_ACCEPT = "party:agreement:accept"  # with the password re-entered
    PARTY_HANDOVER_RECORD = "party:handover:record"  # lines at the crossing, substitute decisions
    PARTY_FIGURES_PUBLISH = "party:figures:publish"  # the party's own registry counts, figure by figure
    PARTY_ACCESS_REVIEW = "party:access:review"  # who read, searched or exported the party's personal data
    ANY_PERSON_READ = "any:person:read"
    ANY_PERSON_SHARE = "any:person:share"
    ANY_LOG_READ = "any:log:read"
    ANY_CHECKPOINT_PUBLISH = "any:checkpoint:publish"
    ANY_AGREEMENT_READ = "any:agreement:read"
    ANY_AGREEMENT_MANAGE = "any:agreement:manage"  # create, propose, compose, share, conclude, identities
    ANY_HANDOVER_RECORD = "any:handover:record"  # lines, remains, closing tranches
    ANY_ORGANISATION_READ = "any:organisation:read"
    ANY_MATCH_RUN = "any:match:run"  # match one party's sought list against another's held list
    ANY_MATCH_REVIEW = "any:match:review"  # read the proposed pairs, confirm, reject or defer them
    ANY_FIGURES_PUBLISH = "any:figures:publish"  # any party's counts, an agreement's recorded exchange
    ANY_ACCESS_REVIEW = "any:access:review"
    OWN_TOKEN_MANAGE = "own:token:manage"  # noqa: S105 - a permission name, not a secret
    OWN_PACKAGE_SEND = "own:package:send"  # seal and send a package as the node's organisation
    OWN_PACKAGE_RECEIVE = "own:package:receive"  # accept a package addressed to the node's organisation
    OWN_KEY_MANAGE = "own:key:manage"  # rotate the organisation's signing key, register an external one
    PUBLIC_LEDGER_READ = "public:ledger:read"
    PUBLIC_INQUIRY_FILE = "public:inquiry:file"
    PUBLIC_INQUIRY_STATUS = "public:inquiry:status"

    @property
    def scope(self) -> str:
        return self.value.split(":", 1)[0]


_PUBLIC = frozenset(
    {Permission.PUBLIC_LEDGER_READ, Permission.PUBLIC_INQUIRY_FILE, Permission.PUBLIC_INQUIRY_STATUS}
)
_SIGNED_IN = _PUBLIC | {Permission.OWN_TOKEN_MANAGE, Permission.ANY_ORGANISATION_READ}
_OPERATOR = _SIGNED_IN | {
    Permission.PARTY_PERSON_READ,
    Permission.PARTY_PERSON_WRITE,
    Permission.PARTY_LIST_IMPORT,
    Permission.PARTY_LIST_EXPORT,
    Permission.PARTY_INQUIRY_READ,
    Permission.PARTY_INQUIRY_WRITE,
    Permission.PARTY_LOG_READ,
    Permission.PARTY_AGREEMENT_READ,
    Permission.PARTY_HANDOVER_RECORD,
}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.PUBLIC: _PUBLIC,
    Role.OBSERVER: _SIGNED_IN
    | {
        Permission.PARTY_PERSON_READ,
        Permission.PARTY_LOG_READ,
        Permission.PARTY_AGREEMENT_READ,
        Permission.OWN_PACKAGE_SEND,
        Permission.OWN_PACKAGE_RECEIVE,
    },
    Role.PARTY_OPERATOR: frozenset(_OPERATOR),
    Role.PARTY_ADMIN: _OPERATOR
    | {
        Permission.PARTY_USER_ADMIN,
        Permission.PARTY_PERSON_SHARE,
        Permission.PARTY_CHECKPOINT_COSIGN,
        Permission.OWN_KEY_MANAGE,
        Permission.OWN_PACKAGE_SEND,
        Permission.OWN_PACKAGE_RECEIVE,
        Permission.PARTY_AGREEMENT_NEGOTIATE,
        Permission.PARTY_AGREEMENT_ACCEPT,
        Permission.PARTY_FIGURES_PUBLISH,
        Permission.PARTY_ACCESS_REVIEW,
    },
    Role.MEDIATOR: _SIGNED_IN
    | {
        Permission.ANY_PERSON_READ,
        Permission.ANY_PERSON_SHARE,
        Permission.ANY_LOG_READ,
        Permission.ANY_CHECKPOINT_PUBLISH,
        Permission.OWN_KEY_MANAGE,
        Permission.OWN_PACKAGE_SEND,
        Permission.OWN_PACKAGE_RECEIVE,
        Permission.ANY_AGREEMENT_READ,
        Permission.ANY_AGREEMENT_MANAGE,
        Permission.ANY_HANDOVER_RECORD,
        Permission.ANY_MATCH_RUN,
        Permission.ANY_MATCH_REVIEW,
        Permission.ANY_FIGURES_PUBLISH,
        Permission.ANY_ACCESS_REVIEW,
    },
}

# Roles a user of each kind of organisation may hold; a mediator office has no registries.
ROLES_BY_KIND: Mapping[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.PARTY: frozenset({Role.PARTY_OPERATOR, Role.PARTY_ADMIN, Role.OBSERVER}),
    OrganisationKind.MEDIATOR: frozenset({Role.MEDIATOR, Role.OBSERVER}),
    OrganisationKind.OBSERVER: frozenset({Role.OBSERVER}),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller; `party_id` is set for members of a belligerent party."""

    user_id: str | None
    role: Role
    organisation_id: str | None = None
    party_id: str | None = None
    organisation_kind: OrganisationKind | None = None

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC


PUBLIC_ACTOR = Actor(user_id=None, role=Role.PUBLIC)


class PartyOwned(Protocol):
    """Anything kept in one party's registry and possibly shared with other parties."""

    @property
    def party_id(self) -> str: ...

    @property
    def shared_with(self) -> frozenset[str]: ...


# An observer in a mediator's office reads what the office reads of the log and the exchanges, never the
# registries (docs/reliability.md); a party's observer reads its party's, as the role table says.
MEDIATOR_OBSERVER_EXTRA = frozenset({Permission.ANY_LOG_READ, Permission.ANY_AGREEMENT_READ})


def permissions_of(actor: Actor) -> frozenset[Permission]:
    """What the actor's role grants in its kind of organisation."""
    granted = ROLE_PERMISSIONS[actor.role]
    if actor.role is Role.OBSERVER and actor.organisation_kind is OrganisationKind.MEDIATOR:
        return granted | MEDIATOR_OBSERVER_EXTRA
    return granted


def can(actor: Actor, permission: Permission, obj: PartyOwned | None = None) -> bool:
    """The single decision point: does the role grant the permission, and is the object within its scope?"""
    if permission not in permissions_of(actor):
        return False
    if obj is None or permission.scope in ("any", "public", "own"):
        return True
    if actor.party_id is None:
        return False
    if obj.party_id == actor.party_id:
        return True
    # Sharing grants reading only; writing stays with the owning party.
    return permission.value.endswith(":read") and actor.party_id in obj.shared_with


def visible_party_ids(actor: Actor, permission: Permission) -> frozenset[str] | None:
    """For list queries: None means every party, else only these parties' own objects (plus shares)."""
    if permission not in permissions_of(actor):
        return frozenset()
    if permission.scope == "any":
        return None
    return frozenset({actor.party_id}) if actor.party_id else frozenset()


def best_read_permission(actor: Actor) -> Permission | None:
    """The widest person-read permission the actor holds."""
    for perm in (Permission.ANY_PERSON_READ, Permission.PARTY_PERSON_READ):
        if perm in permissions_of(actor):
            return perm
    return None
