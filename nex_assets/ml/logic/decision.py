"""Whether a candidate becomes champion: a pure decision from the evaluation's outcomes.

A candidate is promoted only when it was measured at all (it loaded and scored) and every outcome
passed (skipped criteria pass, and say why). The reason names every failing criterion, so the
registry, the Dagster UI and `nex mlflow models` all say the same thing. A candidate that fails only
"too good to be true" criteria is not rejected but waits for a person (``needs_review``).
"""

from __future__ import annotations

from dataclasses import dataclass

from nex_assets.ml.logic.packs import Outcome


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    review: bool = False

    @property
    def status(self) -> str:
        return "champion" if self.promote else "needs_review" if self.review else "rejected"


def decide(outcomes: list[Outcome], measured: bool) -> Decision:
    if not measured:
        failing = [o for o in outcomes if not o.passed]
        return Decision(
            False, "; ".join(f"{o.pack}/{o.criterion}: {o.reason}" for o in failing) or "not measured"
        )
    missed = [o for o in outcomes if not o.passed]
    if missed:
        reason = "; ".join(f"{o.pack}/{o.criterion}: {o.reason}" for o in missed)
        return Decision(False, reason, review=all(o.review for o in missed))
    return Decision(True, "all packs passed")
