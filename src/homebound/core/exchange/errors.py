"""Domain errors of exchanges: an action not allowed in the current state, with a stable machine code."""

from __future__ import annotations

from typing import ClassVar


class ExchangeError(Exception):
    """Base of every exchange rule violation; the edges map these to 409 Conflict.

    Kept deliberately plain (a class-level `code` and a message) so the lead can re-parent it under the
    project-wide domain error without touching the subclasses.
    """

    code: ClassVar[str] = "exchange.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- terms and formulas -------------------------------------------------------------------------------


class InvalidTerms(ExchangeError):
    code = "agreement.invalid_terms"


class UnknownRankClass(ExchangeError):
    code = "formula.unknown_rank_class"


class UnknownCategory(ExchangeError):
    code = "formula.unknown_category"


# --- agreement versions -------------------------------------------------------------------------------


class NoVersionYet(ExchangeError):
    code = "agreement.no_version"


class AlreadyProposed(ExchangeError):
    code = "agreement.already_proposed"


class UnknownVersion(ExchangeError):
    code = "agreement.unknown_version"


class SupersededVersion(ExchangeError):
    code = "agreement.superseded_version"


class NotAParty(ExchangeError):
    code = "agreement.not_a_party"


class AlreadyAccepted(ExchangeError):
    code = "agreement.already_accepted"


class MissingAcceptance(ExchangeError):
    code = "agreement.missing_acceptance"


class AgreementFrozen(ExchangeError):
    code = "agreement.frozen"


class InvalidAmendment(ExchangeError):
    code = "agreement.invalid_amendment"


class FormulaNotKept(ExchangeError):
    code = "agreement.formula_not_kept"


# --- composition --------------------------------------------------------------------------------------


class CompositionInfeasible(ExchangeError):
    code = "composition.infeasible"


# --- handover -----------------------------------------------------------------------------------------


class TrancheMismatch(ExchangeError):
    code = "handover.tranche_mismatch"


class NotOnManifest(ExchangeError):
    code = "handover.not_on_manifest"


class IllegalTransition(ExchangeError):
    code = "handover.illegal_transition"


class NotReceivingParty(ExchangeError):
    code = "handover.not_receiving_party"


class SubstituteAlreadyListed(ExchangeError):
    code = "handover.substitute_already_listed"


class MissingDetail(ExchangeError):
    code = "handover.missing_detail"


class TrancheClosed(ExchangeError):
    code = "handover.tranche_closed"


class TrancheNotSettled(ExchangeError):
    code = "handover.tranche_not_settled"


class UnknownRemainsBatch(ExchangeError):
    code = "handover.unknown_remains_batch"


class DuplicateRemainsBatch(ExchangeError):
    code = "handover.duplicate_remains_batch"
