"""Per-priority figures against the store, summary sentences against the figures,
and the disclosure rule ("fewer than 5" for partners, exact for analysts)."""

from __future__ import annotations

import re

import pytest
from scipy import stats

from hotspots.access import Role, policy_for
from hotspots.priorities import load_priorities, parse_priorities
from hotspots.priorities.figures import (
    PriorityContext,
    comparison_period,
    priority_figures,
)
from hotspots.priorities.summary import fmt, fmt_p, lookup, summary_sentences

NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _ctx(store, role: Role = Role.ANALYST, **kw) -> PriorityContext:
    policy = policy_for(role)
    return PriorityContext(
        store, None, policy.excluded_flags, policy.disclosure, policy.role.value, **kw
    )


@pytest.fixture(scope="module")
def period(sample_store):
    return comparison_period(sample_store.months(), "2017-05", "2017-07")


@pytest.fixture(scope="module")
def violence(sample_store, period):
    return priority_figures(
        _ctx(sample_store), load_priorities().get("violence"), period
    )


VIOLENCE = (
    "(theme = 'violence' OR lower(category) IN ('domestic abuse', "
    "'sexual offence', 'hate crime') OR domestic_abuse = 1 OR "
    "sexual_offence = 1 OR hate_crime = 1)"
)


def test_the_comparison_is_said_when_a_year_before_is_missing(period) -> None:
    assert (period.compare_from, period.compare_to) == ("2017-02", "2017-04")
    assert period.compare_kind == "the 3 months before"
    assert "2016-05 to 2016-07" in period.compare_note
    other = comparison_period(["2016-05", "2016-06", "2017-05"], "2017-05", "2017-06")
    assert other.compare_kind == "the same months a year before"
    assert comparison_period(["2017-05"], "2017-05", "2017-05").compare_from is None


def test_totals_and_wards_equal_the_store(violence, sql) -> None:
    now = "month BETWEEN '2017-05' AND '2017-07'"
    before = "month BETWEEN '2017-02' AND '2017-04'"
    total = sql(f"SELECT COUNT(*) FROM incidents WHERE {VIOLENCE} AND {now}")
    assert violence["total"] == violence["total_shown"] == total
    assert violence["city_all"] == sql(f"SELECT COUNT(*) FROM incidents WHERE {now}")
    assert sum(w["count"] for w in violence["wards"]) == total
    for ward in violence["wards"]:
        assert ward["count"] == sql(
            f"SELECT COUNT(*) FROM incidents WHERE {VIOLENCE} AND {now} "
            "AND ward_code = ?",
            ward["code"],
        )
        assert ward["rate_per_1000"] is None  # the bundled pack has no population
    counts = [w["count"] for w in violence["wards"]]
    assert counts == sorted(counts, reverse=True)
    change = violence["change"]
    assert change["before"] == sql(
        f"SELECT COUNT(*) FROM incidents WHERE {VIOLENCE} AND {before}"
    )
    exact = stats.binomtest(change["after"], change["before"] + change["after"], 0.5)
    assert change["p"] == pytest.approx(exact.pvalue, rel=1e-9)
    assert change["significant"] == (exact.pvalue < 0.05)
    monthly = {m["month"]: m["count"] for m in violence["monthly"]}
    assert monthly["2017-06"] == sql(
        f"SELECT COUNT(*) FROM incidents WHERE {VIOLENCE} AND month = '2017-06'"
    )


def test_the_sub_layers_are_counted_or_said_to_have_no_data(violence, sql) -> None:
    subs = {s["id"]: s for s in violence["sublayers"]}
    assert subs["domestic_abuse"]["count"] == sql(
        "SELECT COUNT(*) FROM incidents WHERE domestic_abuse = 1 AND month "
        "BETWEEN '2017-05' AND '2017-07'"
    )
    assert subs["sexual_offence"]["count"] == 0
    assert (
        "no stored incident is flagged sexual_offence" in subs["sexual_offence"]["note"]
    )


