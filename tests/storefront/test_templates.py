"""Template hygiene: Django's {# #} comments are single-line; a multi-line one is printed on the page."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "comptoir"


def test_no_template_has_a_multi_line_hash_comment_that_would_be_shown_to_buyers():
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in ROOT.rglob("*.html")
        for text in [path.read_text()]
        for match in re.finditer(r"\{#.*?(#\}|$)", text, flags=re.M)
        if not match.group(1)
    ]

    assert offenders == []
