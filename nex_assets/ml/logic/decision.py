"""Whether a candidate becomes champion: a pure decision from the evaluation's outcomes.

A candidate is promoted only when it was measured at all (it loaded and scored) and every outcome
passed (skipped criteria pass, and say why). The reason names every failing criterion, so the
registry, the Dagster UI and `nex mlflow models` all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from nex_assets.ml.logic.packs import Outcome


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str

    @property
    def status(self) -> str:
        return "champion" if self.promote else "rejected"


def decide(outcomes: list[Outcome], measured: bool) -> Decision:
    if not measured:
        failing = [o for o in outcomes if not o.passed]
        return Decision(
            False, "; ".join(f"{o.pack}/{o.criterion}: {o.reason}" for o in failing) or "not measured"
        )
    failing = [f"{o.pack}/{o.criterion}: {o.reason}" for o in outcomes if not o.passed]
    if failing:
        return Decision(False, "; ".join(failing))
    return Decision(True, "all packs passed")
