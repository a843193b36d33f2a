"""In-memory Confluence data: spaces, pages and blog posts with version history, comments, labels, attachments."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import TYPE_CHECKING, Any

from ..jira.store import Clock
from ..permissions import can_view_space

if TYPE_CHECKING:
    from .seed import Fixtures

__all__ = ["Clock", "Space", "Version", "Content", "Comment", "Label", "Attachment", "Store", "plain_text"]

_TAG = re.compile(r"<[^>]+>")
_DROP = re.compile(
    r"<ac:parameter[^>]*>.*?</ac:parameter>|<ac:adf-fallback>.*?</ac:adf-fallback>"
    r"|<ac:adf-attribute[^>]*>.*?</ac:adf-attribute>|<ac:task-id>.*?</ac:task-id>"
    r"|<ac:task-status>.*?</ac:task-status>",
    re.S,
)
_BLOCK = re.compile(r"</(p|h\d|li|tr|td|th|div|pre|ac:task-body|ac:adf-content|ac:plain-text-body)>|<br\s*/?>", re.I)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_WS = re.compile(r"[ \t\r\f\v]+")


def plain_text(storage: str) -> str:
    """Searchable text of a storage-format body (macro parameters and ADF fallbacks dropped)."""
    s = _DROP.sub(" ", storage)
    s = _CDATA.sub(lambda m: m.group(1).replace("<", " <"), s)
    s = _BLOCK.sub("\n", s)
    s = _TAG.sub(" ", s)
    s = unescape(s)
    lines = [_WS.sub(" ", ln).strip() for ln in s.split("\n")]
    return "\n".join(ln for ln in lines if ln)


@dataclass
class Label:
    id: int
    name: str
    prefix: str = "global"


@dataclass
class Version:
    number: int
    author_id: str
    created: datetime
    message: str
    title: str
    body: str  # storage format
    minor_edit: bool = False


@dataclass
class Space:
    id: int
    key: str
    name: str
    description: str
    author_id: str
    created: datetime
    type: str = "global"
    status: str = "current"
    homepage_id: int | None = None
    labels: list[str] = field(default_factory=list)


@dataclass
class ContentProperty:
    """A content property (JSON value by key), e.g. the editor's page width or title emoji."""

    id: int
    key: str
    value: Any
    created: datetime
    author_id: str


@dataclass
class Content:
    """A page or a blog post."""

    id: int
    type: str  # page | blogpost
    space_id: int
    author_id: str  # creator
    created: datetime
    versions: list[Version]
    status: str = "current"
    parent_id: int | None = None
    position: int = 0
    owner_id: str | None = None
    labels: list[int] = field(default_factory=list)  # label ids
    restricted_to: frozenset | None = None  # account ids allowed to view (None: everyone)
    properties: list[ContentProperty] = field(default_factory=list)  # content properties (v2 /properties)
    _text_cache: tuple | None = field(default=None, repr=False)

    @property
    def version(self) -> Version:
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.version.title

    @property
    def body(self) -> str:
        return self.version.body

    @property
    def updated(self) -> datetime:
        return self.version.created

    @property
    def contributors(self) -> set[str]:
        return {v.author_id for v in self.versions}

    @property
    def text(self) -> str:
        key = (self.version.number, len(self.versions))
        if self._text_cache is None or self._text_cache[0] != key:
            self._text_cache = (key, plain_text(self.body))
        return self._text_cache[1]


@dataclass
class Comment:
    id: int
    container_id: int  # page or blog post id
    author_id: str
    created: datetime
    versions: list[Version]
    parent_comment_id: int | None = None
    status: str = "current"

    @property
    def version(self) -> Version:
        return self.versions[-1]

    @property
    def body(self) -> str:
        return self.version.body


@dataclass
class Attachment:
    id: int
    container_id: int
    title: str
    media_type: str
    file_size: int
    author_id: str
    created: datetime
    file_id: str
    comment: str = ""
    status: str = "current"
    version: int = 1


