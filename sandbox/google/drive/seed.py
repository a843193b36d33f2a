"""The seeded Workspace: alice's and bob's Drives, one shared drive, and a file of every format.

Deterministic for a given seed (ids come from the store's seeded generator; times are fixed dates in 2026).
Every binary is made by its library (see ``formats``); the 5 MB workbook is made on first access.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from .. import users as U
from . import formats as F
from .model import DOC, FOLDER, SHEET, SLIDES, DriveFile, Permission, SharedDrive
from .store import DriveStore

ALICE, BOB = U.USERS[0].email, U.USERS[1].email
BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp()
DAY = 86_400.0

TERMINATION = (
    "## 12. Termination\n\nEither party may terminate this Agreement for convenience on ninety (90) days' "
    "written notice. Either party may terminate immediately if the other party materially breaches this "
    "Agreement and fails to cure the breach within thirty (30) days of notice."
)
CONTRACT_PARAGRAPHS = [
    'This Master Services Agreement is made between Example Corp and Acme Corporation ("Acme").',
    "## 1. Services",
    "Example Corp provides data integration services as described in each Statement of Work.",
    "## 7. Fees",
    "Acme pays the fees in each Statement of Work within thirty (30) days of invoice.",
    *TERMINATION.split("\n\n"),
    "Signed by Alice Martin for Example Corp and by Jane Roe for Acme Corporation on 12 March 2026.",
]
PHOENIX_PLAN = """# Project Phoenix plan

Phoenix replaces the legacy billing pipeline with an event-driven service.

## Milestones

1. **Design review** in February
2. **Pilot** with two customers in April
3. **General availability** in June

## Risks

