"""Domain errors of exchanges, each with a stable machine code. They are the project's domain errors, so the
edges answer them like any other (no service wraps core calls):

- `ExchangeError`: an action the agreement's or the tranche's current state does not allow: 409;
- `ExchangeInputError`: what the caller sent breaks a rule whatever the state (terms that do not add up, an
  unknown rank class, a handover action without its details): 422 with one field problem.
"""

from __future__ import annotations

from typing import Self

from homebound.core.errors import Conflict, FieldProblem, ValidationFailed


class ExchangeError(Conflict):
    """Base of the exchange rules an action breaks in the current state."""

    code = "exchange.error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)

    def at(self, field: str) -> Self:
        """The same error naming the input at fault, when the caller knows it better than the core."""
        self.field = self.field or field
        return self


class ExchangeInputError(ValidationFailed):
    """Base of the exchange rules broken by the input itself; `rule` is the problem's code."""

    rule = "exchange.invalid_input"

    def __init__(self, message: str, *, field: str = "body") -> None:
        super().__init__([FieldProblem(field, self.rule, message)], message=message)

    def at(self, field: str) -> Self:
        if self.field == "body":
            self.problems = [FieldProblem(field, p.code, p.message, p.row, p.column) for p in self.problems]
            self.field = field
        return self


# --- terms and formulas -------------------------------------------------------------------------------


class InvalidTerms(ExchangeInputError):
    rule = "agreement.invalid_terms"


class UnknownRankClass(ExchangeInputError):
    rule = "formula.unknown_rank_class"


class UnknownCategory(ExchangeInputError):
    rule = "formula.unknown_category"


# --- agreement versions -------------------------------------------------------------------------------


class NoVersionYet(ExchangeError):
    code = "agreement.no_version"


class AlreadyProposed(ExchangeError):
    code = "agreement.already_proposed"


class UnchangedVersion(ExchangeError):
    """A new version with the same terms and lists as the latest: nothing to negotiate on."""

    code = "agreement.unchanged_version"


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


class MissingDetail(ExchangeInputError):
    rule = "handover.missing_detail"


class TrancheClosed(ExchangeError):
    code = "handover.tranche_closed"


class TrancheNotSettled(ExchangeError):
    code = "handover.tranche_not_settled"


class UnknownRemainsBatch(ExchangeError):
    code = "handover.unknown_remains_batch"


class DuplicateRemainsBatch(ExchangeError):
    code = "handover.duplicate_remains_batch"
