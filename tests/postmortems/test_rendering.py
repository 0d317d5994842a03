from __future__ import annotations

import pytest

from postmortems.rendering import markdown_to_html
from tests.postmortems.test_views import assert_no_script


def test_markdown_renders_tables_lists_and_links():
    html = markdown_to_html("| a | b |\n| - | - |\n| 1 | 2 |\n\n- x\n\n[docs](https://example.com)")
    assert "<table>" in html
    assert "<li>x</li>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "![img](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_nothing_written_in_a_section_can_run(attack):
    html = markdown_to_html(attack)
    assert_no_script(html)
