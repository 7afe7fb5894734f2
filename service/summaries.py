"""What a bootstrap or a training run did, as text for a terminal (`policytag bootstrap`, `policytag train`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training.workspace import BootstrapReport, Taxonomy


def bootstrap_summary(report: BootstrapReport, taxonomy: Taxonomy) -> str:
    """The human summary printed to stderr by `policytag bootstrap`."""
    lines = [f"{report.paragraphs} content paragraphs ({report.rejoined} rejoined across page breaks)"]
    for domain in taxonomy.ids:
        lines.append(f"  {domain:<14} {report.per_domain.get(domain, 0)}")
    lines.append(f"  {'none':<14} {report.negatives}  (unmatched sections whose sibling sections match)")
    if report.negative_domains:
        lines.append("  weak negatives per domain: " + ", ".join(
            f"{d} {report.negative_domains[d]}" for d in taxonomy.ids if report.negative_domains.get(d)))
    lines.append(f"  {'(unlabelled)':<14} {report.unlabelled}")
    levels = [f"{level} {report.per_level[level]}" for level in ("lead", "heading", "title") if report.per_level[level]]
    if levels:
        lines.append("labelled by (the deepest level that matched): " + ", ".join(levels))
    dropped = sum(report.boilerplate.values())
    roles = ", ".join(f"{role} {n}" for role, n in sorted(report.boilerplate.items()))
    lines.append(f"{dropped} boilerplate lines dropped" + (f" ({roles})" if roles else ""))
    lines.append("headings -> domains (keywords that matched):")
    for heading, found in report.headings.items():
        negative = report.negative_sections.get(heading)
        shown = found.describe() + (f"; its {negative} paragraph(s) labelled none (sibling sections match)"
                                    if negative else "")
        lines.append(f"  {heading} -> {shown}")
    for title in report.orphan_titles:
        lines.append(f"warning: title {title!r} has no body and no untitled article next to it; ignored")
    return "\n".join(lines)


def format_metrics(metrics: dict[str, Any]) -> str:
    """Per-domain precision/recall/F1 table for the terminal."""
    if not metrics.get("folds"):
        return metrics.get("note", "no cross-validation")
    lines = [f"{metrics['folds']}-fold cross-validation on paragraphs:",
             f"  {'domain':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
    for domain, m in metrics["per_domain"].items():
        lines.append(f"  {domain:<14}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9}")
    lines.append(f"  macro-F1 {metrics['macro_f1']:.3f}   micro-F1 {metrics['micro']['f1']:.3f}")
    return "\n".join(lines)
