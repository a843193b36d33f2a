"""Gmail's search operators in ``q``, as a person types them, over the seeded mailbox."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from googleapiclient.errors import HttpError

from sandbox.google.gmail.testing import gmail_service
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN


@pytest.fixture(scope="module")
def mail(google: GoogleUnderTest) -> Any:
    google.control.reset()  # these tests only read: one seeded mailbox serves them all
    return gmail_service(google.url, ALICE_TOKEN)


def subjects(mail: Any, q: str, **extra: Any) -> list[str]:
    found = mail.users().messages().list(userId="me", q=q, maxResults=500, **extra).execute()
    out = []
    for ref in found.get("messages", []):
        message = (
            mail.users()
            .messages()
            .get(userId="me", id=ref["id"], format="metadata", metadataHeaders=["Subject"])
            .execute()
        )
        out.append(message["payload"]["headers"][0]["value"] if message["payload"]["headers"] else "")
    return out


def count(mail: Any, q: str, **extra: Any) -> int:
    return mail.users().messages().list(userId="me", q=q, **extra).execute()["resultSizeEstimate"]


def test_from_to_and_cc_match_names_and_addresses(mail: Any) -> None:
    assert count(mail, "from:claire.dubois@acme-legal.example.com") == 2
    assert count(mail, "from:Claire") == 2
    assert count(mail, "from:me to:james.porter") == 1
    assert count(mail, "cc:bob@example.com") == 1
    assert count(mail, "to:carol@partner.org") == 1


def test_subject_phrases_and_bare_words_in_body_and_subject(mail: Any) -> None:
    assert set(subjects(mail, 'subject:"effective date"')) == {
        "Acme contract: new effective date this week",
        "Re: Acme contract: new effective date this week",
    }
    assert subjects(mail, "countersign") == ["Re: Acme contract: new effective date this week"]
    assert subjects(mail, '"pack your desk"') == ["Office move on Friday"]
    assert count(mail, '"desk pack"') == 0


def test_search_ignores_case_and_accents(mail: Any) -> None:
    assert count(mail, "BIENVENUE") == 1
    assert count(mail, "pret") == count(mail, "prêt") == count(mail, "PRÊT") == 1


def test_negation_or_and_parentheses(mail: Any) -> None:
    acme = count(mail, "from:acme-legal.example.com")
    assert acme == 4  # Claire twice, James, and the look-alike sender legal@acme-legal.example.com.evil.example
    assert count(mail, "from:acme-legal.example.com -from:evil.example") == acme - 1
    assert count(mail, "subject:(Office move) OR subject:(Q3 forecast)") == 2
    assert count(mail, "{subject:Office subject:forecast}") == 2
    assert count(mail, "(from:bob OR from:james) -subject:Phoenix -in:trash") == 3
    assert count(mail, "from:bob -(subject:Office OR subject:forecast) -Phoenix") == 0


def test_label_in_and_is_operators(mail: Any) -> None:
    assert count(mail, "label:clients-acme") == 3
    assert count(mail, "label:Clients/Acme is:unread") == 1
    assert count(mail, "in:sent") == count(mail, "", labelIds=["SENT"]) > 10
    assert set(subjects(mail, "is:starred")) == {"Acme contract: new effective date this week", "Office move on Friday"}
    assert count(mail, "is:important") == 3
    assert count(mail, "is:read from:ci") == 200 and count(mail, "is:unread from:ci") == 0
    assert subjects(mail, "in:trash") == ["Lunch on Tuesday?"]
    assert subjects(mail, "in:spam") == ["Facture impayée n° 0042"]
    assert count(mail, "in:anywhere Facture") == 1 and count(mail, "Facture") == 0
    assert count(mail, "in:inbox label:newsletters") == 2


def test_attachments_by_presence_and_file_name(mail: Any) -> None:
    assert count(mail, "has:attachment") == 3  # the invoice with an attachment is in spam
    assert count(mail, "has:attachment", includeSpamTrash=True) == 4
    assert subjects(mail, "filename:docx") == ["Acme contract: new effective date this week"]
    assert count(mail, 'filename:"Q3 forecast.xlsx"') == 1


def test_dates_after_before_and_relative_ages(mail: Any) -> None:
    now = time.time()
    pacific = datetime.now(ZoneInfo("America/Los_Angeles"))
    tomorrow = (pacific + timedelta(days=1)).strftime("%Y/%m/%d")
    assert count(mail, f"before:{tomorrow} from:ci") == 200
    assert count(mail, f"after:{tomorrow}") == 0
    assert (
        count(mail, f"after:{int(now - 12 * 3600)} -in:drafts -from:ci") == 3
    )  # Claire's reply, the hostile one, Bob's Q3
    assert count(mail, "newer_than:2d from:claire") == 2
    assert count(mail, "older_than:1y") == 1  # the welcome mail, 400 days old
    assert count(mail, "newer_than:1m from:ci") == 200 and count(mail, "newer_than:10d from:ci") < 200


def test_a_bad_date_is_a_clear_400(mail: Any) -> None:
    with pytest.raises(HttpError) as caught:
        count(mail, "after:yesterday")
    assert caught.value.resp.status == 400 and "YYYY/MM/DD" in caught.value.content.decode()


def test_message_id_search_finds_a_duplicate_send(mail: Any) -> None:
    assert count(mail, "rfc822msgid:office-move@example.com") == 1


def test_category_size_and_mailing_list_operators(mail: Any) -> None:
    assert count(mail, "category:promotions") == 2 and count(mail, "category:updates") == 200
    assert set(subjects(mail, "larger:2K")) == {
        "Nouvelle date de signature du contrat Acme",
        "Acme contract: new effective date this week",
        "Q3 forecast",
    }
    assert count(mail, "smaller:2K") == count(mail, "") - 3
    assert count(mail, "list:techweekly.example") == 1
    with pytest.raises(HttpError) as caught:
        count(mail, "larger:big")
    assert caught.value.resp.status == 400


def test_an_address_operator_matches_words_across_punctuation(mail: Any):
    """Gmail matches words: "acme legal" finds claire.dubois@acme-legal.example.com (and the look-alike sender)."""
    found = subjects(mail, 'from:"acme legal"')
    assert "Nouvelle date de signature du contrat Acme" in found
    assert "Urgent: updated signature instructions" in found
