"""The two suggestions after a model-side failure (the skill card's fallback table).

First the other Nano Banana model with its price range, then the same model at another size
with its price; every price comes from the live product list (:class:`ModelSummary`).

One deliberate exception to the card's order: after a timeout the person was just told to
try a faster model, so when the failed model is already the fast one (Nano Banana 2) the
smaller size of the same model comes first, ahead of the slower Nano Banana Pro.
"""

from __future__ import annotations

from collections.abc import Sequence

from skill import catalog
from skill.ima import ModelSummary, Plan, Price
from skill.render import Alternative

#: Failures that a different model or size may avoid; account, input and network problems
#: (key, points, rate limit, connection, bad input) are not helped by another model.
MODEL_SIDE_REASONS = frozenset(
    {
        "generation_failed",
        "task_failed",
        "timeout",
        "attribute_mismatch",
        "bad_request",
        "server_error",
        "invalid_attribute",
        "credit_mismatch",
        "unknown",
    }
)


def _summary(summaries: Sequence[ModelSummary], model_id: str) -> ModelSummary | None:
    return next((s for s in summaries if s.model_id == model_id), None)


def _tier(model_id: str) -> str:
    return catalog.model_info(model_id).tier if catalog.is_nano_banana(model_id) else "balanced"


def _other_size(prices: Sequence[Price], size: str | None) -> Price | None:
    """The size next to the failed one: one step smaller if there is one, else one larger."""
    sizes = [p.size.lower() for p in prices]
    current = (size or "").lower()
    if current not in sizes:
        return next((p for p in prices if p.size.lower() != current), None)
    i = sizes.index(current)
    if i > 0:
        return prices[i - 1]
    return prices[i + 1] if i + 1 < len(prices) else None


def alternatives(
    plan: Plan, summaries: Sequence[ModelSummary], *, reason: str | None = None
) -> tuple[Alternative, ...]:
    """The fallback table's two rows for ``plan``'s model, priced from ``summaries``."""
    found: list[Alternative] = []
    other_id = catalog.FALLBACK_MODEL.get(plan.model_id)
    other = _summary(summaries, other_id) if other_id else None
    if other is not None and other.prices:
        points = [p.points for p in other.prices]
        found.append(
            Alternative(
                model_name=other.model_name or catalog.model_info(other.model_id).display_name,
                tier=_tier(other.model_id),
                points_min=min(points),
                points_max=max(points),
            )
        )
    same = _summary(summaries, plan.model_id)
    if same is not None:
        price = _other_size(same.prices, plan.size)
        if price is not None:
            found.append(
                Alternative(
                    model_name=plan.model_name,
                    tier=_tier(plan.model_id),
                    points_min=price.points,
                    points_max=price.points,
                    size=price.size,
                )
            )
    if reason == "timeout" and _tier(plan.model_id) == "balanced":
        found.reverse()
    return tuple(found)
