"""Every category police.uk has used maps to the theme the partnership expects."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots.themes import ThemeMap

#: Every street-level crime type police.uk has published since December 2010,
#: as CSV names and API slugs (data.police.uk/docs/method/crime-categories, any
#: date), with the theme each belongs to by the themes' definitions: violence is
#: violence and sexual offences, robbery and possession of weapons.
POLICE_UK_CATEGORIES: dict[str, str] = {
    "Anti-social behaviour": "asb",
    "anti-social-behaviour": "asb",
    "Violent crime": "violence",  # the name until May 2013
    "violent-crime": "violence",
    "Violence and sexual offences": "violence",  # the name from May 2013
    "violence-and-sexual-offences": "violence",
    "Robbery": "violence",
    "robbery": "violence",
    "Possession of weapons": "violence",  # from May 2013
    "possession-of-weapons": "violence",
    "Drugs": "drugs",
    "drugs": "drugs",
    "Public disorder and weapons": "other",  # until May 2013
    "public-disorder-weapons": "other",
    "Public order": "other",  # from May 2013
    "public-order": "other",
    "Criminal damage and arson": "other",
    "criminal-damage-arson": "other",
    "Burglary": "other",
    "burglary": "other",
    "Bicycle theft": "other",
    "bicycle-theft": "other",
    "Other theft": "other",
    "other-theft": "other",
    "Shoplifting": "other",
    "shoplifting": "other",
    "Theft from the person": "other",
    "theft-from-the-person": "other",
    "Vehicle crime": "other",
    "vehicle-crime": "other",
    "Other crime": "other",
    "other-crime": "other",
}


def test_every_police_uk_name_and_slug_has_its_theme() -> None:
    themes = ThemeMap.default()
    categories = pd.Series(list(POLICE_UK_CATEGORIES))
    got = dict(zip(categories, themes.theme_of(categories), strict=True))
    assert got == POLICE_UK_CATEGORIES


def test_every_police_uk_category_is_listed_not_defaulted_to_other() -> None:
    # A category missing from the table would silently fall into "other".
    themes = ThemeMap.default()
    listed = {key.replace(" ", "") for key in themes.themes}
    for category in POLICE_UK_CATEGORIES:
        key = category.casefold().replace("-", "").replace(" ", "")
        assert key in listed, category


@pytest.mark.parametrize(
    "category",
    [
        "VIOLENCE-AND-SEXUAL-OFFENCES",
        " Violence and  sexual offences ",
        "violent_crime",
    ],
)
def test_names_and_slugs_match_whatever_their_case_spacing_or_hyphens(
    category: str,
) -> None:
    assert ThemeMap.default().theme_of(pd.Series([category])).tolist() == ["violence"]


def test_flags_implied_by_a_category_ignore_hyphens_too() -> None:
    flags = ThemeMap.default().flags_of(
        pd.Series(["domestic-abuse", "Drugs"]), "domestic_abuse"
    )
    assert flags.tolist() == [True, False]
