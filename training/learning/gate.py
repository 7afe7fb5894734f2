"""Champion/challenger gate: promote a new model only if it is not worse than the one being served."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from model.manifest import Promotion

if TYPE_CHECKING:  # kept light: the CLI reads DEFAULT_TOLERANCE before it knows which command runs
    from model.tagger import Tagger

DEFAULT_TOLERANCE = 0.02


def changed_tags(champion: Tagger, challenger: Tagger, texts: Sequence[str]) -> int:
    """How many texts the new model would tag differently from the served one."""
    if not texts:
        return 0
    before = champion.predict(list(texts))
    after = challenger.predict(list(texts))
    return sum(set(a) != set(b) for a, b in zip(before, after))


def decide(metrics: dict[str, Any], champion_metrics: dict[str, Any] | None, tolerance: float,
           force: bool = False, served: bool = True) -> Promotion:
    """Whether to promote, and why, from the challenger's and champion's scores on the same folds."""
    new = metrics.get("macro_f1")
    old = champion_metrics.get("macro_f1") if champion_metrics else None
    decision: Promotion = {"challenger_macro_f1": new, "champion_macro_f1": old, "tolerance": tolerance}
    if force:
        return {**decision, "promoted": True, "reason": "promoted with --force / force=true"}
    if not served:
        return {**decision, "promoted": True, "reason": "no model was being served"}
    if new is None or old is None:
        return {**decision, "promoted": False,
                "reason": "no cross-validated comparison with the served model (cross-validation skipped, or a "
                          "domain has fewer than 2 labelled paragraphs); kept as a candidate: check it with "
                          "`policytag eval` and promote it by hand, or train with --force"}
    if new >= old - tolerance:
        return {**decision, "promoted": True,
                "reason": f"macro-F1 {new:.3f} vs served {old:.3f}: within the tolerance of {tolerance}"}
    return {**decision, "promoted": False,
            "reason": f"macro-F1 {new:.3f} is worse than the served model's {old:.3f} by more than {tolerance}; "
                      "kept as a candidate (promote it with `policytag promote` or train with --force)"}
