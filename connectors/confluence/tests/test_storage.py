"""The storage <-> markdown converter: lossless round-trips, placeholders, sections, decisions."""

from __future__ import annotations

import re

import pytest

from connectors.confluence import storage_format as C
from sandbox.atlassian.confluence.seed import build_store
from shared.errors import InvalidInput

MACROS = re.compile(
    r"<ac:structured-macro.*?</ac:structured-macro>|<ac:task-list>.*?</ac:task-list>"
    r"|<ac:adf-extension>.*?</ac:adf-extension>|<ac:link>.*?</ac:link>|<ac:image.*?</ac:image>|<time [^>]*/>",
    re.S,
)


@pytest.fixture(scope="module")
def store():
    return build_store()


@pytest.fixture(scope="module")
def macro_body(store) -> str:
    return store.contents[store.fixtures["macro_page"]].body


def test_every_seeded_body_round_trips_byte_for_byte(store):
    bodies = [v.body for c in store.contents.values() for v in c.versions]
    assert len(bodies) > 500
    for body in bodies:
        doc = C.read(body)
        assert C.write(doc.markdown, doc)[0] == body
        # the block-wise path (something added) keeps every original block exactly too
        assert C.write(doc.markdown + "\n\nadded", doc)[0] == body + "<p>added</p>"


def test_markdown_says_what_it_can_and_placeholders_the_rest(macro_body):
    md = C.read(macro_body, lambda account_id: "Carol Schmidt").markdown
    assert "# Checkout service — technical design" in md
    assert "Tracking epic: [[jira SHOP-1 #5]]." in md
    assert "[[status IN REVIEW (yellow) #3]]" in md and "[[mention @Carol Schmidt #4]]" in md
    assert "[[info #2]]\nStatus of this design:" in md and "[[/info #2]]" in md
    assert "| orders | One row per order | Checkout |" in md
    assert "```python\ndef place_order(cart, payment):" in md
    assert "[[decisions (read-only) #19]]\n- ✅ decided: Use idempotency keys on every payment call" in md
    assert "[[tasks (read-only) #20]]" in md and "- [x] @Carol Schmidt Review the data model" in md
    assert "[[layout #7]]" in md and "[[cell #9]]\n### Goals" in md
    assert "[[drawio checkout-sequence #21]]" in md  # an unknown macro, kept
    assert "<ac:" not in md and "<p>" not in md


def test_editing_one_paragraph_keeps_every_macro_exactly(macro_body):
    doc = C.read(macro_body)
    edited = doc.markdown.replace("retried at most twice", "retried at most three times")
    out, report = C.write(edited, doc)
    expected = [m.replace("at most twice", "at most three times") for m in MACROS.findall(macro_body)]
    assert MACROS.findall(out) == expected
    assert out == macro_body.replace("at most twice", "at most three times")
    assert report.removed == [] and report.rendered_blocks == 1


def test_editing_inside_a_layout_cell_keeps_the_layout(macro_body):
    doc = C.read(macro_body)
    out, _ = C.write(doc.markdown.replace("- Crypto payments", "- Crypto payments\n- Loyalty points"), doc)
    assert out.count("<ac:layout-cell>") == macro_body.count("<ac:layout-cell>")
    assert "Loyalty points" in out and 'ac:type="two_equal"' in out


def test_a_new_paragraph_with_a_moved_placeholder_restores_the_macro(macro_body):
    doc = C.read(macro_body)
    jira = next(m for m in MACROS.findall(macro_body) if '"key">SHOP-1<' in m)
    out, report = C.write(doc.markdown + "\n\nSee **also** [[jira SHOP-1 #5]].", doc)
    assert out.endswith(f"<p>See <strong>also</strong> {jira}.</p>")
    assert out.count(jira) == 2 and report.removed == []


