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
    """Whether to promote, and why, from the challenger's and champion's scores on the same folds.

    The judge is the labels people gave (`trusted`: seed label files and the store, held out fold by fold):
    bootstrapped labels are noisy, and a model trained on more of them can score better on them while it
    tags worse. Only when no domain has enough labels given by people are both judged on all labels.
    """
    trusted = metrics.get("trusted")
    old_trusted = champion_metrics.get("trusted") if champion_metrics else None
    on_trusted = bool(trusted and old_trusted)
    judge = "labels people gave" if on_trusted else "all labels, bootstrapped ones included"
    new = (trusted if trusted and on_trusted else metrics).get("macro_f1")
    old_scores = (old_trusted if on_trusted else champion_metrics) or {}
    old = old_scores.get("macro_f1")
    decision: Promotion = {"challenger_macro_f1": new, "champion_macro_f1": old, "tolerance": tolerance,
                           "judged_on": "trusted" if on_trusted else "all"}
    if metrics.get("macro_f1") is not None:
        decision["challenger_cv_macro_f1"] = metrics["macro_f1"]
    if champion_metrics and champion_metrics.get("macro_f1") is not None:
        decision["champion_cv_macro_f1"] = champion_metrics["macro_f1"]
    if force:
        return {**decision, "promoted": True, "reason": "promoted with --force / force=true"}
    if not served:
        return {**decision, "promoted": True, "reason": "no model was being served"}
    if new is None or old is None:
        return {**decision, "promoted": False,
                "reason": "no cross-validated comparison with the served model (cross-validation skipped, or a "
                          "domain has fewer than 2 labelled paragraphs); kept as a candidate: check it with "
                          "`policytag eval` and promote it by hand, or train with --force"}
    scores = f"macro-F1 {new:.3f} vs served {old:.3f} on {judge}"
    if new > old:
        return {**decision, "promoted": True, "reason": f"better: {scores}"}
    if new >= old - tolerance:
        return {**decision, "promoted": True, "reason": f"{scores}: within the tolerance of {tolerance}"}
    return {**decision, "promoted": False,
            "reason": f"worse: {scores}, lower by more than {tolerance}; kept as a candidate (promote it with "
                      "`policytag promote` or train with --force)"}
