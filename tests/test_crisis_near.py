"""Proximity rules ("near"): groups of words close together, in any order, fire; the same words
far apart, or inside a listed idiom, do not."""

from __future__ import annotations

import pytest

from bot.crisis import Detector
from bot.models import NearRule, PhraseFile

RULES = PhraseFile(
    language="en",
    phrases={"suicidal": ["kill myself"]},
    not_crisis=["dying to see"],
    near=[
        NearRule(
            name="wish to die",
            category="suicidal",
            within=5,
            all=[["want*", "wish", "wanna"], ["die", "dead", "end it all"]],
        ),  # fmt: skip
        NearRule(
            name="pills taken",
            category="method",
            within=5,
            all=[["took", "swallowed"], ["pills", "tablets"], ["all", "whole", "box"]],
        ),  # fmt: skip
        NearRule(name="see soon", category="x", within=3, all=[["dying"], ["see"]]),
    ],
    fillers=["just", "really"],
)
DETECTOR = Detector([RULES])


@pytest.mark.parametrize(
    "text",
    [
        "i just really really want to die",
        "dead is what i want to be",  # any order
        "honestly i wish i could end it all tonight",
        "i wantd to die",  # the stem catches a typo at the end
        "I swallowed the whole box of tablets",
        "took all my mums pills",
    ],
)
def test_words_near_each_other_fire(text: str) -> None:
    scan = DETECTOR.scan(text)
    assert scan.crisis, text


@pytest.mark.parametrize(
    "text",
    [
        "i want a pizza and the plant is dead",  # 5 words apart: "a pizza and the plant is"
        "took my dog for a walk and then all the pills of the week were sorted",
        "i am dying to see you",  # inside a listed idiom
        "i want to go to the cinema, the battery died",
    ],
)
def test_far_apart_or_inside_an_idiom_stays_quiet(text: str) -> None:
    assert not DETECTOR.scan(text).crisis, [h.phrase for h in DETECTOR.scan(text).hits]


def test_near_hits_say_which_rule_fired() -> None:
    hits = DETECTOR.scan("i wish i was dead").hits
    assert [(h.category, h.phrase) for h in hits] == [("suicidal", "wish to die")]


def test_a_near_rule_works_across_split_messages() -> None:
    first = DETECTOR.scan("i want")
    assert not first.crisis
    # split phrases need the kept tail; near rules get it from the phrase starts they share
    second = DETECTOR.scan("to die", tail=("i", "want"))
    assert second.crisis


def test_cost_of_near_rules_does_not_grow_with_their_number() -> None:
    many = PhraseFile(
        language="en",
        phrases={"x": ["kill myself"]},
        near=[
            NearRule(name=f"r{i}", category="x", all=[[f"alpha{i}"], [f"beta{i}"]])
            for i in range(2000)
        ],  # fmt: skip
    )
    detector = Detector([RULES, many])
    assert detector.scan("i really want to die").crisis
    assert not detector.scan("alpha1 and then nothing else at all beta2").crisis
    assert detector.scan("alpha7 beta7").crisis
