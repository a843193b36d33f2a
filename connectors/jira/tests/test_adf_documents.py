"""Whole realistic Jira documents: round trips, plain-text previews, Atlassian's own ADF schema."""

from __future__ import annotations

from connectors.jira.adf import adf_to_markdown, adf_to_text, markdown_to_adf

from .adf_support import (
    DATE,
    INLINE_CARD,
    PANEL,
    SCHEMA,
    STATUS,
    TASKS,
    assert_adf_roundtrip,
    assert_valid_adf,
    doc,
    p,
    t,
)

# --------------------------------------------------------------------------
# realistic Jira description
# --------------------------------------------------------------------------

JIRA_MARKDOWN = """\
## Summary

Checkout fails for **EU customers** when the cart has more than *10 items*.
Reported by [@Jane Doe](mention:557058:f58131cb-b67d-43c7-b30d-6b58d40bd077), see [the logs](https://logs.example.com/q?id=42&range=1h).

### Steps to reproduce

1. Add 11 items to the cart
2. Go to `/checkout` and pick ~~PayPal~~ card
   - use card `4111 1111 1111 1111`
   - expiry: any future date
3. Submit

### Expected vs actual

| Case | Expected | Actual |
| --- | --- | --- |
| EU | 200 OK | 500 \\| timeout |
| US | 200 OK | 200 OK |

> The payment provider returns `HTTP 502` after 30s.\\
> Retry does **not** help.

```python
def total(items):
    return sum(i.price for i in items)  # *not* rounded
```

---

Notes: a\\*b\\*c is not emphasis, \\[not a link\\] either, and snake_case_names stay readable.
"""


def test_realistic_jira_description_markdown_roundtrip():
    adf = markdown_to_adf(JIRA_MARKDOWN)
    assert_valid_adf(adf)
    types = [n["type"] for n in adf["content"]]
    assert types == [
        "heading",
        "paragraph",
        "heading",
        "orderedList",
        "heading",
        "table",
        "blockquote",
        "codeBlock",
        "rule",
        "paragraph",
    ]
    assert adf_to_markdown(adf) == JIRA_MARKDOWN
    assert markdown_to_adf(adf_to_markdown(adf)) == adf


def test_realistic_jira_adf_with_everything_roundtrip():
    adf = markdown_to_adf(JIRA_MARKDOWN)
    adf["content"][1]["content"].append(STATUS)
    adf["content"].insert(2, PANEL)
    adf["content"].append(p(t("underlined", {"type": "underline"}), t(" "), DATE, t(" "), INLINE_CARD))
    adf["content"].append(TASKS)
    assert_adf_roundtrip(adf)


def test_adf_to_text_preview():
    text = adf_to_text(markdown_to_adf(JIRA_MARKDOWN))
    assert text.startswith("Summary\nCheckout fails for EU customers")
    assert "@Jane Doe" in text and "EU | 200 OK | 500 | timeout" in text
    assert "**" not in text and "](" not in text
    assert adf_to_text(doc(p(STATUS, t(" "), {"type": "mention", "attrs": {"id": "1"}}))) == "IN PROGRESS @1"


def test_realistic_description_validates_against_atlassians_schema():
    assert_valid_adf(markdown_to_adf(JIRA_MARKDOWN))
    assert list(SCHEMA.iter_errors({"type": "doc", "version": 1, "content": [{"type": "bogus"}]})) != []
