"""Ward and LSOA indexes lead to the month: an area over a period is one range scan.

A ward's layer or summary for a year asks ``ward_code = ? AND month BETWEEN``;
the base index on ``ward_code`` alone made the store read every month of the
ward. ``(ward_code, month)`` serves that and a ward alone (its prefix).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the single-column area indexes by (area, month)."""
    for level in ("ward", "lsoa"):
        op.execute(f"DROP INDEX IF EXISTS incidents_by_{level}")
        op.execute(
            f"CREATE INDEX incidents_by_{level}_month "
            f"ON incidents ({level}_code, month)"
        )


def downgrade() -> None:
    """Back to the base indexes."""
    for level in ("ward", "lsoa"):
        op.execute(f"DROP INDEX IF EXISTS incidents_by_{level}_month")
        op.execute(f"CREATE INDEX incidents_by_{level} ON incidents ({level}_code)")
