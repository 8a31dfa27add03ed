"""The alternatives a failure offers, by the reason table's policy (:class:`skill.reasons.Offers`).

Every price comes from the live product list (:class:`~skill.ima.ModelSummary`); what the
offers are follows from the reason, so the advice and the alternatives always agree:

* ``MODELS`` (the skill card's fallback table): the other Nano Banana model with its price
  range, then the same model at the size next to the failed one;
* ``FASTER`` (a timeout): only a model expected to finish sooner than the failed one; there is
  none faster than Nano Banana 2, so its timeout offers nothing (it only says the picture may
  still arrive);
* ``CHEAPER`` (too few points): the cheapest option that costs less than the failed one;
* ``NONE``: nothing (a key, the network, a bad picture: another model would not help).
"""

from __future__ import annotations

from collections.abc import Sequence

from skill import catalog
from skill.ima import ModelSummary, Plan, Price
from skill.job import Offer
from skill.reasons import Offers, Reason, reason_info
from skill.render import Alternative


def _summary(summaries: Sequence[ModelSummary], model_id: str) -> ModelSummary | None:
    return next((s for s in summaries if s.model_id == model_id), None)


def _name(summary: ModelSummary) -> str:
    return summary.model_name or catalog.model_info(summary.model_id).display_name


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


def _whole_model(summary: ModelSummary) -> Offer | None:
    if not summary.prices:
        return None
    points = [p.points for p in summary.prices]
    return Offer(
        model_id=summary.model_id,
        model_name=_name(summary),
        credits_min=min(points),
        credits_max=max(points),
    )


def _models(plan: Plan, summaries: Sequence[ModelSummary]) -> list[Offer]:
    found: list[Offer] = []
    other_id = catalog.FALLBACK_MODEL.get(plan.model_id)
    other = _summary(summaries, other_id) if other_id else None
    if other is not None and (offer := _whole_model(other)) is not None:
        found.append(offer)
    same = _summary(summaries, plan.model_id)
    if same is not None and (price := _other_size(same.prices, plan.size)) is not None:
        found.append(
            Offer(
                model_id=plan.model_id,
                model_name=plan.model_name,
                size=price.size,
                credits_min=price.points,
                credits_max=price.points,
            )
        )
    return found


def _faster(plan: Plan, summaries: Sequence[ModelSummary]) -> list[Offer]:
    if not catalog.is_nano_banana(plan.model_id):
        return []
    limit = catalog.model_info(plan.model_id).estimated_max_s
    found: list[Offer] = []
    for summary in summaries:
        if not catalog.is_nano_banana(summary.model_id) or summary.model_id == plan.model_id:
            continue
        if catalog.model_info(summary.model_id).estimated_max_s >= limit:
            continue
        if (offer := _whole_model(summary)) is not None:
            found.append(offer)
    return found


def _cheaper(plan: Plan, summaries: Sequence[ModelSummary]) -> list[Offer]:
    options = [
        (price.points, summary.model_id != plan.model_id, summary, price)
        for summary in summaries
        for price in summary.prices
        if price.points < plan.credit
    ]
    if not options:
        return []
    _points, _other, summary, price = min(options, key=lambda o: (o[0], o[1]))
    return [
        Offer(
            model_id=summary.model_id,
            model_name=_name(summary),
            size=price.size,
            credits_min=price.points,
            credits_max=price.points,
            cheaper=True,
        )
    ]


def model_offer(summaries: Sequence[ModelSummary], model_id: str) -> Offer | None:
    """``model_id`` as an alternative at its own default size, priced from the live list (the
    model that offers a ratio or size the asked one does not)."""
    summary = _summary(summaries, model_id)
    return _whole_model(summary) if summary is not None else None


def offers_for(reason: Reason, plan: Plan | None, summaries: Sequence[ModelSummary]) -> list[Offer]:
    """What to offer after ``plan`` failed for ``reason`` (nothing before a plan existed)."""
    if plan is None:
        return []
    match reason_info(reason).offers:
        case Offers.MODELS:
            return _models(plan, summaries)
        case Offers.FASTER:
            return _faster(plan, summaries)
        case Offers.CHEAPER:
            return _cheaper(plan, summaries)
        case Offers.NONE:
            return []


def as_alternative(offer: Offer) -> Alternative:
    """An offer as the failure message shows it."""
    tier = (
        catalog.model_info(offer.model_id).tier
        if catalog.is_nano_banana(offer.model_id)
        else "balanced"
    )
    return Alternative(
        model_name=offer.model_name,
        tier=tier,
        points_min=offer.credits_min,
        points_max=offer.credits_max,
        size=offer.size,
        cheaper=offer.cheaper,
    )
