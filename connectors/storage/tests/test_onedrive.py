"""The storage tools on OneDrive/SharePoint, through the MCP client, against the Graph sandbox over HTTPS."""

from __future__ import annotations

import pytest

from sandbox.microsoft.testing import TenantUnderTest
from shared.testing import call, fail

from .conftest import Connect

pytestmark = pytest.mark.anyio
SIGNED = "Acme - Master Services Agreement (signed).pdf"


async def find(client, words: str, name: str) -> str:
    _, found = await call(client, "search", query=words)
    return next(r["id"] for r in found["results"] if r["title"] == name)


async def test_the_signed_acme_contract_and_its_termination_clause_take_two_calls(as_graph: Connect):
    async with as_graph() as client:
        _, found = await call(client, "search", query="signed contract with Acme")
        contract = next(r for r in found["results"] if r["title"] == SIGNED)
        _, page = await call(client, "fetch", id=contract["id"])
    assert "14. Termination" in page["text"]
    assert "ninety (90) days' written notice" in page["text"]
    assert page["url"] == contract["url"] and page["url"].startswith("https://contoso-my.sharepoint.com/")
    assert contract["id"].startswith("onedrive:b!")


async def test_an_uploaded_file_is_found_by_the_next_search(as_graph: Connect):
    async with as_graph() as client:
        _, made = await call(
            client, "storage_upload_file", name="Zephyr launch", content="Go on Monday.", folder="Notes"
        )
        _, found = await call(client, "search", query="zephyr")
        text, page = await call(client, "storage_read_file", id=made["id"])
    assert made["name"] == "Zephyr launch.txt"
    assert [r["id"] for r in found["results"]] == [made["id"]]
    assert "Go on Monday." in text and page["url"] == made["url"]


async def test_notes_become_a_word_document_and_csv_an_excel_workbook_on_onedrive(as_graph, tenant):
    notes = "# Weekly sync\n\nAgreed to **ship** on Monday.\n\n- Alice: release notes\n- Bob: rollout\n"
    async with as_graph() as client:
        _, word = await call(client, "storage_upload_file", name="Sync notes.md", content=notes, convert_to="doc")
        _, book = await call(
            client,
            "storage_upload_file",
            name="Targets",
            content="region,target\nEMEA,10\n",
            format="csv",
            convert_to="sheet",
        )
        text, _ = await call(client, "storage_read_file", id=word["id"])
        sheet, _ = await call(client, "storage_read_file", id=book["id"])
        _, found = await call(client, "storage_search_files", words="weekly sync", type="document")
    assert word["name"] == "Sync notes.docx" and book["name"] == "Targets.xlsx"
    assert "Weekly sync" in text and "Agreed to ship on Monday." in text and "Alice: release notes" in text
    assert "EMEA" in sheet and "10" in sheet
    assert [f["id"] for f in found["files"]] == [word["id"]]  # searchable by its text, as a Word file


async def test_sharing_outside_the_allowed_domains_is_refused_and_nothing_is_shared(as_graph, tenant: TenantUnderTest):
    async with as_graph() as client:
        notes = await find(client, "meeting notes", "Meeting notes 2026-11-03.txt")
        tenant.control.clear_requests()
        message = await fail(client, "storage_share_file", id=notes, email="mallory@evil.example")
        _, details = await call(client, "storage_get_file", id=notes)
    assert "evil.example is outside your organisation (contoso.example)" in message
    assert "Nothing was shared" in message
    assert details["shared_with"] == ["Alice Martin <alice@contoso.example>: owner"]
    assert not [r for r in tenant.control.requests() if r["method"] == "POST"]


async def test_sharing_with_a_colleague_or_an_allowed_domain_works(as_graph: Connect):
    async with as_graph(allowed_share_domains="fabrikam.example") as client:
        notes = await find(client, "meeting notes", "Meeting notes 2026-11-03.txt")
        await call(client, "storage_share_file", id=notes, email="bob@contoso.example", role="write")
        await call(client, "storage_share_file", id=notes, email="carol@fabrikam.example")
        text, details = await call(client, "storage_get_file", id=notes)
    assert "Bob Chen <bob@contoso.example>: write" in details["shared_with"]
    assert any("carol@fabrikam.example" in s for s in details["shared_with"])
    assert "path: /Notes/Meeting notes 2026-11-03.txt" in text