class Store:
    fixtures: Fixtures  # set by the seed (`build_store`)

    def __init__(self, clock: Clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.spaces: dict[int, Space] = {}
        self.contents: dict[int, Content] = {}
        self.comments: dict[int, Comment] = {}
        self.attachments: dict[int, Attachment] = {}
        self.labels: dict[int, Label] = {}
        self._label_by_name: dict[tuple[str, str], Label] = {}
        self._ids = itertools.count(98305)  # one id space for all content, like Confluence
        self._label_ids = itertools.count(1081345)
        self._property_ids = itertools.count(2228225)

    # ------------------------------------------------------------ ids & lookups
    def next_id(self) -> int:
        return next(self._ids)

    def space_by_key(self, key: str) -> Space | None:
        key = (key or "").strip()
        for s in self.spaces.values():
            if s.key.lower() == key.lower():
                return s
        return None

    def label(self, name: str, prefix: str = "global") -> Label:
        k = (prefix, name.lower())
        lab = self._label_by_name.get(k)
        if lab is None:
            lab = Label(next(self._label_ids), name.lower(), prefix)
            self.labels[lab.id] = lab
            self._label_by_name[k] = lab
        return lab

    def set_property(self, c: Content, key: str, value: Any, author_id: str, when: datetime) -> ContentProperty:
        prop = ContentProperty(next(self._property_ids), key, value, when, author_id)
        c.properties = [p for p in c.properties if p.key != key] + [prop]
        return prop

    def label_names(self, c: Content) -> list[str]:
        return [self.labels[i].name for i in c.labels]

    def visible(self, c: Content, account_id: str) -> bool:
        """Page restrictions, then space permissions (``permissions.py``)."""
        if c.restricted_to is not None and account_id not in c.restricted_to:
            return False
        sp = self.spaces.get(c.space_id)
        return sp is None or can_view_space(account_id, sp.key)

    @staticmethod
    def space_visible(sp: Space, account_id: str) -> bool:
        return can_view_space(account_id, sp.key)

    def page(
        self, cid, account_id: str, *, types=("page",), statuses=("current", "draft", "archived")
    ) -> Content | None:
        try:
            c = self.contents.get(int(cid))
        except (TypeError, ValueError):
            return None
        if c is None or c.type not in types or c.status not in statuses or not self.visible(c, account_id):
            return None
        return c

    def children(self, parent_id: int) -> list[Content]:
        kids = [
            c
            for c in self.contents.values()
            if c.parent_id == parent_id and c.type == "page" and c.status in ("current", "archived")
        ]
        return sorted(kids, key=lambda c: (c.position, c.id))

    def ancestors(self, c: Content) -> list[Content]:
        out, cur = [], c
        seen = set()
        while cur.parent_id is not None and cur.parent_id not in seen:
            seen.add(cur.parent_id)
            parent = self.contents.get(cur.parent_id)
            if parent is None:
                break
            cur = parent
            out.append(cur)
        return list(reversed(out))  # root first

    def top_comments(self, container_id: int) -> list[Comment]:
        return sorted(
            (
                c
                for c in self.comments.values()
                if c.container_id == container_id and c.parent_comment_id is None and c.status == "current"
            ),
            key=lambda c: c.id,
        )

    def replies(self, comment_id: int) -> list[Comment]:
        return sorted(
            (c for c in self.comments.values() if c.parent_comment_id == comment_id and c.status == "current"),
            key=lambda c: c.id,
        )

    def attachments_of(self, container_id: int) -> list[Attachment]:
        return sorted(
            (a for a in self.attachments.values() if a.container_id == container_id and a.status == "current"),
            key=lambda a: a.id,
        )

    # ------------------------------------------------------------ writes
    def add_content(self, **kw) -> Content:
        c = Content(id=self.next_id(), **kw)
        self.contents[c.id] = c
        return c

    def add_comment(self, **kw) -> Comment:
        c = Comment(id=self.next_id(), **kw)
        self.comments[c.id] = c
        return c

    def add_attachment(self, **kw) -> Attachment:
        a = Attachment(id=self.next_id(), **kw)
        self.attachments[a.id] = a
        return a
