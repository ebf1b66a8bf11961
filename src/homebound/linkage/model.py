"""A trained linkage model: the prior and the m/u values of every level, kept as a Splink model file."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from splink import SettingsCreator
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.comparison_level_library import CustomLevel, ElseLevel
from splink.internals.comparison_library import CustomComparison

from homebound.linkage.comparisons import (
    COMPARISONS,
    ELSE_LABEL,
    ComparisonSpec,
    blocking_rules,
    sql_functions,
)
from homebound.linkage.frequencies import TF_MINIMUM, TF_WEIGHT

__all__ = [
    "DEFAULT_PRIOR",
    "LevelParameters",
    "LinkageModel",
    "ModelMismatch",
    "default_model",
    "splink_settings",
]

# Before training: about one pair in ten thousand is a match (lists of a few thousand, most overlapping).
DEFAULT_PRIOR = 1e-4
# Splink's stand-in for a level never seen in training, and its floor for m and u.
_NOT_OBSERVED = "level not observed in training dataset"
UNSEEN_U = 1e-6


class ModelMismatch(ValueError):
    """The model file was trained on other comparisons than this version of Homebound defines."""


@dataclass(frozen=True)
class LevelParameters:
    """What training learnt of one level: m (share among matches) and u (share among non-matches)."""

    label: str
    m: float | None
    u: float | None


@dataclass(frozen=True)
class LinkageModel:
    """The prior probability that two records match, and per comparison the parameters of each level.

    Levels are in ladder order (null level first, else level last), as Splink numbers them.
    """

    prior: float
    levels: Mapping[str, tuple[LevelParameters, ...]]

    @classmethod
    def untrained(cls, prior: float = DEFAULT_PRIOR) -> LinkageModel:
        levels = {
            spec.name: tuple(LevelParameters(label, None, None) for label in _labels(spec))
            for spec in COMPARISONS
        }
        return cls(prior, levels)

    @classmethod
    def from_splink_dict(cls, settings: Mapping[str, Any]) -> LinkageModel:
        """Read the parameters out of a Splink settings dictionary (a saved model or a linker's settings)."""
        found = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
        levels: dict[str, tuple[LevelParameters, ...]] = {}
        for spec in COMPARISONS:
            saved = found.get(spec.name)
            labels = _labels(spec)
            if saved is None or [lv.get("label_for_charts") for lv in saved] != labels:
                raise ModelMismatch(
                    f"the model's {spec.name!r} comparison has other levels than this version"
                )
            levels[spec.name] = tuple(
                LevelParameters(
                    label, _probability(lv.get("m_probability")), _probability(lv.get("u_probability"))
                )
                for label, lv in zip(labels, saved, strict=True)
            )
        if set(found) != {spec.name for spec in COMPARISONS}:
            raise ModelMismatch("the model compares other fields than this version")
        return cls(float(settings["probability_two_random_records_match"]), levels)

    @classmethod
    def load(cls, path: Path | str) -> LinkageModel:
        """Read a model file written by ``save`` (a Splink model JSON: stock Splink can load it too)."""
        return cls.from_splink_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def save(self, path: Path | str) -> None:
        settings = splink_settings(self, "duckdb").create_settings_dict("duckdb")
        Path(path).write_text(json.dumps(settings, indent=2, ensure_ascii=False), encoding="utf-8")

    @property
    def trained(self) -> bool:
        return all(
            lv.m is not None and lv.u is not None for levels in self.levels.values() for lv in levels[1:]
        )

    def match_weights(self) -> dict[str, tuple[float, ...]]:
        """Per comparison, the match weight (log2 m/u) of each level, computed as Splink computes it."""
        settings = splink_settings(self, "duckdb").get_settings("duckdb")
        weights: dict[str, tuple[float, ...]] = {}
        for comparison in settings.core_model_settings.comparisons:
            # Splink numbers levels from the else level (0) up; the null level is -1.
            ordered = sorted(comparison.comparison_levels, key=lambda cl: cl.comparison_vector_value)
            weights[comparison.output_column_name] = tuple(float(cl._match_weight or 0.0) for cl in ordered)
        return weights

    def completed(self, m_floor: float) -> LinkageModel:
        """The model with every m at least ``m_floor`` and no level left without m or u.

        EM on synthetic lists learns that some disagreements never happen among true pairs (a different
        sex, a different unit) and would let one such field veto a pair by 40 bits or more; real lists
        have clerical errors the training never saw, so no single field may weigh more than the floor says.
        A level training never saw gets the floor as m, and Splink's stand-in (one in a million) as u.
        """
        levels = {
            name: (
                params[0],
                *(
                    LevelParameters(
                        lv.label,
                        _FIXED_M.get((name, lv.label), max(lv.m if lv.m is not None else 0.0, m_floor)),
                        lv.u if lv.u is not None else UNSEEN_U,
                    )
                    for lv in params[1:]
                ),
            )
            for name, params in self.levels.items()
        }
        return LinkageModel(self.prior, levels)

    def with_prior(self, prior: float) -> LinkageModel:
        return LinkageModel(prior, self.levels)

    def prior_weight(self) -> float:
        return math.log2(self.prior / (1.0 - self.prior))


_FIXED_M = {
    (spec.name, level.label): level.fixed_m
    for spec in COMPARISONS
    for level in spec.levels
    if level.fixed_m is not None
}


def _labels(spec: ComparisonSpec) -> list[str]:
    return [level.label for level in spec.levels] + [ELSE_LABEL]


def _probability(value: object) -> float | None:
    if value is None or value == _NOT_OBSERVED:
        return None
    if not isinstance(value, int | float):
        raise ModelMismatch(f"not a probability: {value!r}")
    return float(value)


def _level(
    level: ComparisonLevelCreator,
    parameters: LevelParameters,
    *,
    null: bool = False,
    tf_column: str | None = None,
    fixed_m: float | None = None,
) -> ComparisonLevelCreator:
    if null:
        return level.configure(is_null_level=True)
    if fixed_m is not None:
        level = level.configure(m_probability=fixed_m, fix_m_probability=True)
    if tf_column is not None:
        # Each level against its own u: its weight becomes log2(m / max(tf, floor)) where tf is known.
        level = level.configure(
            tf_adjustment_column=tf_column,
            tf_adjustment_weight=TF_WEIGHT,
            tf_minimum_u_value=TF_MINIMUM,
            disable_tf_exact_match_detection=True,
        )
    if parameters.m is not None and fixed_m is None:
        level = level.configure(m_probability=parameters.m)
    if parameters.u is not None:
        level = level.configure(u_probability=parameters.u)
    return level


def _comparison(
    spec: ComparisonSpec, parameters: Sequence[LevelParameters], functions: dict[str, str]
) -> Any:
    levels: list[ComparisonLevelCreator] = [
        _level(
            CustomLevel(level.sql.format(**functions), label_for_charts=level.label),
            params,
            null=level.null,
            tf_column=level.tf_column,
            fixed_m=level.fixed_m,
        )
        for level, params in zip(spec.levels, parameters, strict=False)
    ]
    levels.append(_level(ElseLevel().configure(label_for_charts=ELSE_LABEL), parameters[-1]))
    return CustomComparison(
        comparison_levels=list[ComparisonLevelCreator | dict[str, Any]](levels),
        output_column_name=spec.name,
        comparison_description=spec.description,
    )


def splink_settings(model: LinkageModel, dialect: str = "duckdb") -> SettingsCreator:
    """Splink settings for linking two lists with Homebound's comparisons, carrying the model's parameters.

    The SQL is written for ``dialect`` (duckdb or spark), so one model file serves every backend.
    """
    functions = sql_functions(dialect)
    return SettingsCreator(
        link_type="link_only",
        comparisons=[_comparison(spec, model.levels[spec.name], functions) for spec in COMPARISONS],
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](blocking_rules()),
        probability_two_random_records_match=model.prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        em_convergence=0.001,
        max_iterations=25,
    )


@cache
def default_model() -> LinkageModel:
    """The model shipped with Homebound, trained on synthetic lists (``tools/make_default_model.py``).

    Used until a mediator trains one on real lists; read on first use, never at import.
    """
    text = resources.files("homebound.linkage").joinpath("data", "default_model.json").read_text("utf-8")
    return LinkageModel.from_splink_dict(json.loads(text))