async def test_changes_after_an_edit_return_exactly_that_file(as_graph: Connect):
    async with as_graph() as client:
        first, start = await call(client, "storage_get_changes")
        assert start["restarted"] == ["onedrive"] and "first sync" in first
        notes = await find(client, "meeting notes", "Meeting notes 2026-11-03.txt")
        _, quiet = await call(client, "storage_get_changes")
        assert quiet["files"] == []
        await call(client, "storage_move_file", id=notes, to_folder="Archive", new_name="Meeting notes (old).txt")
        _, changed = await call(client, "storage_get_changes")
    assert [(f["id"], f["name"]) for f in changed["files"]] == [(notes, "Meeting notes (old).txt")]


async def test_an_expired_delta_link_restarts_with_a_listing_and_says_so(as_graph, tenant: TenantUnderTest):
    async with as_graph() as client:
        await call(client, "storage_get_changes")
        tenant.expire_delta_tokens()
        text, report = await call(client, "storage_get_changes")
    assert report["restarted"] == ["onedrive"] and report["files"]
    assert "saved position had expired" in text and "full listing" in text


async def test_alice_never_sees_bobs_private_files(as_graph: Connect):
    async with as_graph("bob") as bob:
        expenses = await find(bob, "expense report october", "Expense report October.xlsx")
    async with as_graph("alice") as alice:
        _, found = await call(alice, "search", query="expense report october")
        message = await fail(alice, "fetch", id=expenses)
    assert "Expense report October.xlsx" not in [r["title"] for r in found["results"]]
    assert "Not found in OneDrive" in message


async def test_a_folder_is_named_never_asked_for_as_an_id(as_graph: Connect):
    async with as_graph() as client:
        text, listed = await call(client, "storage_list_folder", folder="Contracts")
        message = await fail(client, "storage_create_folder", name="Q4", parent="Contrcts")
    assert SIGNED in {f["name"] for f in listed["files"]}
    assert 'No folder named "Contrcts"' in message


async def test_an_upload_whose_answer_is_lost_is_found_at_its_path_and_never_repeated(as_graph, tenant):
    tenant.control.clear_requests()
    tenant.control.fault(kind="reset", method="PUT", path="/content$", after_write=True)
    async with as_graph() as client:
        _, made = await call(client, "storage_upload_file", name="Minutes.txt", content="Agreed.", idempotency_key="k")
        _, again = await call(client, "storage_upload_file", name="Minutes.txt", content="Agreed.", idempotency_key="k")
        taken = await fail(client, "storage_upload_file", name="Minutes.txt", content="Other.")
    assert again["reused"] is True and again["id"] == made["id"]
    assert 'A file named "Minutes.txt" already exists' in taken
    assert sum(1 for r in tenant.control.requests() if r["method"] == "PUT") == 2  # the lost one, the refused one


async def test_a_lost_answer_is_reported_when_the_file_at_that_path_is_not_ours(as_graph, tenant):
    # The upload never arrives (refused before running, answer cut) while a file of that name holds other bytes:
    # nothing says the write happened, so the person is told it may not have been applied.
    async with as_graph() as client:
        await call(client, "storage_upload_file", name="Agenda.txt", content="First version.")
        tenant.control.fault(kind="reset", method="PUT", path="/content$")
        message = await fail(client, "storage_upload_file", name="Agenda.txt", content="Second version.")
    assert "may or may not have been applied" in message


async def test_a_site_library_is_searched_by_its_name(as_graph: Connect):
    async with as_graph() as client:
        _, found = await call(client, "storage_search_files", words="retention", drive="Legal")
    assert [f["name"] for f in found["files"]] == ["Data retention policy.pdf"]


async def test_doctor_signs_in_to_graph_and_names_the_setting_when_the_token_is_refused(tenant: TenantUnderTest):
    from connectors.storage.runtime import StorageRuntime

    from .conftest import graph_settings

    good = await StorageRuntime(graph_settings(tenant)).checks()
    bad = await StorageRuntime(graph_settings(tenant, graph_token="not-a-token")).checks()
    assert [(c.name, c.ok) for c in good] == [("onedrive credentials", True)]
    assert "Alice Martin <alice@contoso.example>" in good[0].detail
    assert not bad[0].ok and "STORAGE_GRAPH_TOKEN" in bad[0].detail and "not-a-token" not in bad[0].detail


