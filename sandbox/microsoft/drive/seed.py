"""The seeded tenant: Alice's and Bob's OneDrives, the Legal site's document library, and who shares what.

Ids and timestamps are derived from names, so every run seeds the same tenant. Documents come from
``documents.py`` (cached per process, so re-seeding on reset is instant).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..users import ALICE, BOB, CAROL, MEMBERS, User
from . import documents as D
from .model import Drive, DriveStore, Item, Permission, drive_id_for, stable_guid, stable_id, utc

SHAREPOINT_HOST = "contoso.sharepoint.com"
MY_HOST = "contoso-my.sharepoint.com"
BASE_TIME = utc(2026, 10, 1, 9, 0, 0)

TERMINATION = (
    "## 14. Termination",
    (
        "14.1 Either party may terminate this Agreement for convenience on ninety (90) days' written notice to the "
        "other party."
    ),
    (
        "14.2 Either party may terminate this Agreement immediately if the other party commits a material breach and "
        "fails to cure it within thirty (30) days of notice."
    ),
    "14.3 On termination Acme shall return all Contoso confidential information.",
)
ACME_CONTRACT = (
    "Master Services Agreement between Contoso Ltd and Acme Corporation, effective 1 March 2026.",
    "## 1. Services",
    "Acme shall provide managed logistics services as described in Schedule A.",
    "## 7. Fees",
    "Contoso shall pay Acme EUR 240,000 per year, invoiced quarterly in advance.",
    *TERMINATION,
    "## Signatures",
    "Signed for Contoso Ltd: Alice Martin, Legal counsel, 28 Feb 2026.",
    "Signed for Acme Corporation: Jordan Reyes, COO, 28 Feb 2026.",
)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    display_name: str
    web_url: str
    description: str
    drive_ids: tuple[str, ...]
    members: tuple[User, ...]


@dataclass(frozen=True)
class SeedFile:
    path: str  # below the drive root, e.g. "Contracts/x.pdf"
    make: Callable[[], bytes]
    text: str = ""
    lazy: bool = False


def _doc(path: str, title: str, paragraphs: tuple[str, ...]) -> SeedFile:
    ext = path.rpartition(".")[2]
    text = " ".join((title, *paragraphs)).replace("## ", "")
    if ext == "pdf":
        return SeedFile(path, lambda: D.pdf(title, paragraphs), text)
    if ext == "docx":
        return SeedFile(path, lambda: D.docx(title, paragraphs), text)
    if ext == "html":
        return SeedFile(path, lambda: D.html_page(title, paragraphs), text)
    return SeedFile(path, lambda: "\n".join((title, *paragraphs)).encode() + b"\n", text)


def _sheet(path: str, sheets: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]) -> SeedFile:
    text = " ".join(str(cell) for _, rows in sheets for row in rows for cell in row)
    if path.endswith(".csv"):
        return SeedFile(path, lambda: D.csv_text(sheets[0][1]), text)
    return SeedFile(path, lambda: D.xlsx(sheets), text)


def _deck(path: str, slides: tuple[tuple[str, str], ...]) -> SeedFile:
    return SeedFile(path, lambda: D.pptx(slides), " ".join(t + " " + b for t, b in slides))


BUDGET = (
    (
        "Budget",
        (
            ("Department", "Q3 plan", "Q3 actual"),
            ("Legal", 120000, 114500),
            ("Finance", 90000, 93200),
            ("Sales", 310000, 298700),
        ),
    ),
)
ALICE_FILES = (
    _doc(
        "Contracts/Acme - Master Services Agreement (signed).pdf",
        "Master Services Agreement - Contoso and Acme (signed)",
        ACME_CONTRACT,
    ),
    _doc("Contracts/Acme - MSA draft v3.docx", "Master Services Agreement - draft v3", ACME_CONTRACT[:-3]),
    _doc(
        "Contracts/Globex NDA.docx",
        "Mutual non-disclosure agreement - Contoso and Globex",
        ("Each party shall keep the other's confidential information secret for five years.",),
    ),
    _sheet("Finance/Q3 budget.xlsx", BUDGET),
    _sheet(
        "Finance/Invoices.csv",
        (
            (
                "Invoices",
                (
                    ("Invoice", "Vendor", "Amount", "Due"),
                    ("INV-1001", "Acme Corporation", "60000.00", "2026-10-15"),
                    ("INV-1002", "Globex", "12500.00", "2026-11-01"),
                ),
            ),
        ),
    ),
    _deck(
        "Presentations/Board update Q3.pptx",
        (
            ("Board update Q3 2026", "Revenue up 8% year on year"),
            ("Legal", "Acme contract signed; Globex NDA in review"),
        ),
    ),
    SeedFile(
        "Reports/Annual report 2025.pdf",
        lambda: D.pdf("Contoso annual report 2025", D.long_report_paragraphs(51)),
        "Contoso annual report 2025 revenue operating costs headcount risk outlook sustainability governance",
    ),
    SeedFile(
        "Scans/Signed purchase order (scan).pdf",
        lambda: D.scanned_pdf(
            ("PURCHASE ORDER PO-2231", "Contoso Ltd orders 40 pallets from Acme Corporation", "Signed: A. Martin")
        ),
    ),
    _doc(
        "Notes/Meeting notes 2026-11-03.txt",
        "Meeting notes 3 November 2026",
        ("Attendees: Alice, Bob.", "Action: Bob to reconcile the Acme invoices before the board meeting."),
    ),
    _doc(
        "Notes/Onboarding.html",
        "Onboarding guide for the legal team",
        ("Contracts live in the Contracts folder.", "Ask Alice before sharing anything outside Contoso."),
    ),
    SeedFile("Photos/Team offsite.png", lambda: D.png("Team offsite 2026"), "team offsite photo"),
    SeedFile("Archive/Ledger 2019-2025.xlsx", D.large_ledger_xlsx, "ledger 2019 2025", lazy=True),
)
BOB_FILES = (
    _sheet(
        "Expenses/Expense report October.xlsx",
        (
            (
                "October",
                (("Date", "Item", "Amount"), ("2026-10-03", "Train to Lyon", 112.4), ("2026-10-04", "Hotel", 189.0)),
            ),
        ),
    ),
    _sheet(
        "Expenses/Receipts.csv", (("Receipts", (("Date", "Merchant", "Amount"), ("2026-10-03", "SNCF", "112.40"))),)
    ),
    _doc(
        "Projects/Project Phoenix plan.docx",
        "Project Phoenix plan",
        ("## Goal", "Replace the invoicing system by June 2027.", "## Milestones", "Pilot in March with Finance."),
    ),
    _deck("Projects/Phoenix kickoff.pptx", (("Project Phoenix", "Kickoff, 12 November 2026"),)),
    _doc("notes.txt", "Bob's notes", ("Remember to ask Alice about the Acme termination notice period.",)),
)
LEGAL_FILES = (
    _doc(
        "Policies/Data retention policy.pdf",
        "Data retention policy",
        ("Contracts are kept for ten years after termination.", "Invoices are kept for seven years."),
    ),
    _doc("Policies/Travel policy.docx", "Travel policy", ("Book trains for trips under four hours.",)),
    _doc("Templates/NDA template.docx", "Mutual NDA template", ("[Party A] and [Party B] agree to ...",)),
    _sheet(
        "Contract register.xlsx",
        (
            (
                "Register",
                (
                    ("Counterparty", "Type", "Signed", "Owner"),
                    ("Acme Corporation", "MSA", "2026-02-28", "Alice Martin"),
                    ("Globex", "NDA", "", "Alice Martin"),
                ),
            ),
        ),
    ),
)


def personal_drive_id(user: User) -> str:
    return drive_id_for("personal:" + user.mail)


LEGAL_SITE_ID = f"{SHAREPOINT_HOST},{stable_guid('site', 'legal')},{stable_guid('web', 'legal')}"
ROOT_SITE_ID = f"{SHAREPOINT_HOST},{stable_guid('site', 'root')},{stable_guid('web', 'root')}"
LEGAL_DRIVE_ID = drive_id_for("site:legal:Documents")
SITES = (
    Site(ROOT_SITE_ID, "root", "Contoso", f"https://{SHAREPOINT_HOST}", "Contoso's intranet home", (), MEMBERS),
    Site(
        LEGAL_SITE_ID,
        "legal",
        "Legal",
        f"https://{SHAREPOINT_HOST}/sites/legal",
        "Contracts, policies and templates of the legal team",
        (LEGAL_DRIVE_ID,),
        MEMBERS,
    ),
)


def _add_tree(store: DriveStore, drive: Drive, files: tuple[SeedFile, ...], author: User) -> None:
    when = BASE_TIME
    root = Item(
        stable_id(drive.id, "root"),
        drive.id,
        "root",
        None,
        True,
        when,
        when,
        author,
        author,
        guid=stable_guid(drive.id, "root"),
    )
    drive.root_id = root.id
    store.add(root)
    for n, seed in enumerate(files):
        folder = root
        parts = seed.path.split("/")
        for depth, name in enumerate(parts[:-1]):
            existing = store.child_named(folder, name)
            if existing is None:
                key = "/".join(parts[: depth + 1])
                existing = store.add(
                    Item(
                        stable_id(drive.id, key),
                        drive.id,
                        name,
                        folder.id,
                        True,
                        when,
                        when,
                        author,
                        author,
                        guid=stable_guid(drive.id, key),
                    )
                )
            folder = existing
        stamp = when + timedelta(days=n, hours=n % 5)
        item = Item(
            stable_id(drive.id, seed.path),
            drive.id,
            parts[-1],
            folder.id,
            False,
            stamp,
            stamp,
            author,
            author,
            mime_type=D.mime_for(parts[-1]),
            text=seed.text,
            guid=stable_guid(drive.id, seed.path),
        )
        if seed.lazy:
            item.lazy = seed.make
        else:
            item.data = seed.make()
        store.add(item)


def _share(
    store: DriveStore,
    drive: Drive,
    path: str,
    roles: list[str],
    *,
    user: User | None = None,
    link: dict[str, Any] | None = None,
) -> None:
    item, _, _ = store.walk(path, store.root(drive))
    assert item is not None, path
    item.permissions.append(Permission(store.new_permission_id(), roles, user=user, link=link))


def seed(store: DriveStore) -> None:
    for user, files in ((ALICE, ALICE_FILES), (BOB, BOB_FILES)):
        slug = user.mail.replace("@", "_").replace(".", "_")
        drive = Drive(
            personal_drive_id(user),
            "OneDrive",
            "business",
            user,
            (user,),
            f"https://{MY_HOST}/personal/{slug}/Documents",
            BASE_TIME,
        )
        store.drives[drive.id] = drive
        _add_tree(store, drive, files, user)
    legal = Drive(
        LEGAL_DRIVE_ID,
        "Documents",
        "documentLibrary",
        None,
        MEMBERS,
        f"https://{SHAREPOINT_HOST}/sites/legal/Shared%20Documents",
        BASE_TIME,
        site_id=LEGAL_SITE_ID,
        description="The Legal site's document library",
    )
    store.drives[legal.id] = legal
    _add_tree(store, legal, LEGAL_FILES, ALICE)
    alice, bob = store.drives[personal_drive_id(ALICE)], store.drives[personal_drive_id(BOB)]
    _share(store, alice, "Contracts/Globex NDA.docx", ["read"], user=BOB)
    _share(store, alice, "Finance", ["write"], user=BOB)
    _share(store, alice, "Contracts/Acme - MSA draft v3.docx", ["read"], user=CAROL)
    _share(
        store,
        alice,
        "Photos/Team offsite.png",
        ["read"],
        link={
            "type": "view",
            "scope": "anonymous",
            "webUrl": "https://contoso-my.sharepoint.com/:i:/g/personal/alice_contoso_example/EaTeamOffsite",
        },
    )
    _share(store, bob, "Projects/Project Phoenix plan.docx", ["write"], user=ALICE)
