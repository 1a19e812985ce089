"""The request's life, in one place: which status may follow which."""

from __future__ import annotations

from .models import PARequest

S = PARequest.Status

TRANSITIONS: dict[PARequest.Status, set[PARequest.Status]] = {
    S.DRAFT: {S.APPROVED, S.PARTIAL, S.PENDED, S.REFERRED},  # submitted: the engine decides or pends
    S.PENDED: {S.APPROVED, S.PARTIAL, S.DENIED, S.INFO_REQUESTED, S.WITHDRAWN},
    S.REFERRED: {S.APPROVED, S.PARTIAL, S.DENIED, S.INFO_REQUESTED, S.WITHDRAWN},
    S.INFO_REQUESTED: {S.PENDED, S.WITHDRAWN},  # the prescriber answers
    S.DENIED: {S.APPEALED},
    S.APPEALED: {S.UPHELD, S.OVERTURNED, S.WITHDRAWN},
    S.APPROVED: {S.EXPIRED},
    S.PARTIAL: {S.EXPIRED},
    S.OVERTURNED: {S.EXPIRED},
}


class IllegalTransition(Exception):
    pass


def transition_check(current: str, target: str) -> None:
    """Raises IllegalTransition unless `target` may follow `current` (statuses, or their stored values)."""
    if target not in TRANSITIONS.get(current, set()):
        raise IllegalTransition(f"A request that is “{S(current).label}” cannot become “{S(target).label}”.")