async def test_files_shared_with_me_are_filtered_by_words_and_owner(as_graph: Connect):
    async with as_graph() as client:
        _, phoenix = await call(client, "storage_search_files", words="phoenix", shared_with_me=True, owner="Bob")
        _, other = await call(client, "storage_search_files", words="budget", shared_with_me=True)
    assert [f["name"] for f in phoenix["files"]] == ["Project Phoenix plan.docx"]
    assert other["files"] == []


async def test_a_throttled_graph_read_is_waited_out_inside_the_tool_call(as_graph, tenant: TenantUnderTest):
    tenant.control.fault(kind="rate_limit", path="/search", retry_after=1, times=1)
    async with as_graph() as client:
        _, found = await call(client, "search", query="globex")
    assert "Globex NDA.docx" in [r["title"] for r in found["results"]]


async def test_a_graph_outage_on_a_write_is_reported_as_maybe_applied(as_graph, tenant: TenantUnderTest):
    tenant.control.fault(kind="status", status=503, method="POST", path="/children$", after_write=True)
    async with as_graph() as client:
        message = await fail(client, "storage_create_folder", name="Q4")
    assert "may or may not have been applied" in message and "idempotency_key" in message


async def test_filters_type_folder_owner_me_and_a_french_period_on_onedrive(as_graph: Connect):
    async with as_graph() as client:
        await call(client, "storage_upload_file", name="Compte rendu", content="Réunion de lundi", folder="Notes")
        _, week = await call(client, "storage_search_files", modified="cette semaine", type="text", owner="me")
        _, pdfs = await call(client, "storage_search_files", words="acme", type="pdf", folder="Contracts")
        _, none = await call(client, "storage_search_files", words="acme", type="spreadsheet", folder="Contracts")
    assert [f["name"] for f in week["files"]] == ["Compte rendu.txt"]
    assert [f["name"] for f in pdfs["files"]] == [SIGNED]
    assert none["files"] == []


async def test_a_read_downloads_through_the_items_own_url_in_two_requests(as_graph, tenant: TenantUnderTest):
    async with as_graph() as client:
        budget = await find(client, "q3 budget", "Q3 budget.xlsx")
        tenant.control.clear_requests()
        text, _ = await call(client, "storage_read_file", id=budget)
    paths = [r["path"] for r in tenant.control.requests()]
    assert len(paths) == 2 and paths[1] == "/_layouts/15/download.aspx"  # the item, then its bytes: no /content
    assert "Q3 budget" in text


async def test_notes_go_into_the_teams_sharepoint_folder_named_like_any_other(as_graph: Connect):
    async with as_graph() as client:
        _, made = await call(
            client,
            "storage_upload_file",
            name="Meeting notes 2026-12-04.md",
            content="# Legal sync",
            folder="Templates",
        )
        _, listed = await call(client, "storage_list_folder", folder="Templates")
        _, found = await call(client, "storage_search_files", words="meeting notes", drive="Legal")
        text, _ = await call(client, "storage_get_file", id=made["id"])
    assert "path: /Legal/Templates/Meeting notes 2026-12-04.md" in text
    assert made["url"].startswith("https://contoso.sharepoint.com/sites/legal/")
    assert made["id"] in [f["id"] for f in listed["files"]] and "NDA template.docx" in [
        f["name"] for f in listed["files"]
    ]
    assert [f["id"] for f in found["files"]] == [made["id"]]


async def test_a_sharepoint_library_named_without_words_lists_its_own_files(as_graph: Connect):
    async with as_graph() as client:
        _, found = await call(client, "storage_search_files", drive="Legal")
    assert {f["name"] for f in found["files"]} == {"Policies", "Templates", "Contract register.xlsx"}


async def test_a_folder_in_my_onedrive_and_in_a_library_is_told_apart_by_its_site(as_graph: Connect):
    async with as_graph() as client:
        await call(client, "storage_create_folder", name="Templates")
        message = await fail(client, "storage_list_folder", folder="Templates")
        _, legal = await call(client, "storage_list_folder", folder="Legal/Templates")
    assert 'Folder "Templates" matches several' in message and "/Legal/Templates" in message
    assert [f["name"] for f in legal["files"]] == ["NDA template.docx"]
