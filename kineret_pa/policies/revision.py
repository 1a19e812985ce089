"""The policy-data revision: one token that every save of policy data replaces.

Read on every page and API call, so it is read with SQL built once from the model's
metadata: the ORM takes about four times the CPU to build and run the same one-row query.
"""

from __future__ import annotations

import functools

from django.db import connection

from .models import PolicyDataRevision

REVISION_NONE = "none"  # what the revision reads as before any policy data was ever saved


@functools.cache
def revision_sql() -> str:
    """The current revision as one SELECT (also a subquery in the API's token check)."""
    q = connection.ops.quote_name
    return f"SELECT {q('value')} FROM {q(PolicyDataRevision._meta.db_table)} ORDER BY {q('id')} LIMIT 1"


def revision_current() -> str:
    with connection.cursor() as cursor:
        cursor.execute(revision_sql())
        row = cursor.fetchone()
    return revision_from_value(row[0] if row else None)


def revision_from_value(value: str | None) -> str:
    """The revision as read by `revision_sql`, also as a subquery: no row yet reads as REVISION_NONE."""
    return value or REVISION_NONE
