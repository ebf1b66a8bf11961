"""Exchange agreements: formulas, categories, eligibility, composition and handover rules."""
