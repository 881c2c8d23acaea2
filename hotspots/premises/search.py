"""Find premises by name, postcode or street: typo-tolerant and ranked."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process, utils

from hotspots.geocode import normalise_postcode

__all__ = ["search_premises"]

#: Matches scoring below this (0-100) are not returned.
MIN_SCORE = 60.0


def _street_part(address: str) -> str:
    parts = [p.strip() for p in address.split(",")]
    return " ".join(p for p in parts[:-1] if p and not p[0].isdigit())


def search_premises(
    premises: pd.DataFrame, text: str, limit: int = 10
) -> list[dict[str, Any]]:
    """The best matches for ``text``, best first, each with its score and field.

    A full postcode matches its premises exactly (score 100); a partial one
    ("PO1 2") by prefix; otherwise names and streets are matched with
    rapidfuzz's WRatio, so "whte swan" finds "The White Swan".
    """
    query = text.strip()
    if not query or premises.empty:
        return []
    postcodes = premises["postcode"].str.upper().str.replace(" ", "")
    compact = query.upper().replace(" ", "")
    scores: dict[int, tuple[float, str]] = {}
    full = normalise_postcode(query)
    if full is not None or (len(compact) >= 3 and compact[:2].isalpha()):
        prefix = postcodes.str.startswith(compact)
        for i in premises.index[prefix]:
            scores[i] = (100.0 if full else 90.0, "postcode")
    for field, values in (
        ("name", premises["name"]),
        ("street", premises["address"].map(_street_part)),
    ):
        for _, score, i in process.extract(
            query,
            values.to_dict(),
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=max(limit * 5, 50),
            score_cutoff=MIN_SCORE,
        ):
            if field == "street":
                score -= 5  # a street names many premises; names rank first
            if score >= MIN_SCORE and score > scores.get(i, (0.0, ""))[0]:
                scores[i] = (float(score), field)
    ranked = sorted(
        scores.items(), key=lambda kv: (-kv[1][0], premises.at[kv[0], "name"])
    )
    out = []
    for i, (score, field) in ranked[:limit]:
        row = premises.loc[i]
        out.append(
            {
                "premises_id": row["premises_id"],
                "name": row["name"],
                "address": row["address"],
                "postcode": row["postcode"],
                "premises_type": row["premises_type"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "score": round(score, 1),
                "matched": field,
            }
        )
    return out