- Data migration of ten years of invoices
- Staffing during the summer
"""
BUDGET = [
    (
        "Budget",
        [
            ["Item", "Q1", "Q2", "Q3", "Q4"],
            ["Salaries", "120000", "120000", "125000", "125000"],
            ["Cloud", "18000", "19500", "21000", "22000"],
            ["Travel", "4000", "2500", "3000", "6000"],
        ],
    ),
    ("Assumptions", [["Key", "Value"], ["Currency", "EUR"], ["Headcount", "9"]]),
]
KICKOFF = [
    ("Phoenix kickoff", "Why we are rebuilding billing"),
    ("Timeline", "Design in Feb, pilot in April"),
    ("Team", "Alice (lead), Bob (platform)"),
]


class _Seeder:
    def __init__(self, store: DriveStore) -> None:
        self.store = store
        self.step = 0

    def when(self) -> float:
        self.step += 1
        return BASE + self.step * DAY * 2.5

    def add(
        self,
        name: str,
        mime: str,
        parent: str,
        owner: str | None,
        *,
        drive: str | None = None,
        perms: tuple[Permission, ...] = (),
        **content,
    ) -> DriveFile:
        at = self.when()
        f = DriveFile(
            self.store.new_id(),
            name,
            mime,
            [parent],
            owner,
            at,
            at,
            drive_id=drive,
            last_modifier=owner or ALICE,
            permissions=list(perms),
            **content,
        )
        if owner:
            f.permissions.insert(0, self.store.permission_for("user", "owner", owner, None, None))
        if not f.text:
            f.text = self._text(f)
        return self.store.add(f)

    @staticmethod
    def _text(f: DriveFile) -> str:
        if f.doc_markdown is not None:
            return F.markdown_to_text(f.doc_markdown)
        if f.sheets is not None:
            return "\n".join(",".join(r) for _, rows in f.sheets for r in rows)
        if f.slides is not None:
            return F.slides_to_text(f.slides)
        return _indexed_text(f.mime_type, f.data) if f.data is not None else ""

    def share(
        self, kind: str, role: str, email: str | None = None, domain: str | None = None, discover: bool | None = None
    ) -> Permission:
        return self.store.permission_for(kind, role, email, domain, discover)


@lru_cache(maxsize=1)
def _blobs() -> dict[str, bytes]:
    """Every seeded binary, made once per process (a re-seed after ``reset`` reuses them, keeping it fast)."""
    return {
        "contract.pdf": F.pdf(
            ["\n\n".join(p.removeprefix("## ") for p in CONTRACT_PARAGRAPHS)], "Master Services Agreement"
        ),
        "contract.docx": F.docx("Master Services Agreement - Acme", CONTRACT_PARAGRAPHS),
        "report.pdf": F.pdf(
            [
                f"Annual report 2025 - page {n}\n\nSection {n}: revenue grew in region {n % 7} by {n % 13} percent."
                for n in range(1, 51)
            ],
            "Annual report 2025",
        ),
        "scan.pdf": F.scanned_pdf(F.png("INVOICE 0042\nAcme Corporation\nTotal due: 1,250.00 EUR", seed=42)),
        "q3.xlsx": F.xlsx([("Sales", [["Region", "Revenue"], ["North", 1200], ["South", 950], ["East", 1430]])]),
        "review.pptx": F.pptx([("Quarterly review", "Q3 2026 results"), ("Highlights", "Phoenix pilot signed")]),
        "photo.png": F.png("Office, 3rd floor", seed=3),
        "roadmap.xlsx": F.xlsx([("Roadmap", [["Quarter", "Theme"], ["Q1", "Reliability"], ["Q2", "Phoenix"]])]),
    }


@lru_cache(maxsize=64)
def _indexed_text(mime: str, data: bytes) -> str:
    return F.extract_text(mime, data)


@lru_cache(maxsize=1)
def _big_xlsx() -> bytes:
    return F.big_xlsx()


def seed(store: DriveStore) -> None:
    s = _Seeder(store)
    blob = _blobs()
    for user in U.USERS:  # each user's "My Drive" root folder ("root" is an alias for it)
        root = DriveFile(store.new_id("0A", 19), "My Drive", FOLDER, [], user.email, BASE, BASE)
        store.files[root.id] = root
        store.roots[user.email] = root.id
    a_root, b_root = store.roots[ALICE], store.roots[BOB]
    bob_writer = s.share("user", "writer", BOB)

    contracts = s.add("Contracts", FOLDER, a_root, ALICE)
    s.add(
        "Signed contract with Acme.pdf",
        F.PDF,
        contracts.id,
        ALICE,
        original_filename="Signed contract with Acme.pdf",
        data=blob["contract.pdf"],
    )
    s.add("Signed contract with Acme.docx", F.DOCX, contracts.id, ALICE, data=blob["contract.docx"])
    projects = s.add("Projects", FOLDER, a_root, ALICE, perms=(bob_writer,))
    s.add("Project Phoenix plan", DOC, projects.id, ALICE, doc_markdown=PHOENIX_PLAN)
    s.add("Budget 2026", SHEET, projects.id, ALICE, sheets=BUDGET)
    s.add("Phoenix kickoff", SLIDES, projects.id, ALICE, slides=KICKOFF)
    s.add("Annual report 2025.pdf", F.PDF, a_root, ALICE, data=blob["report.pdf"])
    s.add("Scanned invoice 0042.pdf", F.PDF, a_root, ALICE, data=blob["scan.pdf"])
    s.add("Q3 sales.xlsx", F.XLSX, a_root, ALICE, data=blob["q3.xlsx"])
    s.add("Quarterly review.pptx", F.PPTX, a_root, ALICE, data=blob["review.pptx"])
    s.add(
        "Team notes.txt",
        "text/plain",
        a_root,
        ALICE,
        data=b"Team notes\n\nStand-up moved to 9:30. Remember the Acme renewal call on Thursday.\n",
    )
    s.add(
        "Customers.csv",
        "text/csv",
        a_root,
        ALICE,
        data=F.rows_to_csv(
            [
                ["name", "country", "plan"],
                ["Acme Corporation", "US", "Enterprise"],
                ["Globex", "DE", "Standard"],
                ["Initech", "FR", "Standard"],
            ]
        ).encode(),
    )
    s.add(
        "Landing page.html",
        "text/html",
        a_root,
        ALICE,
        data=F.markdown_to_html("# Welcome\n\nExample Corp connects your tools.", "Landing page").encode(),
    )
    s.add(
        "Office photo.png",
        "image/png",
        a_root,
        ALICE,
        data=blob["photo.png"],
        perms=(s.share("anyone", "reader", discover=False),),
    )
    s.add("Sales orders (large).xlsx", F.XLSX, a_root, ALICE, lazy_data=_big_xlsx, text="")
    s.add(
        "Onboarding guide",
        DOC,
        a_root,
        ALICE,
        perms=(s.share("domain", "reader", domain=U.DOMAIN, discover=True),),
        doc_markdown="# Onboarding guide\n\nWelcome to Example Corp. Your first week: laptop, accounts, buddy.\n",
    )
    s.add(
        "Partner brief",
        DOC,
        a_root,
        ALICE,
        perms=(s.share("user", "reader", U.OUTSIDER_EMAIL),),
        doc_markdown="# Partner brief\n\nShared with our partner for the integration project.\n",
    )
    old = s.add("Old draft.txt", "text/plain", a_root, ALICE, data=b"An outdated draft.\n")
    old.trashed = True

    notes = s.add("Bob's notes", FOLDER, b_root, BOB)
    s.add(
        "1:1 notes with Alice",
        DOC,
        notes.id,
        BOB,
        perms=(s.share("user", "commenter", ALICE),),
        doc_markdown="# 1:1 notes\n\n- Alice asked about the Acme renewal\n- Bob owns the Phoenix migration\n",
    )
    s.add("Expenses March.csv", "text/csv", notes.id, BOB, data=b"date,amount,what\r\n2026-03-02,42.50,Taxi\r\n")
    s.add("Travel itinerary.txt", "text/plain", b_root, BOB, data=b"Flight to Berlin on 14 April.\n")

    eng = SharedDrive(store.new_drive_id(), "Engineering", BASE, {ALICE: "organizer", BOB: "writer"})
    store.drives[eng.id] = eng
    design = s.add("Design docs", FOLDER, eng.id, None, drive=eng.id)
    s.add(
        "Architecture overview",
        DOC,
        design.id,
        None,
        drive=eng.id,
        doc_markdown="# Architecture overview\n\nServices talk through a message bus. Billing is event-driven.\n",
    )
    s.add(
        "Runbook.md",
        "text/markdown",
        design.id,
        None,
        drive=eng.id,
        data=b"# Runbook\n\nRestart the ingest worker, then check the queue depth.\n",
    )
    s.add("Roadmap.xlsx", F.XLSX, eng.id, None, drive=eng.id, data=blob["roadmap.xlsx"])
    store.log.clear()  # the seed is the starting state, not a change history
