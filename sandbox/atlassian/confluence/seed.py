"""Deterministic seed for the Confluence emulator (ids depend only on the seed; timestamps are relative to ``now``).

Fixtures (see README.md): spaces ENG/PROD/OPS/HR/SHOP, the macro-rich page, the > 100 KB page, this week's
meeting notes with decisions in the Webshop space (SHOP, label ``webshop``), older meeting notes, blog posts.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from .. import users as U
from . import storage as S
from .store import Clock, Content, Space, Store, Version

SPACES = [
    # id, key, name, description, owner
    (
        65538,
        "ENG",
        "Engineering",
        "Architecture, services, runbooks and how-to guides of the engineering team.",
        "carol",
    ),
    (65539, "PROD", "Product", "Roadmaps, requirements and customer research.", "grace"),
    (65540, "OPS", "Operations", "Operations runbooks, incidents, on-call and vendors.", "dave"),
    (65541, "HR", "People", "Onboarding, policies, benefits and hiring.", "heidi"),
    (
        65542,
        "SHOP",
        "Webshop",
        "Project space of the Webshop (Jira project SHOP): meeting notes, decisions, requirements.",
        "paul.martin",
    ),
]
SPACE_LABELS = {
    "SHOP": ["webshop", "project"],
    "ENG": ["engineering"],
    "OPS": ["operations"],
    "HR": ["people"],
    "PROD": ["product"],
}

AUTHORS = [u.localpart for u in U.USERS if u.active]

SECTIONS = {
    "ENG": [
        (
            "Architecture",
            "adr",
            [
                "Use PostgreSQL for orders",
                "Event bus for stock updates",
                "Adopt OpenTelemetry",
                "Split the monolith checkout",
                "Feature flags service",
                "API gateway rate limits",
                "Move images to object storage",
                "Retire the legacy search",
                "gRPC between services",
                "Blue-green deployments",
                "Secrets in Vault",
                "Read replicas for reporting",
                "Idempotency keys for payments",
                "Cache invalidation strategy",
            ],
        ),
        (
            "Services",
            "service",
            [
                "Checkout service",
                "Cart service",
                "Search service",
                "Payment adapter",
                "Notification service",
                "Identity service",
                "Pricing engine",
                "Inventory sync",
                "Order history API",
                "Invoice generator",
                "Recommendation service",
                "Media service",
            ],
        ),
        (
            "Runbooks",
            "runbook",
            [
                "Restart the checkout pods",
                "Rotate database credentials",
                "Clear the CDN cache",
                "Replay dead-lettered events",
                "Scale the search cluster",
                "Fail over Redis",
                "Roll back a release",
                "Renew TLS certificates",
                "Reindex products",
                "Drain a Kubernetes node",
                "Purge old sessions",
                "Restore a backup",
            ],
        ),
        (
            "How-to guides",
            "howto",
            [
                "Set up your laptop",
                "Run the test suite locally",
                "Write a good PR description",
                "Use feature flags",
                "Profile a slow endpoint",
                "Add a new metric",
                "Debug a flaky test",
                "Deploy to staging",
                "Request production access",
                "Write an ADR",
                "Review a pull request",
                "Use the design system",
            ],
        ),
        ("Retrospectives", "retro", [f"Sprint {n} retrospective" for n in range(20, 32)]),
    ],
    "PROD": [
        ("Roadmap", "roadmap", [f"Roadmap {y} Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]),
        (
            "Product requirements",
            "prd",
            [
                "Guest checkout",
                "Saved carts",
                "Gift cards",
                "Multi-currency pricing",
                "Wishlist sharing",
                "Product reviews v2",
                "Subscription orders",
                "Click and collect",
                "Loyalty points",
                "Accessibility audit fixes",
                "One-page checkout",
                "Returns portal",
                "B2B invoicing",
                "Dark mode",
            ],
        ),
        (
            "Customer research",
            "research",
            [
                "Interview notes — Acme Retail",
                "Interview notes — Globex",
                "Survey results checkout friction",
                "Usability test mobile cart",
                "Competitor analysis 2026",
                "Persona: busy parent",
                "Persona: bargain hunter",
                "NPS verbatims Q3",
                "Support ticket themes",
                "Card sorting navigation",
                "Diary study delivery",
            ],
        ),
        ("Release notes", "release-notes", [f"Release 4.{n}" for n in range(0, 14)]),
    ],
    "OPS": [
        (
            "Operations runbooks",
            "runbook",
            [
                "Backup job failed",
                "VPN access requests",
                "Kubernetes upgrade",
                "TLS certificate renewal",
                "Log retention changes",
                "Monitoring alert triage",
                "Database failover drill",
                "SSO configuration",
                "Monthly cost report",
                "Laptop provisioning",
                "DNS changes",
                "Firewall rule requests",
            ],
        ),
        (
            "Incidents",
            "postmortem",
            [
                f"Postmortem: {x}"
                for x in [
                    "checkout outage",
                    "payment timeouts",
                    "search degraded",
                    "CDN misconfiguration",
                    "expired certificate",
                    "database disk full",
                    "message queue backlog",
                    "DNS propagation",
                    "bad deploy of pricing",
                    "login loop",
                    "image service 502s",
                    "stock sync lag",
                    "email delivery delays",
                    "cron storm",
                    "memory leak in cart",
                    "partial region outage",
                ]
            ],
        ),
        (
            "On-call",
            "on-call",
            [
                "On-call handbook",
                "Escalation policy",
                "Paging etiquette",
                "On-call rota 2026",
                "Handover checklist",
                "Incident commander guide",
                "Status page updates",
            ],
        ),
        (
            "Vendors",
            "vendor",
            [
                "Payment provider",
                "CDN provider",
                "Email provider",
                "Cloud hosting",
                "Monitoring SaaS",
                "Support desk tool",
                "Translation agency",
            ],
        ),
    ],
    "HR": [
        (
            "Onboarding",
            "onboarding",
            [
                "Welcome to the company",
                "Your first week",
                "Tools and accounts",
                "Buddy programme",
                "Engineering onboarding",
                "Product onboarding",
                "Security training",
                "Office guide Paris",
                "Office guide Berlin",
            ],
        ),
        (
            "Policies",
            "policy",
            [
                "Remote work policy",
                "Travel and expenses",
                "Code of conduct",
                "Parental leave",
                "Equipment policy",
                "Information security policy",
                "Annual leave",
                "Sick leave",
                "Training budget",
                "Whistleblowing",
            ],
        ),
        (
            "Benefits",
            "benefits",
            ["Health insurance", "Meal vouchers", "Public transport", "Pension plan", "Wellbeing allowance"],
        ),
        (
            "Hiring",
            "hiring",
            [
                "Interview process",
                "Engineering interview rubric",
                "Referral programme",
                "Job description template",
                "Offer approval",
            ],
        ),
    ],
    "SHOP": [
        (
            "Decision log",
            "decision",
            [
                "Decision: payment provider for 2027",
                "Decision: drop IE11 support",
                "Decision: free shipping threshold",
                "Decision: search vendor",
                "Decision: mobile web first",
                "Decision: promo code stacking",
                "Decision: order confirmation emails",
                "Decision: release cadence",
            ],
        ),
        (
            "Requirements",
            "requirements",
            [
                "Checkout redesign",
                "Promo codes",
                "Shipping calculator",
                "Invoice PDF",
                "Order history filters",
                "Stock sync",
                "Product reviews moderation",
                "Guest checkout on mobile",
                "Wishlist",
                "Address autocomplete",
                "Cart abandonment emails",
                "Payment retries",
            ],
        ),
        (
            "Release planning",
            "release",
            [f"Webshop release {n}" for n in ("2026.9", "2026.10", "2026.11", "2026.12", "2027.1", "2027.2")],
        ),
    ],
}

MEETING_WEEKS = 28  # weekly sync notes for the past weeks (long ago ones included)

TOPIC_SENTENCES = [
    "We agreed to keep the scope small and ship behind a feature flag.",
    "The latency budget for this flow is 300 ms at the 95th percentile.",
    "Customer feedback shows that the current flow is confusing on mobile.",
    "Monitoring dashboards are linked from the service catalogue.",
    "This page is owned by the team and reviewed every quarter.",
    "Ask in the #help channel if anything here is out of date.",
    "Backwards compatibility with the mobile app must be preserved.",
    "The rollout happens region by region, starting with France.",
    "Costs are tracked in the monthly FinOps review.",
    "Security review is required before any external launch.",
]
DECISIONS = [
    "Ship the new checkout to 10 % of traffic next Monday",
    "Keep the legacy payment adapter until the end of Q1",
    "Use the existing design system components for the cart",
    "Move the weekly sync to Tuesdays at 10:00",
    "Postpone gift cards to the next release",
    "Adopt the free shipping threshold of 49 EUR",
    "Make address autocomplete opt-in for the first month",
    "Freeze non-critical changes during the Black Friday week",
    "Track cart abandonment as the primary success metric",
    "Remove the promo code field from the first checkout step",
]
DECISIONS_FR = [
    "Livrer le nouveau panier en bêta la semaine prochaine",
    "Garder le prestataire de paiement actuel jusqu'en mars",
    "Traduire les e-mails de confirmation en allemand",
]
ACTIONS = [
    "Update the runbook",
    "Share the slides",
    "Book the design review",
    "Check the error budget",
    "Write the release notes",
    "Ping the vendor about pricing",
    "Add dashboards for the new flow",
    "Prepare the demo",
    "Collect feedback from support",
]
ATTACHMENTS = [
    ("architecture-diagram.png", "image/png", "PNG Image"),
    ("requirements.pdf", "application/pdf", "PDF Document"),
    ("capacity-plan.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel Spreadsheet"),
    ("screenshot.png", "image/png", "PNG Image"),
    ("meeting-recording.mp4", "video/mp4", "Video"),
    ("notes.txt", "text/plain", "Text File"),
]
COMMENTS = [
    "Thanks, this is really helpful!",
    "Should we link the Jira epic here?",
    "I updated the numbers in the table.",
    "Can we revisit this in the next sync?",
    "+1, agreed.",
    "The diagram is outdated, I will fix it.",
    "Who owns this now that the team changed?",
    "Done, see the new section below.",
]


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week containing ``now``."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


class Fixtures(dict):
    pass


def _acct(lp: str) -> str:
    return U.user(lp).account_id


def _spread(rng: random.Random, start: datetime, end: datetime, n: int) -> list[datetime]:
    if end <= start:
        end = start + timedelta(minutes=n)
    span = (end - start).total_seconds()
    pts = sorted(rng.uniform(0, span) for _ in range(n - 1))
    return [start] + [start + timedelta(seconds=s) for s in pts]


def _generic_body(rng: random.Random, ids: S.Ids, title: str, kind: str, space_key: str, n: int) -> str:
    """A realistic body; ``n`` is the version number (later versions add an update section)."""
    parts = [S.p(S.t(f"This page describes {title.lower()}. "), S.t(rng.choice(TOPIC_SENTENCES)))]
    if kind in ("runbook", "howto"):
        parts += [
            S.h(2, "Prerequisites"),
            S.ul(
                S.t("Access to the production VPN"), S.t("kubectl configured"), S.t("On-call role in the paging tool")
            ),
            S.h(2, "Steps"),
            S.ul(
                S.t("Check the dashboard"), S.t("Run the command below"), S.t("Verify the health check"), ordered=True
            ),
            S.code(ids, f"kubectl -n {space_key.lower()} rollout restart deploy/{title.split()[-1].lower()}", "bash"),
            S.panel(ids, "warning", S.p(S.t("Never run this during a release freeze without approval."))),
        ]
    elif kind in ("adr", "decision"):
        parts += [
            S.h(2, "Context"),
            S.p(S.t(rng.choice(TOPIC_SENTENCES))),
            S.h(2, "Decision"),
            S.p(
                S.status(
                    ids, "ACCEPTED" if rng.random() < 0.8 else "PROPOSED", "Green" if rng.random() < 0.8 else "Yellow"
                ),
                S.t(" " + rng.choice(DECISIONS) + "."),
            ),
            S.h(2, "Consequences"),
            S.ul(S.t("Less operational work"), S.t("A migration is required")),
        ]
    elif kind in ("postmortem",):
        parts += [
            S.h(2, "Summary"),
            S.p(S.t("Customers could not complete orders for ") + S.strong(f"{rng.randint(5, 90)} minutes") + "."),
            S.h(2, "Timeline"),
            S.table(
                [
                    ["Time (UTC)", "Event"],
                    ["09:12", "Alert fired"],
                    ["09:20", "Incident declared"],
                    ["09:55", "Mitigated"],
                    ["10:30", "Resolved"],
                ]
            ),
            S.h(2, "Follow-up"),
            S.p(S.jira_issue(ids, f"OPS-{rng.randint(1, 90)}")),
        ]
    elif kind in ("prd", "requirements"):
        parts += [
            S.h(2, "Goals"),
            S.ul(S.t("Reduce checkout friction"), S.t("Increase conversion by 2 %")),
            S.h(2, "Requirements"),
            S.table(
                [
                    ["#", "Requirement", "Importance"],
                    ["1", f"{title} works on mobile", "MUST"],
                    ["2", "Accessible (WCAG 2.1 AA)", "MUST"],
                    ["3", "Analytics events", "SHOULD"],
                ]
            ),
            S.h(2, "Related issues"),
            S.p(S.jira_issue(ids, f"SHOP-{rng.randint(1, 140)}")),
            S.panel(ids, "info", S.p(S.t("Designs are linked in the Figma file."))),
        ]
    elif kind == "service":
        parts += [
            S.h(2, "Overview"),
            S.p(S.t(rng.choice(TOPIC_SENTENCES))),
            S.h(2, "Endpoints"),
            S.table([["Method", "Path"], ["GET", "/health"], ["POST", "/v1/orders"]]),
            S.h(2, "On-call"),
            S.p(S.t("Escalate to "), S.mention(_acct(rng.choice(AUTHORS))), S.t(".")),
        ]
    else:
        parts += [
            S.h(2, "Details"),
            S.p(S.t(rng.choice(TOPIC_SENTENCES))),
            S.ul(*[S.t(rng.choice(TOPIC_SENTENCES)) for _ in range(3)]),
        ]
    for v in range(2, n + 1):
        parts.append(S.h(3, f"Update {v}") + S.p(S.t(rng.choice(TOPIC_SENTENCES))))
    return "".join(parts)


def _meeting_body(
    rng: random.Random, ids: S.Ids, day: datetime, attendees: list[str], decisions: list[str], french: bool, n: int
) -> str:
    if french:
        head = [
            S.h(2, "Date"),
            S.p(S.date(day.date().isoformat())),
            S.h(2, "Participants"),
            S.ul(*[S.mention(_acct(a)) for a in attendees]),
            S.h(2, "Ordre du jour"),
            S.ul(S.t("Point sur la release"), S.t("Retours clients")),
            S.h(2, "Décisions"),
            S.ul(*[S.t(d) for d in decisions]),
        ]
    else:
        head = [
            S.h(2, "Date"),
            S.p(S.date(day.date().isoformat())),
            S.h(2, "Attendees"),
            S.ul(*[S.mention(_acct(a)) for a in attendees]),
            S.h(2, "Goals"),
            S.p(S.t("Review progress of the Webshop release and unblock the team.")),
            S.h(2, "Discussion items"),
            S.table(
                [
                    ["Time", "Item", "Who", "Notes"],
                    ["10 min", "Release status", S.mention(_acct(attendees[0])), S.status(ids, "ON TRACK", "Green")],
                    [
                        "15 min",
                        "Checkout redesign",
                        S.mention(_acct(attendees[-1])),
                        S.jira_issue(ids, f"SHOP-{rng.randint(1, 140)}"),
                    ],
                ],
                raw=True,
            ),
            S.h(2, "Decisions"),
            S.ul(*[S.t(d) for d in decisions]),
            S.decision_list(ids, decisions[:2]),
        ]
    actions = [
        (
            rng.choice(ACTIONS),
            rng.random() < 0.3,
            _acct(rng.choice(attendees)),
            (day + timedelta(days=7)).date().isoformat(),
        )
        for _ in range(2 + n % 2)
    ]
    head += [S.h(2, "Actions" if not french else "Actions à mener"), S.task_list(ids, actions)]
    return "".join(head)


def _macro_page_body(ids: S.Ids, now: datetime) -> str:
    carol, bob, judy = _acct("carol"), _acct("bob"), _acct("judy")
    return "".join(
        [
            S.toc(ids),
            S.panel(
                ids,
                "info",
                S.p(
                    S.t("Status of this design: "),
                    S.status(ids, "IN REVIEW", "Yellow"),
                    S.t(" — owner "),
                    S.mention(carol),
                ),
            ),
            S.h(1, "Checkout service — technical design"),
            S.p(
                S.t(
                    "The checkout service orchestrates cart validation, pricing, payment and order creation. "
                    "Tracking epic: "
                ),
                S.jira_issue(ids, "SHOP-1"),
                S.t("."),
            ),
            S.h(2, "Open issues"),
            S.p(S.jira_query(ids, "project = SHOP AND labels = checkout ORDER BY priority DESC")),
            S.layout(
                (
                    "two_equal",
                    [
                        S.h(3, "Goals") + S.ul(S.t("p95 below 300 ms"), S.t("Idempotent payment calls")),
                        S.h(3, "Non-goals") + S.ul(S.t("Marketplace sellers"), S.t("Crypto payments")),
                    ],
                ),
                ("single", [S.p(S.image("architecture-diagram.png"))]),
            ),
            S.h(2, "Architecture"),
            S.p(
                S.t("See also "),
                S.page_link("Cart service", "ENG"),
                S.t(" and "),
                S.page_link("ADR-004: Split the monolith checkout", "ENG"),
                S.t("."),
            ),
            S.code(
                ids,
                "def place_order(cart, payment):\n    with idempotency(cart.id):\n        total = price(cart)\n"
                "        charge = payment.charge(total)\n        return Order.create(cart, charge)\n",
                "python",
                "checkout.py",
            ),
            S.panel(ids, "note", S.p(S.t("Payment calls are retried at most twice with the same idempotency key."))),
            S.panel(ids, "warning", S.p(S.strong("Do not"), S.t(" call the payment provider from the web tier."))),
            S.panel(ids, "tip", S.p(S.t("Use the sandbox credentials documented in the runbook."))),
            S.h(2, "Data model"),
            S.table(
                [
                    ["Table", "Purpose", "Owner"],
                    ["orders", "One row per order", "Checkout"],
                    ["order_lines", "Items of an order", "Checkout"],
                    ["payments", "Payment attempts", "Payments"],
                ]
            ),
            S.h(2, "Decisions"),
            S.ul(
                S.t("Orders are written in PostgreSQL, not in the event store"),
                S.t("Prices are recomputed at checkout, never trusted from the client"),
            ),
            S.decision_list(
                ids,
                [
                    "Use idempotency keys on every payment call",
                    "Keep the checkout API synchronous for the first release",
                ],
            ),
            S.h(2, "Tasks"),
            S.task_list(
                ids,
                [
                    ("Write the load test plan", False, bob, (now + timedelta(days=10)).date().isoformat()),
                    ("Review the data model", True, judy, None),
                    ("Document the retry policy", False, None, None),
                ],
            ),
            S.h(2, "Diagrams"),
            S.macro(
                ids,
                "drawio",
                {
                    "diagramName": "checkout-sequence",
                    "simpleViewer": "false",
                    "width": "800",
                    "diagramWidth": "1200",
                    "revision": "3",
                },
            ),
            S.macro(
                ids,
                "legacy-metrics-widget",
                {"dashboard": "checkout", "range": "7d"},
                rich=S.p(S.t("Fallback: open the Grafana dashboard.")),
            ),
            S.expand(
                ids,
                "Appendix: error codes",
                S.table([["Code", "Meaning"], ["CHK-001", "Cart expired"], ["CHK-002", "Payment declined"]]),
            ),
            S.p(S.t("Reviewed "), S.emoticon("tick"), S.t(" by the architecture guild.")),
        ]
    )


def _large_body(rng: random.Random, ids: S.Ids) -> str:
    rows = [["Date", "Service", "Severity", "Summary", "Ticket"]]
    services = ["checkout", "cart", "search", "payments", "cdn", "dns", "database", "queue", "email", "images"]
    for i in range(900):
        rows.append(
            [
                f"20{19 + i // 150}-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
                rng.choice(services),
                rng.choice(["SEV1", "SEV2", "SEV3"]),
                f"{rng.choice(TOPIC_SENTENCES)} Incident number {i + 1} was mitigated by the on-call engineer.",
                f"OPS-{rng.randint(1, 90)}",
            ]
        )
    parts = [
        S.panel(
            ids, "info", S.p(S.t("Archive of all incidents since 2019. Newer incidents live in the Incidents section."))
        ),
        S.h(1, "Incident log archive"),
    ]
    for start in range(0, len(rows), 100):
        chunk = rows[start : start + 100] if start == 0 else [rows[0]] + rows[start : start + 100]
        parts.append(S.h(2, f"Incidents {start + 1}–{min(start + 100, len(rows) - 1)}"))
        parts.append(S.table(chunk))
    return "".join(parts)


def _homepage(store: Store, space: Space) -> Content:
    if space.homepage_id is None:  # every seeded space gets one when it is created
        raise ValueError(f"space {space.key} has no homepage")
    return store.contents[space.homepage_id]


def build_store(seed: int = 42, now: datetime | None = None, clock: Clock | None = None) -> Store:
    clock = clock or Clock(now)
    now = clock.base
    rng = random.Random(seed)
    ids = S.Ids(random.Random(seed + 1))
    store = Store(clock)
    fx = Fixtures(this_week_meeting_notes=[], old_meeting_notes=[], blogposts=[], recently_edited=[], old_pages=[])
    store.fixtures = fx
    ws = week_start(now)
    this_week_span = max(timedelta(0), now - ws - timedelta(minutes=5))

    def versions_for(
        kind_body,
        title: str,
        created: datetime,
        last: datetime,
        n: int,
        authors: list[str],
        messages: list[str] | None = None,
    ) -> list[Version]:
        times = _spread(rng, created, last, n) if n > 1 else [created]
        if n > 1:
            times[-1] = last
        out = []
        for v, when in enumerate(times, 1):
            msg = (messages or ["", "Fixed typos", "Updated after review", "Added details", "Refreshed numbers", ""])[
                (v - 1) % 6
            ]
            out.append(
                Version(v, _acct(authors[(v - 1) % len(authors)]), when, msg if v > 1 else "", title, kind_body(v))
            )
        return out

    # ------------------------------------------------------------------ spaces and their homepages
    for sid, key, name, desc, owner in SPACES:
        created = now - timedelta(days=1000 - sid % 10 * 20)
        sp = Space(sid, key, name, desc, _acct(owner), created, labels=list(SPACE_LABELS.get(key, [])))
        store.spaces[sid] = sp
    for sp in store.spaces.values():
        owner = next(o for (i, *_rest, o) in SPACES if i == sp.id)
        home_title = f"{sp.name} Home"

        def body(v, sp=sp):
            return (
                S.p(S.t(f"Welcome to the {sp.name} space. ") + S.t(sp.description))
                + S.h(2, "Highlights")
                + S.ul(*[S.t(s[0]) for s in SECTIONS[sp.key]])
                + ("" if v == 1 else S.panel(ids, "info", S.p(S.t("This space is maintained by its owners."))))
            )

        home = store.add_content(
            type="page",
            space_id=sp.id,
            author_id=_acct(owner),
            created=sp.created,
            versions=versions_for(
                body,
                home_title,
                sp.created,
                now - timedelta(days=rng.randint(40, 200)),
                3,
                [owner, rng.choice(AUTHORS)],
            ),
            owner_id=_acct(owner),
        )
        sp.homepage_id = home.id

    # ------------------------------------------------------------------ section trees
    def add_page(
        sp: Space,
        parent: Content,
        title: str,
        kind: str,
        pos: int,
        *,
        created=None,
        last=None,
        n=None,
        authors=None,
        body=None,
        labels=(),
    ):
        n = n or rng.randint(1, 6)
        created = created or (now - timedelta(days=rng.uniform(60, 900)))
        if last is None:
            r = rng.random()
            if r < 0.25:  # untouched for more than a year
                last = created + timedelta(days=rng.uniform(0, 20))
                last = min(last, now - timedelta(days=400)) if created < now - timedelta(days=420) else last
            else:
                last = min(now - timedelta(days=8), created + timedelta(days=rng.uniform(1, 400)))
            if last <= created:
                last = created + timedelta(hours=rng.uniform(1, 48))
        authors = authors or [rng.choice(AUTHORS) for _ in range(rng.randint(1, 3))]
        if created < now - timedelta(days=700) and rng.random() < 0.3:
            authors = ["former"] + authors
        bodyfn = body or (
            lambda v, title=title, kind=kind: _generic_body(rng_fixed(f"{title}/{v}"), ids, title, kind, sp.key, v)
        )
        c = store.add_content(
            type="page",
            space_id=sp.id,
            author_id=_acct(authors[0]),
            created=created,
            versions=versions_for(bodyfn, title, created, last, n, authors),
            parent_id=parent.id,
            position=pos,
            owner_id=_acct(authors[0]),
        )
        for lab in labels:
            c.labels.append(store.label(lab).id)
        return c

    by_key = {sp.key: sp for sp in store.spaces.values()}
    for key in ("ENG", "PROD", "OPS", "HR", "SHOP"):
        sp = by_key[key]
        home = _homepage(store, sp)
        for spos, (section, kind, titles) in enumerate(SECTIONS[key]):
            sec_created = now - timedelta(days=rng.uniform(500, 900))
            sec = add_page(
                sp,
                home,
                section,
                "section",
                spos,
                created=sec_created,
                body=lambda v, section=section, kind=kind: (
                    S.p(S.t(f"All {section.lower()} pages."))
                    + S.macro(ids, "children", {"all": "true"})
                    + ("" if v < 2 else S.p(S.t("Ask the owners before adding pages.")))
                ),
            )
            for pos, title in enumerate(titles):
                full = f"ADR-{pos + 1:03d}: {title}" if kind == "adr" else title
                labels = [kind] + (
                    ["webshop"] if key == "SHOP" or "checkout" in title.lower() or "cart" in title.lower() else []
                )
                if rng.random() < 0.3:
                    labels.append(
                        rng.choice(["draft-review", "q4", "important", "archive-candidate", "customer-facing"])
                    )
                c = add_page(sp, sec, full, kind, pos, labels=labels)
                if kind in ("service", "prd", "postmortem") and rng.random() < 0.5:  # grandchildren
                    for j, sub in enumerate(["FAQ", "Metrics"]):
                        add_page(sp, c, f"{full} — {sub}", "sub", j, labels=[kind])

    # ------------------------------------------------------------------ SHOP meeting notes (past weeks + this week)
    shop = by_key["SHOP"]
    notes_parent = add_page(
        shop,
        _homepage(store, shop),
        "Meeting notes",
        "section",
        99,
        created=now - timedelta(days=600),
        last=now - timedelta(days=300),
        n=2,
        body=lambda v: (
            S.p(S.t("Weekly sync notes of the Webshop team."))
            + S.macro(ids, "content-report-table", {"labels": "meeting-notes", "spaces": "SHOP"})
        ),
    )
    fx["meeting_notes_parent"] = notes_parent.id
    for k in range(MEETING_WEEKS, 0, -1):
        day = ws - timedelta(days=7 * k) + timedelta(days=1, hours=9)  # Tuesday 09:00 UTC of that week
        title = f"{day:%Y-%m-%d} Webshop weekly sync"
        attendees = rng.sample(["paul.martin", "alice", "bob", "judy", "erin", "grace", "victor"], 4)
        decisions = rng.sample(DECISIONS, 2)
        c = add_page(
            shop,
            notes_parent,
            title,
            "meeting",
            MEETING_WEEKS - k,
            created=day,
            last=day + timedelta(hours=rng.uniform(2, 50)),
            n=rng.randint(1, 3),
            authors=attendees[:2],
            body=lambda v, day=day, at=attendees, d=decisions: _meeting_body(rng_fixed(day), ids, day, at, d, False, v),
            labels=["meeting-notes", "webshop"],
        )
        fx["old_meeting_notes"].append(c.id)
    # this week: three notes with decisions (one in French), created and edited between Monday 00:00 UTC and now
    specs = [
        (0.15, "Webshop weekly sync", False, DECISIONS[:3]),
        (0.45, "Checkout redesign — design review", False, [DECISIONS[5], DECISIONS[6]]),
        (0.75, "Réunion d'équipe Webshop", True, DECISIONS_FR),
    ]
    for i, (frac, name, french, decisions) in enumerate(specs):
        created = min(ws + this_week_span * frac, now - timedelta(minutes=4 - i))
        last = created + min(timedelta(hours=3), (now - created) / 2)
        title = f"{created:%Y-%m-%d} {name}"
        attendees = (
            ["paul.martin", "alice", "judy", "bob"] if i != 2 else ["pauline.durand", "paul.martin", "zoe", "alice"]
        )
        c = add_page(
            shop,
            notes_parent,
            title,
            "meeting",
            MEETING_WEEKS + i,
            created=created,
            last=last,
            n=2 + i % 2,
            authors=attendees[:2],
            body=lambda v, day=created, at=attendees, d=decisions, fr=french: _meeting_body(
                rng_fixed(day), ids, day, at, d, fr, v
            ),
            labels=["meeting-notes", "webshop"] + (["decision"] if i == 0 else []),
        )
        fx["this_week_meeting_notes"].append(c.id)

    # ------------------------------------------------------------------ special pages
    eng = by_key["ENG"]
    services = next(c for c in store.contents.values() if c.space_id == eng.id and c.title == "Services")
    macro_page = add_page(
        eng,
        services,
        "Checkout service — technical design",
        "service",
        50,
        created=now - timedelta(days=120),
        last=now - timedelta(days=2, hours=3),
        n=5,
        authors=["carol", "bob", "judy"],
        body=lambda v: (
            _macro_page_body(ids, now)
            + "".join(S.h(3, f"Revision note {i}") + S.p(S.t(TOPIC_SENTENCES[i % 10])) for i in range(2, v + 1))
        ),
        labels=["service", "webshop", "architecture", "checkout"],
    )
    fx["macro_page"] = macro_page.id
    # what the editor stores for a full-width page with a title emoji (🛒)
    for key, value in (("content-appearance-published", "full-width"), ("emoji-title-published", "1f6d2")):
        store.set_property(macro_page, key, value, _acct("carol"), macro_page.updated)
    ops = by_key["OPS"]
    incidents = next(c for c in store.contents.values() if c.space_id == ops.id and c.title == "Incidents")
    big_body = _large_body(random.Random(seed + 7), ids)
    large = add_page(
        ops,
        incidents,
        "Incident log archive 2019–2025",
        "postmortem",
        99,
        created=now - timedelta(days=800),
        last=now - timedelta(days=500),
        n=2,
        authors=["dave", "frank"],
        body=lambda v: big_body if v == 2 else big_body.split("<h2>Incidents 401")[0],
        labels=["postmortem", "archive"],
    )
    fx["large_page"] = large.id
    # a draft and an archived page
    draft = add_page(
        eng,
        services,
        "Fraud scoring service (draft)",
        "service",
        60,
        created=now - timedelta(days=3),
        last=now - timedelta(days=3),
        n=1,
        authors=["ivan"],
    )
    draft.status = "draft"
    fx["draft_page"] = draft.id
    old = add_page(
        eng,
        services,
        "Legacy monolith overview",
        "service",
        61,
        created=now - timedelta(days=1500),
        last=now - timedelta(days=1400),
        n=2,
        authors=["former", "frank"],
        labels=["archive"],
    )
    old.status = "archived"
    fx["archived_page"] = old.id
    # a restricted page (only Heidi and Grace can see it; everybody else gets 404 / no search hit)
    hr = by_key["HR"]
    policies = next(c for c in store.contents.values() if c.space_id == hr.id and c.title == "Policies")
    secret = add_page(
        hr,
        policies,
        "Salary bands 2027",
        "policy",
        99,
        created=now - timedelta(days=40),
        last=now - timedelta(days=20),
        n=2,
        authors=["heidi", "grace"],
        labels=["policy", "confidential"],
    )
    secret.restricted_to = frozenset({_acct("heidi"), _acct("grace")})
    fx["restricted_page"] = secret.id
    # a few ordinary pages edited this week (no decisions)
    pool = sorted(
        (
            c
            for c in store.contents.values()
            if c.type == "page"
            and c.space_id in (eng.id, ops.id)
            and c.status == "current"
            and c.id not in (macro_page.id, large.id)
        ),
        key=lambda c: c.id,
    )
    for c in rng.sample(pool, 6):
        when = ws + this_week_span * rng.uniform(0.05, 0.95)
        if when <= c.updated:
            continue
        v = c.version
        c.versions.append(
            Version(
                v.number + 1,
                _acct(rng.choice(AUTHORS)),
                when,
                "Weekly refresh",
                v.title,
                v.body + S.h(3, "Weekly refresh") + S.p(S.t(rng.choice(TOPIC_SENTENCES))),
            )
        )
        fx["recently_edited"].append(c.id)
    fx["old_pages"] = sorted(
        c.id for c in store.contents.values() if c.type == "page" and c.updated < now - timedelta(days=365)
    )[:20]

    # ------------------------------------------------------------------ blog posts
    blog_titles = {
        "ENG": [
            "Engineering newsletter — October",
            "How we cut checkout latency in half",
            "Our on-call improvements",
            "Engineering newsletter — November",
        ],
        "PROD": ["Release 4.12 is out", "What customers told us this quarter", "Roadmap update"],
        "OPS": ["Black Friday readiness", "New monitoring stack", "Postmortem culture"],
        "HR": ["Welcome our new joiners", "Summer party recap", "Updated remote work policy"],
        "SHOP": [
            "Webshop 2026.11 release recap",
            "Free shipping threshold goes live",
            "Checkout redesign: first results",
        ],
    }
    for key, titles in blog_titles.items():
        sp = by_key[key]
        for i, title in enumerate(titles):
            created = now - timedelta(days=rng.uniform(1 if i == len(titles) - 1 else 15, 300))
            author = rng.choice(AUTHORS)

            def bodyfn(v, title=title):
                return (
                    S.p(S.t(f"{title}. ") + S.t(rng_fixed(title).choice(TOPIC_SENTENCES)))
                    + S.h(2, "Highlights")
                    + S.ul(S.t(DECISIONS[len(title) % 10]), S.t(TOPIC_SENTENCES[len(title) % 10]))
                    + ("" if v == 1 else S.p(S.t("Edit: fixed the numbers.")))
                )

            c = store.add_content(
                type="blogpost",
                space_id=sp.id,
                author_id=_acct(author),
                created=created,
                versions=versions_for(
                    bodyfn,
                    title,
                    created,
                    min(now - timedelta(minutes=30), created + timedelta(hours=rng.uniform(1, 30))),
                    rng.randint(1, 2),
                    [author],
                ),
                owner_id=_acct(author),
            )
            c.labels.append(store.label("blog").id)
            if key == "SHOP":
                c.labels.append(store.label("webshop").id)
            fx["blogposts"].append(c.id)

    # ------------------------------------------------------------------ comments and attachments
    pages = sorted((c for c in store.contents.values() if c.status == "current"), key=lambda c: c.id)
    for c in pages:
        if c.id == macro_page.id or c.id in fx["this_week_meeting_notes"] or rng.random() < 0.35:
            for k in range(rng.randint(1, 3)):
                author = rng.choice(AUTHORS)
                when = c.created + (c.updated - c.created) * rng.random() + timedelta(minutes=5)
                when = min(when, now - timedelta(minutes=1))
                comment_body = S.p(S.t(rng.choice(COMMENTS)))
                top = store.add_comment(
                    container_id=c.id,
                    author_id=_acct(author),
                    created=when,
                    versions=[Version(1, _acct(author), when, "", f"Re: {c.title}", comment_body)],
                )
                if rng.random() < 0.4 or (c.id == macro_page.id and k == 0):
                    who = rng.choice(AUTHORS)
                    rw = min(when + timedelta(hours=rng.uniform(1, 20)), now - timedelta(seconds=30))
                    store.add_comment(
                        container_id=c.id,
                        author_id=_acct(who),
                        created=rw,
                        parent_comment_id=top.id,
                        versions=[
                            Version(
                                1,
                                _acct(who),
                                rw,
                                "",
                                f"Re: {c.title}",
                                S.p(S.mention(_acct(author)), S.t(" " + rng.choice(COMMENTS))),
                            )
                        ],
                    )
        if c.id == macro_page.id or rng.random() < 0.25:
            chosen = (
                [ATTACHMENTS[0], ATTACHMENTS[1]]
                if c.id == macro_page.id
                else rng.sample(ATTACHMENTS, rng.randint(1, 2))
            )
            for fname, mt, desc in chosen:
                store.add_attachment(
                    container_id=c.id,
                    title=fname,
                    media_type=mt,
                    file_size=rng.randint(2_000, 4_000_000),
                    author_id=c.author_id,
                    created=c.created + timedelta(minutes=rng.randint(1, 60)),
                    file_id=ids.uuid(),
                    comment="" if rng.random() < 0.5 else f"{desc} for {c.title}",
                )
    return store


def rng_fixed(key) -> random.Random:
    """A per-page RNG so that body builders are deterministic whenever they are (re)called."""
    return random.Random(str(key))
