"""Priorities parsed from data and validated; a bad file names the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hotspots.priorities import PrioritiesError, load_priorities, parse_priorities
from hotspots.priorities.weights import HarmWeights, load_weights
from hotspots.schema import FLAG_COLUMNS
from hotspots.store.base import PriorityMatch
from tests.conftest import REPO

BUNDLED = REPO / "hotspots" / "data" / "priorities.toml"


def test_the_bundled_priorities_cover_the_partnership_plan() -> None:
    book = load_priorities()
    assert book.ids == [
        "young_people",
        "asb",
        "substance_misuse",
        "violence",
        "mental_health",
        "cyber",
    ]
    violence = book.get("violence")
    assert violence.match == PriorityMatch(
        ("violence",),
        ("Domestic abuse", "Sexual offence", "Hate crime"),
        ("domestic_abuse", "sexual_offence", "hate_crime"),
    )
    assert [s.id for s in violence.sublayers] == [
        "domestic_abuse",
        "sexual_offence",
        "hate_crime",
    ]
    assert all(s.sensitive for s in violence.sublayers)
    young = book.get("young_people")
    assert young.missing_flags == ("youth_involved",)  # no source carries it
    assert young.colocation is not None
    assert young.colocation.components == ("drug_supply", "weapons", "robbery", "youth")
    # Flags the schema does not have are kept apart, never sent to SQL.
    for p in book.priorities:
        assert set(p.match.flags) <= set(FLAG_COLUMNS)


def _with(text: str) -> dict:
    return tomllib.loads(text)


GOOD = '[[priority]]\nid = "a"\nname = "A"\nthemes = ["asb"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "'priority' must be a non-empty array"),
        ('[[priority]]\nname = "A"\nthemes = ["asb"]\n', "priority[0]: 'id' must be"),
        (
            '[[priority]]\nid = "A b"\nname = "A"\nthemes = ["asb"]\n',
            "'id' must be snake_case",
        ),
        (
            '[[priority]]\nid = "a"\nname = "A"\nthemes = ["violance"]\n',
            "priority[0] (a): 'themes' has unknown theme(s) violance",
        ),
        ('[[priority]]\nid = "a"\nname = "A"\n', "give at least one of 'themes'"),
        (GOOD + 'colour = "red"\n', "priority[0] (a): unknown field(s) colour"),
        (
            '[[priority]]\nid = "a"\nname = "A"\ncategories = "Drugs"\n',
            "'categories' must be a list of strings",
        ),
        (GOOD + GOOD, "priority id(s) used twice: a"),
        (
            GOOD
            + '[[priority.sublayer]]\nid = "s"\nname = "S"\nflags = ["Bad Flag"]\n',
            "sublayer[0] (s): 'flags' entries must be snake_case",
        ),
        (
            GOOD + '[priority.colocation]\ncomponents = ["x", "y"]\n',
            "colocation: 'components' must name at least two",
        ),
        (
            GOOD + '[[priority.sublayer]]\nid = "s"\nname = "S"\nthemes = ["asb"]\n'
            '[[priority.sublayer]]\nid = "t"\nname = "T"\nthemes = ["drugs"]\n'
            '[priority.colocation]\ncomponents = ["s", "t"]\ntop_share = 2\n',
            "'top_share' must be a number from 0.01 to 0.5",
        ),
        ("title = 1\n" + GOOD, "unknown field(s) title"),
    ],
)
def test_a_bad_priorities_file_names_the_field(text: str, message: str) -> None:
    with pytest.raises(PrioritiesError) as caught:
        parse_priorities(_with(text), "my.toml")
    assert "my.toml" in str(caught.value)
    assert message in str(caught.value)


def test_invalid_toml_in_a_pack_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "priorities.toml").write_text("[[priority]\nid=", encoding="utf-8")

    class Pack:  # load_priorities reads only the pack's folder
        folder = tmp_path

    with pytest.raises(PrioritiesError, match=r"priorities\.toml: not valid TOML"):
        load_priorities(Pack())  # type: ignore[arg-type]


def test_a_pack_file_replaces_the_bundled_priorities(tmp_path: Path) -> None:
    (tmp_path / "priorities.toml").write_text(GOOD, encoding="utf-8")

    class Pack:
        folder = tmp_path

    book = load_priorities(Pack())  # type: ignore[arg-type]
    assert book.ids == ["a"]
    assert book.source.endswith("priorities.toml")
    with pytest.raises(PrioritiesError, match="unknown priority 'violence'; valid: a"):
        book.get("violence")


def test_the_illustrative_weights_say_so() -> None:
    weights = load_weights("illustrative")
    assert "ILLUSTRATIVE" in weights.label
    assert weights.describe()["weighted"] is True


def test_a_bad_weights_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        'name = "x"\nlabel = "X"\nsource = "s"\n[weights]\n"Robbery" = -1\n',
        encoding="utf-8",
    )
    with pytest.raises(PrioritiesError, match=r"w\.toml: weight of 'Robbery' must be"):
        load_weights(path)
    with pytest.raises(PrioritiesError, match="'label' must be a non-empty string"):
        HarmWeights.from_dict({"name": "x", "source": "s", "weights": {"a": 1}}, "d")
