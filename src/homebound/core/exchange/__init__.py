"""Exchange agreements: formulas, categories, eligibility, composition and handover rules.

Modules, from the bottom up (all pure: no I/O, no web, no database):

- candidate: Side, Health, Custody, LegalHold, Candidate (dates, sex and the will to return: core.persons)
- formula: NForN, DeclaredRatio, WeightedEquivalence (DIX_HILL_1862), AllForAllInCategory, Humanitarian,
  ListedPerson, Balance, balance()
- categories: SeriouslyWoundedOrSick, AgeBandCategory (AgeBand), Civilians, Women, LongCaptivity, Remains
- eligibility: EligibilityRules, RedLine, LegalHoldOverride, assess(), assess_pool()
- priority: PriorityOrder, weights(), ranking()
- terms: Terms, TrancheSpec
- compose: compose() -> Composition (lists, balance, a Decision for every candidate); solver: the MILP
- agreement: Agreement (propose, counter_propose, amend, accept, conclude), content_hash()
- handover: Tranche (deliver, bring_substitute, decide_substitute, refuse, not_delivered,
  hand_to_third_party, receive_remains, close), TRANSITIONS; manifest: plan_tranches(), totals()
- errors: ExchangeError (409) and ExchangeInputError (422), domain errors with a stable `code`
"""
