"""Generated survey-tool exports, as the 2025 questionnaire would come out of a survey tool."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass

from surveys.models import Question, Survey

SCALE = [
    "Very big problem",
    "Fairly big problem",
    "Not a big problem",
    "Not a problem at all",
    "Don’t know",
]
# How survey tools and people write the same answers: matched without asking.
SPELLINGS = {
    "Don’t know": ["Don’t know", "Don't know", "DON'T KNOW"],
    "Very big problem": ["Very big problem", "very big problem", " Very big problem "],
}
# Answers that are not on the scale: the officer decides what they mean.
UNKNOWN = {"Quite a big problem": "Fairly big problem", "N/A": None}
AGES = ["16-24", "25-44", "45-64", "65+", "Prefer not to say"]
GENDERS = ["Female", "Male", "Prefer not to say"]


@dataclass
class Export:
    content: bytes
    headers: list[str]
    expected: dict[str, Counter]  # question key → answers as the officer will map them
    expected_by_age: dict[str, Counter]  # question key → (age, answer) counts
    rows: int


def generate(
    survey: Survey, respondents: int = 2000, seed: int = 2025, encoding: str = "cp1252"
) -> Export:
    """An export with answers, blanks, unknown answers, a duplicated heading and an encoding."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    items = list(Question.objects.filter(survey=survey, kind="rating").order_by("order"))
    headers = [
        "Respondent ID",
        *[q.text for q in items],
        "Age band",
        "Gender",
        "Any other comments",
    ]
    expected = {q.key: Counter() for q in items}
    by_age = {q.key: Counter() for q in items}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    weights = [3, 4, 3, 1, 2]
    for n in range(respondents):
        age = rng.choice([*AGES, ""])
        gender = rng.choice([*GENDERS, ""])
        row = [f"R{n + 1:05d}"]
        for q in items:
            roll = rng.random()
            if roll < 0.08:
                row.append("")
                continue
            if roll < 0.10:
                text = rng.choice(list(UNKNOWN))
                meaning = UNKNOWN[text]
            else:
                meaning = rng.choices(SCALE, weights=weights)[0]
                text = rng.choice(SPELLINGS.get(meaning, [meaning]))
            row.append(text)
            if meaning:
                expected[q.key][meaning] += 1
                by_age[q.key][(age or None, meaning)] += 1
        comment = rng.choice(
            ["", "", f"Café on the high street – £{n % 90} to park", f"More patrols please ({n})"]
        )
        row += [age, gender, comment]
        writer.writerow(row)
    return Export(
        content=out.getvalue().encode(encoding),
        headers=headers,
        expected=expected,
        expected_by_age=by_age,
        rows=respondents,
    )


def officer_answer_map(response_import) -> dict:
    """What the officer chooses on the answers page for the texts that matched nothing."""
    from surveys import imports, services

    groups = services.answers_to_match(response_import)
    chosen = {
        (g, a.text): UNKNOWN[a.text] or imports.BLANK
        for g, group in enumerate(groups)
        for a in group.unknown
    }
    return services.expand_answer_choices(groups, chosen)
