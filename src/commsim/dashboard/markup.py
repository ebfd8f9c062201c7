"""Text from users and files, shown in the page as text: never as markup a browser would run.

Labels, experiment names and descriptions, lesson files and report markdown are written
by people the dashboard does not know. Two rules keep them inert:

* Markdown is rendered with raw HTML turned off (markdown-it-py), so ``<img onerror=…>``
  in a report or a lesson shows as those characters, and the result is sanitised by nh3
  to a short list of tags and attributes (no images, scripts, styles or event handlers;
  links only to http, https and mailto). It is shown through ``v-html``, never as a Vue
  template: Solara's own ``Markdown`` compiles its HTML as a template, where ``{{ … }}``
  in the text would run as an expression.
* Markup the dashboard writes around such text is built with :class:`markupsafe.Markup`,
  whose ``format`` escapes every argument.

Everything else reaches the page as a widget's text (labels, titles, table cells, alerts),
which the front end inserts as text, not HTML. Figures are drawn by Plotly in the browser,
which reads a few HTML tags in its text: a label a user typed is escaped before it reaches a
figure (:func:`commsim.dashboard.result_charts.as_text`), so it shows as written.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
import solara
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
STYLE_PROPERTIES = frozenset({"text-align"})  # table column alignment, as markdown writes it
CLASSES = ["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"]


def sanitise(html: str) -> str:
    """HTML reduced to the tags and attributes of :data:`TAGS` and :data:`ATTRIBUTES` (nh3)."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel="noopener noreferrer nofollow",
    )


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def markdown_html(text: str) -> str:
    """Markdown rendered to safe HTML: raw HTML in the text is shown as text, then the result is sanitised."""
    return sanitise(_parser().render(str(text)))


@solara.component
def SafeMarkdown(text: str):
    """Markdown from any source, shown as formatted text that cannot run in the browser."""
    html = solara.use_memo(lambda: markdown_html(text), [text])
    return solara.HTML(tag="div", unsafe_innerHTML=html, classes=CLASSES)


@solara.component
def SafeHTML(markup: Markup, tag: str = "div"):
    """Markup the dashboard built with :class:`markupsafe.Markup` (its arguments escaped), sanitised again.

    Raises:
        TypeError: If ``markup`` is a plain string, which might hold unescaped text.
    """
    if not isinstance(markup, Markup):
        raise TypeError("SafeHTML takes markupsafe.Markup, whose format() escapes its arguments")
    return solara.HTML(tag=tag, unsafe_innerHTML=sanitise(str(markup)), classes=CLASSES)
