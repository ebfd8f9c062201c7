"""Text from users and files is shown as text: markdown with raw HTML off, sanitised, never a compiled template."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import solara
from markupsafe import Markup

from commsim.dashboard import markup
from commsim.dashboard.markup import SafeHTML, SafeMarkdown, markdown_html, sanitise

DASHBOARD = Path(markup.__file__).parent


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("{{ constructor.constructor('alert(1)')() }}", "<p>{{ constructor.constructor('alert(1)')() }}</p>"),
        ("**bold** and `code`", "<p><strong>bold</strong> and <code>code</code></p>"),
        ("[click](javascript:alert(1))", "<p>[click](javascript:alert(1))</p>"),
        ("![tracker](http://203.0.113.9/t.png)", "<p></p>"),
        ("<a href=javascript:alert(1)>x</a>", "<p>&lt;a href=javascript:alert(1)&gt;x&lt;/a&gt;</p>"),
    ],
)
def test_markdown_shows_raw_html_as_text_and_runs_nothing(text, shown):
    assert markdown_html(text).strip() == shown


def test_markdown_keeps_what_reports_and_lessons_use():
    html = markdown_html("# Title\n\n- **a:** 1\n\n| x | y |\n|--:|:--|\n| 1 | 2 |\n\n[docs](https://example.org)\n")
    assert "<h1>Title</h1>" in html and "<li><strong>a:</strong> 1</li>" in html
    assert '<th style="text-align:right">x</th>' in html and "<td" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">docs</a>' in html


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<p onclick="alert(1)">x</p>', "<p>x</p>"),
        ('<img src="x" onerror="alert(1)">', ""),
        ("<script>alert(1)</script>after", "after"),
        ("<style>body{display:none}</style>after", "after"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<table><tr><td style="position:fixed;top:0;text-align:left">x</td></tr></table>',
            '<table><tbody><tr><td style="text-align:left">x</td></tr></tbody></table>',
        ),
        ('<iframe src="//203.0.113.9"></iframe>x', "x"),
        ('<svg onload="alert(1)"><circle/></svg>x', "x"),
        ('<div v-html="x" :class="y" @click="z">x</div>', "x"),
    ],
)
def test_the_sanitiser_keeps_only_tame_tags_and_attributes(html, kept):
    assert sanitise(html) == kept


def test_safe_html_escapes_the_arguments_of_its_markup_and_refuses_plain_strings():
    built = Markup("<h4>Effects against <strong>{}</strong></h4>").format("<img src=x onerror=alert(1)>")
    _, rc = solara.render(SafeHTML(built), handle_error=False)
    assert rc.find(solara.widgets.HTML).widget.unsafe_innerHTML == (
        "<h4>Effects against <strong>&lt;img src=x onerror=alert(1)&gt;</strong></h4>"
    )
    rc.close()
    with pytest.raises(TypeError, match=r"markupsafe\.Markup"):
        solara.render(SafeHTML("<b>raw</b>"), handle_error=False)


def test_safe_markdown_goes_through_v_html_not_a_template():
    _, rc = solara.render(SafeMarkdown("{{ 7 * 7 }} <b>x</b>"), handle_error=False)
    widget = rc.find(solara.widgets.HTML).widget
    assert widget.unsafe_innerHTML.strip() == "<p>{{ 7 * 7 }} &lt;b&gt;x&lt;/b&gt;</p>"
    assert "v-html" in Path(type(widget).template_file).read_text()  # shown as HTML, not compiled
    rc.close()


def test_no_page_renders_text_any_other_way():
    """Solara's Markdown compiles its HTML as a Vue template; raw HTML is set only by the markup module."""
    for source in DASHBOARD.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert (
            not re.search(r"solara\.Markdown\(|\bMarkdownIt\(|v\.VuetifyTemplate\(", text) or source.name == "markup.py"
        ), source.name
        assert "unsafe_innerHTML" not in text or source.name == "markup.py", source.name
        assert "solara.HTML(" not in text or source.name == "markup.py", source.name
