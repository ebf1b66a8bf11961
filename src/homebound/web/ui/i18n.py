"""UI translations: Babel catalogues (en, uk, ru), language negotiation, and labels of domain values."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

from homebound.core.access import Role
from homebound.core.deaths import NoticeChannel
from homebound.core.exchange.agreement import AgreementStatus
from homebound.core.exchange.formula import Basis
from homebound.core.exchange.handover import LineState
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Category, Health, LegalHold, Registry, Sex, Status, WillToReturn
from homebound.core.remains import Identification
from homebound.services.accounts import LANGUAGES

DEFAULT_LANGUAGE = "en"
DOMAIN = "messages"
# Each language named in itself, so a reader finds their own whatever the page is in.
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "uk": "Українська", "ru": "Русский"}


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel's extractor looks for
    """Mark a string for extraction; it is translated later, where the reader's language is known."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (English is the source text); a missing catalogue is an error."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    folder = resources.files("homebound.web.ui") / "translations"
    path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with resources.as_file(path) as mo_path, mo_path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def negotiate(accept_language: str | None) -> str:
    """Pick our language from an Accept-Language header (quality values honoured by order)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            ranked.append((-quality, position, tag.replace("_", "-")))
    preferred = [tag for _q, _p, tag in sorted(ranked)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="-") or DEFAULT_LANGUAGE


# Domain values as readers see them; the stored values stay the English enum names.
_LABELS: Mapping[str, Mapping[str, str]] = {
    "registry": {Registry.HELD: N_("Held"), Registry.SOUGHT: N_("Sought")},
    "agreement": {
        AgreementStatus.DRAFT: N_("draft"),
        AgreementStatus.NEGOTIATING: N_("negotiating"),
        AgreementStatus.CONCLUDED: N_("concluded"),
    },
    # The keys services.exchange_ledger counts exchanges by, beside the person categories.
    "ledger": {
        Category.POW: N_("prisoner of war"),
        Category.CIVILIAN_INTERNEE: N_("civilian internee"),
        Category.REMAINS: N_("remains"),
        "basis_parity": N_("under the parity formula"),
        "basis_all_for_all": N_("all for all in a category"),
        "basis_humanitarian": N_("humanitarian release"),
        "officers": N_("officers"),
        "seriously_wounded_sick": N_("seriously wounded or sick"),
        "substitutes_accepted": N_("substitutes accepted"),
        "not_in_registry": N_("not in a registry"),
        "refused_repatriation": N_("refused repatriation"),
        "third_party_custody": N_("in third-party custody"),
        "not_delivered": N_("not delivered"),
        "remains_identified": N_("remains identified"),
        "remains_pending_dna": N_("remains awaiting DNA"),
        "remains_mixed_remains": N_("mixed remains"),
    },
    # Rank classes of the points tables (core.exchange.ranks) and the basis a listed person goes home on.
    "rank_class": {
        "general_in_chief_or_admiral": N_("general-in-chief or admiral"),
        "major_general_or_flag_officer": N_("major general or flag officer"),
        "brigadier_general_or_commodore": N_("brigadier general or commodore"),
        "colonel_or_navy_captain": N_("colonel or navy captain"),
        "lieutenant_colonel_or_navy_commander": N_("lieutenant colonel or navy commander"),
        "major_or_lieutenant_commander": N_("major or lieutenant commander"),
        "army_captain_or_navy_lieutenant": N_("army captain or navy lieutenant"),
        "lieutenant_or_ensign": N_("lieutenant or ensign"),
        "midshipman_or_warrant_officer": N_("midshipman or warrant officer"),
        "non_commissioned_officer": N_("non-commissioned officer"),
        "private": N_("private"),
    },
    "basis": {
        Basis.PARITY: N_("parity"),
        Basis.ALL_FOR_ALL: N_("all for all"),
        Basis.HUMANITARIAN: N_("humanitarian release"),
    },
    # The standard categories of the terms (core.exchange.categories), by kind; a custom label stays as typed.
    "term_category": {
        "seriously_wounded_or_sick": N_("seriously wounded or sick"),
        "civilians": N_("civilians"),
        "women": N_("women"),
        "long_captivity": N_("long captivity"),
        "remains": N_("remains"),
    },
    # Why a candidate is in or out of a composition (core.exchange.reasons.DecisionCode), with the rank.
    "decision": {
        "in.all_for_all": N_("in: all for all in an agreed category, priority rank %(rank)s"),
        "in.humanitarian": N_("in: humanitarian release outside parity, priority rank %(rank)s"),
        "in.amendment": N_("in: added by amendment, priority rank %(rank)s"),
        "in.priority": N_("in: chosen by priority, rank %(rank)s"),
        "out.not_eligible": N_("out: not eligible (a condition of the terms is not met)"),
        "out.amendment": N_("out: removed by amendment"),
        "out.below_cutoff": N_("out: below the cut-off for the places of this side (priority rank %(rank)s)"),
        "out.formula": N_("out: the formula's points are used up (priority rank %(rank)s)"),
        "out.no_parity": N_("out: no parity formula, and in no all-for-all or humanitarian release"),
    },
    "line": {
        LineState.PENDING: N_("pending"),
        LineState.DELIVERED: N_("delivered"),
        LineState.SUBSTITUTE_PROPOSED: N_("substitute brought"),
        LineState.SUBSTITUTE_ACCEPTED: N_("substitute accepted"),
        LineState.SUBSTITUTE_REJECTED: N_("substitute rejected"),
        LineState.REFUSED: N_("refused repatriation"),
        LineState.NOT_DELIVERED: N_("not delivered"),
        LineState.THIRD_PARTY_CUSTODY: N_("in third-party custody"),
    },
    "role": {
        Role.PARTY_OPERATOR: N_("party operator"),
        Role.PARTY_ADMIN: N_("party administrator"),
        Role.MEDIATOR: N_("mediator"),
        Role.OBSERVER: N_("observer"),
        Role.PUBLIC: N_("public"),
    },
    "status": {
        Status.HELD: N_("held"),
        Status.HOSPITALISED: N_("hospitalised"),
        Status.LISTED_FOR_EXCHANGE: N_("listed for exchange"),
        Status.EXCHANGED: N_("exchanged"),
        Status.RELEASED: N_("released"),
        Status.THIRD_PARTY_CUSTODY: N_("in third-party custody"),
        Status.ESCAPED: N_("escaped"),
        Status.MISSING: N_("missing"),
        Status.BELIEVED_CAPTIVE: N_("believed captive"),
        Status.CONFIRMED_HELD: N_("confirmed held"),
        Status.RETURNED: N_("returned"),
        Status.DECEASED: N_("deceased"),
    },
    "category": {
        Category.POW: N_("prisoner of war"),
        Category.CIVILIAN_INTERNEE: N_("civilian internee"),
        Category.REMAINS: N_("remains"),
    },
    "health": {
        Health.UNKNOWN: N_("unknown"),
        Health.GOOD: N_("good"),
        Health.SICK: N_("sick"),
        Health.WOUNDED: N_("wounded"),
        Health.SERIOUSLY_WOUNDED_SICK: N_("seriously wounded or sick"),
    },
    "tag": {
        ActionTag.PERSON_CREATE: N_("record created"),
        ActionTag.PERSON_UPDATE: N_("record changed"),
        ActionTag.PERSON_STATUS: N_("status changed"),
        ActionTag.PERSON_SHARE: N_("record shared"),
        ActionTag.LIST_IMPORT: N_("list imported"),
        ActionTag.INQUIRY_FILE: N_("inquiry filed"),
        ActionTag.INQUIRY_ATTACH: N_("inquiry attached"),
        ActionTag.DEATH_RECORD: N_("death recorded"),
        ActionTag.REMAINS_IDENTIFY: N_("identified from remains"),
    },
    "identification": {
        Identification.PENDING: N_("identification pending"),
        Identification.IDENTIFIED: N_("identified"),
        Identification.EXCLUDED: N_("excluded"),
    },
    "notice_through": {
        NoticeChannel.ICRC: N_("the ICRC Central Tracing Agency"),
        NoticeChannel.MEDIATOR: N_("the mediator"),
        NoticeChannel.PROTECTING_POWER: N_("the protecting power"),
        NoticeChannel.DIRECT: N_("directly"),
    },
    "sex": {Sex.MALE: N_("male"), Sex.FEMALE: N_("female"), Sex.UNKNOWN: N_("unknown")},
    "legal_hold": {
        LegalHold.NONE: N_("none"),
        LegalHold.PROCEEDINGS: N_("criminal proceedings"),
        LegalHold.SENTENCE: N_("serving a sentence"),
    },
    "will": {
        WillToReturn.UNKNOWN: N_("not yet verified"),
        WillToReturn.CONFIRMED: N_("confirmed"),
        WillToReturn.REFUSED: N_("refused"),
    },
    "stage": {
        "received": N_("Your inquiry has been received and is waiting to be matched to a record."),
        "searching": N_("The person is being searched for."),
        "confirmed_held": N_("The person is confirmed to be held by the other side."),
        "returned": N_("The person has returned."),
        "reported_deceased": N_("The person has been reported deceased. The bureau will contact you."),
    },
    "problem": {
        "required": N_("a value is required"),
        "invalid_value": N_("the value is not valid"),
        "unknown_field": N_("not a field of a person record"),
        "unknown_column": N_("the column is not known"),
        "unnamed_column": N_("a column has no name"),
        "missing_column": N_("a required column is missing"),
        "duplicate_column": N_("the column appears twice"),
        "duplicate_id": N_("the record id appears twice"),
        "ragged_row": N_("the row has a different number of cells than the header"),
        "no_header": N_("no header row was found"),
        "empty": N_("the file is empty"),
        "encoding": N_("the file's text encoding was not recognised"),
        "format": N_("the file is not a readable CSV or XLSX list"),
        "invalid_transition": N_("this change of status is not allowed"),
        "invalid_date": N_("not a date (YYYY-MM-DD)"),
        "invalid_choice": N_("not one of the choices"),
        "too_long": N_("the text is too long"),
        "in_future": N_("the date is in the future"),
        "before_death": N_("the date is earlier than the date of death"),
        "inquiry_without_doubt": N_("an official inquiry is recorded when the cause is unclear"),
        "not_identified": N_("only identified remains name a person"),
        "too_many_problems": N_("more problems were found than are listed"),
    },
}


@dataclass(frozen=True)
class Translator:
    """The reader's language and the functions templates call: `_`, `ngettext` and `label`."""

    language: str

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return translations(self.language).ngettext(singular, plural, count)

    def organisation(self, name: str, names: Mapping[str, str] | None) -> str:
        """An organisation's name in the reader's language, where it was given one; else its one name."""
        return (names or {}).get(self.language) or name

    def category(self, document: Mapping[str, object]) -> str:
        """A category of the terms: a standard one in the reader's language, a custom label as typed."""
        label = str(document.get("label") or document.get("key") or "")
        source = _LABELS["term_category"].get(str(document.get("kind") or document.get("key")))
        return self.gettext(source) if source and source == label else label

    def decision(self, code: str, rank: int | None, said: str) -> str:
        """Why a candidate is in or out, worded from its code and rank; English readers get the core's
        sentence, which carries more (the gate, the categories, the amendment's reason)."""
        source = _LABELS["decision"].get(code)
        if self.language == DEFAULT_LANGUAGE or source is None:
            return said
        return self.gettext(source) % {"rank": rank if rank is not None else "—"}

    def label(self, kind: str, value: str) -> str:
        """A domain value in the reader's language; an unknown value is shown as stored."""
        source = _LABELS[kind].get(value)
        return self.gettext(source) if source else value