def _check_sentences(figures) -> list[str]:
    """Every number in every sentence is one of its facts; every fact is the
    figure it names, written as the pack writes it."""
    texts = []
    for sentence in summary_sentences(figures):
        facts = sentence["facts"]
        for fact in facts:
            value = lookup(figures, fact["path"])
            if fact["kind"] == "p":
                assert fact["text"] == fmt_p(value)
            elif fact["kind"] == "abs_pct":
                assert fact["text"] == f"{abs(value):.1f} %"
            else:
                assert fact["text"] == fmt(value, fact["kind"])
            assert fact["text"] in sentence["text"]
        stated = NUMBER.findall(sentence["text"])
        allowed = [n for f in facts for n in NUMBER.findall(f["text"])]
        for number in stated:
            assert number in allowed, (number, sentence["text"])
        texts.append(sentence["text"])
    return texts


def test_every_summary_number_is_a_computed_figure(violence, sql) -> None:
    texts = _check_sentences(violence)
    first = texts[0]
    total = sql(
        f"SELECT COUNT(*) FROM incidents WHERE {VIOLENCE} "
        "AND month BETWEEN '2017-05' AND '2017-07'"
    )
    assert first.startswith(f"Violence and sexual violence: {total:,} incidents")
    top = violence["wards"][0]
    assert f"Most were in {top['name']} ({top['count']:,}, " in texts[1]
    assert any("exact binomial test" in t for t in texts)
    assert any(t.startswith("Domestic abuse: ") for t in texts)


def test_a_priority_with_no_data_says_so(sample_store, period) -> None:
    figures = priority_figures(
        _ctx(sample_store), load_priorities().get("mental_health"), period
    )
    assert figures["total"] == 0
    texts = _check_sentences(figures)
    assert texts == [
        "No stored incident matches Mental health in 2017-05 to 2017-07: no source "
        "carries a mental_health flag; no incident has any of its categories."
    ]


DOMESTIC = parse_priorities(
    {"priority": [{"id": "da", "name": "Domestic abuse", "flags": ["domestic_abuse"]}]},
    "test",
).get("da")


def test_partners_see_fewer_than_5_analysts_the_count(sample_store, period) -> None:
    analyst = priority_figures(_ctx(sample_store), DOMESTIC, period)
    partner = priority_figures(_ctx(sample_store, Role.PARTNER), DOMESTIC, period)
    small = [i for i, w in enumerate(analyst["wards"]) if 0 < w["count"] < 5]
    assert small, "the sample has wards with 1 to 4 domestic abuse incidents"
    for i in small:
        assert analyst["wards"][i]["count_shown"] == analyst["wards"][i]["count"]
        assert partner["wards"][i]["count_shown"] == "fewer than 5"
        assert partner["wards"][i]["share_pct"] is not None
    _check_sentences(partner)
    shown = [
        f
        for x in summary_sentences(partner)
        for f in x["facts"]
        if f["path"].endswith("_shown")
    ]
    assert shown
    for fact in shown:  # every incident count stated is 0, >= 5 or withheld
        value = lookup(partner, fact["path"])
        assert value == "fewer than 5" or value == 0 or value >= 5
    public = priority_figures(_ctx(sample_store, Role.PUBLIC), DOMESTIC, period)
    assert public["total"] == 0 and public["excluded_flags"]


def test_weighting_ranks_wards_by_harm(sample_store, period, sql) -> None:
    from hotspots.priorities.weights import load_weights

    weights = load_weights("illustrative")
    figures = priority_figures(
        _ctx(sample_store, weights=weights, backtest=False),
        load_priorities().get("young_people"),
        period,
    )
    harm = [w["harm"] for w in figures["wards"] if w["code"]]
    assert harm == sorted(harm, reverse=True)
    assert (
        figures["weighting"]["weighted"]
        and "ILLUSTRATIVE" in figures["weighting"]["label"]
    )
    top = figures["wards"][0]
    robbery = sql(
        "SELECT COUNT(*) FROM incidents WHERE category = 'Robbery' AND "
        "ward_code = ? AND month BETWEEN '2017-05' AND '2017-07'",
        top["code"],
    )
    assert top["harm"] >= 30 * robbery