def test_removed_placeholders_are_reported(macro_body):
    doc = C.read(macro_body)
    out, report = C.write(doc.markdown.replace("[[drawio checkout-sequence #21]]", ""), doc)
    assert report.removed == ["drawio #21"] and "drawio" not in out


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda md: md.replace("Use idempotency keys on every", "Use keys on every"), "read-only"),
        (lambda md: md + "\n\n[[jira SHOP-9 #99]]", "not a placeholder of the current version"),
        (lambda md: md.replace("[[/note #16]]", ""), "has no closing [[/note #16]]"),
        (lambda md: md.replace("[[jira SHOP-1 #5]]", "[[status SHOP-1 #5]]"), "not a placeholder"),
        (lambda md: md + "\n\n[truncated: 10 more characters. Call again]", "truncation marker"),
    ],
)
def test_unsafe_edits_are_refused_with_a_reason(macro_body, change, message):
    doc = C.read(macro_body)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        C.write(change(doc.markdown), doc)


def test_markdown_to_storage_for_new_content():
    out, _ = C.write(
        "# Plan\n\nShip **now** & <b>safely</b>\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n"
        "```sql\nselect 1 where a > b]]>\n```\n\n![d](https://x/d.png)"
    )
    assert out.startswith(
        "<h1>Plan</h1><p>Ship <strong>now</strong> &amp; &lt;b&gt;safely&lt;/b&gt;</p><ul><li>a</li><li>b</li></ul>"
    )
    assert '<ac:structured-macro ac:name="code"' in out and "<![CDATA[select 1 where a > b]]]]><![CDATA[>]]>" in out
    assert '<ac:image><ri:url ri:value="https://x/d.png" /></ac:image>' in out
    C.parse(out)  # well-formed


def test_text_that_looks_like_markdown_is_escaped_and_comes_back_as_text():
    body = "<p>1. not a list, *not bold*, [[fake #1]] and a_b_c</p><p># not a heading</p>"
    doc = C.read(body)
    assert doc.fragments == {}
    out, _ = C.write(doc.markdown + "\n\nmore", doc)
    assert out == body + "<p>more</p>"
    rendered, _ = C.write(doc.markdown.replace("not a list", "still not a list"), doc)
    assert "<p>1. still not a list, *not bold*, [[fake #1]] and a_b_c</p>" in rendered


def test_html_entities_and_malformed_bodies():
    body = "<p>caf&eacute;&nbsp;cr&egrave;me &amp; co</p>"
    doc = C.read(body)
    assert doc.markdown == "café crème & co"  # a no-break space reads as a space
    broken = "<p>unclosed <strong>tag</p>"
    doc = C.read(broken)
    assert doc.markdown.startswith("[[unparsed (read-only) #1]]")
    assert C.write(doc.markdown, doc)[0] == broken


def test_section_replace_and_append(macro_body):
    doc = C.read(macro_body)
    md = C.edit_section(doc.markdown, "Data model", "Tables move to the `orders` schema.", append=False)
    out, report = C.write(md, doc)
    assert "<h2>Data model</h2><p>Tables move to the <code>orders</code> schema.</p><h2>Decisions</h2>" in out
    assert "order_lines" not in out and report.removed == []
    md = C.edit_section(doc.markdown, "goals", "- Observable by default", append=True)  # inside a layout cell
    out, _ = C.write(md, doc)
    assert "Observable by default</p></li></ul></ac:layout-cell>" in out
    assert out.count("Non-goals") == 1
    with pytest.raises(InvalidInput, match="No heading"):
        C.edit_section(doc.markdown, "Nope", "x", append=False)


def test_decisions_from_lists_macros_and_sections(store):
    fx = store.fixtures
    english, _, french = (store.contents[i].body for i in fx["this_week_meeting_notes"])
    found = C.decisions(english)
    assert {d.source for d in found} == {"decision list", 'section "Decisions"'}
    assert [d.status for d in found if d.source == "decision list"] == ["DECIDED", "DECIDED"]
    assert [d.text for d in C.decisions(french)] == [
        "Livrer le nouveau panier en bêta la semaine prochaine",
        "Garder le prestataire de paiement actuel jusqu'en mars",
        "Traduire les e-mails de confirmation en allemand",
    ]
    adr = next(c.body for c in store.contents.values() if c.title.startswith("ADR-001"))
    assert C.decisions(adr)[0].status in ("ACCEPTED", "PROPOSED")
