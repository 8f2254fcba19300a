"""The store's tables (SQLAlchemy 2 typed ORM). Schema changes go through Alembic migrations.

Times are seconds since the epoch (double precision), as the injected clocks return them:
comparisons are plain number comparisons on both databases. Operators can read them with
``datetime(x, 'unixepoch')`` (SQLite) or ``to_timestamp(x)`` (PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = BigInteger().with_variant(Integer, "sqlite")
"""Auto-increment ids: BIGINT on PostgreSQL, the rowid alias on SQLite."""

#: Longest external identifier accepted (activity ids, actor URLs, dedup keys, refs).
MAX_KEY = 1000
MAX_URL = 2000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Inbound(Base):
    """Every accepted input (tracker webhook, inbox activity, dispatch), stored before 2xx."""

    __tablename__ = "inbound"
    __table_args__ = (
        UniqueConstraint("source", "key"),
        CheckConstraint("status IN ('pending', 'done', 'failed', 'ignored')", name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "source", "raw_sha256", unique=True),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(MAX_KEY))
    """``github``, ``gitlab``, ``inbox:<actor>``, ``dispatch``, ``poll:<peer>``..."""
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    """The dedup key: delivery id, Idempotency-Key or activity id."""
    body_sha256: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    """sha256 of the raw request body, a second dedup key per source: set for tracker
    webhooks (their signature covers only the body), NULL for other inputs."""
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[float] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Double)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[float | None] = mapped_column(Double)
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[float | None] = mapped_column(Double)


class OutboxDestination(Base):
    """One row per destination: hands out ``seq`` numbers in commit order."""

    __tablename__ = "outbox_destinations"

    destination: Mapped[str] = mapped_column(String(MAX_URL), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Outbox(Base):
    """One protocol activity for one recipient: the transactional outbox."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("activity_id", "recipient"),
        UniqueConstraint("destination", "seq"),
        CheckConstraint("status IN ('pending', 'delivered', 'dead')", name="status"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "destination", "status", "seq"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(String(MAX_KEY))
    activity: Mapped[dict[str, Any]] = mapped_column(JSON)
    recipient: Mapped[str] = mapped_column(String(MAX_KEY))
    """The recipient actor's id."""
    inbox_url: Mapped[str] = mapped_column(String(MAX_URL))
    destination: Mapped[str] = mapped_column(
        String(MAX_URL), ForeignKey("outbox_destinations.destination")
    )
    """Messages to one destination are delivered in ``seq`` order."""
    seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Double)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[float | None] = mapped_column(Double)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
    delivered_at: Mapped[float | None] = mapped_column(Double)


class Link(Base):
    """A report or case linked to a tracker issue or advisory (many-to-many)."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("subject", "ref", "relation"),
        CheckConstraint("relation IN ('tracks', 'mirrors', 'fixes')", name="relation"),
        Index(None, "ref", "subject", "relation"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(MAX_KEY))
    ref: Mapped[str] = mapped_column(String(MAX_KEY))
    relation: Mapped[str] = mapped_column(String(16))
    linked_by: Mapped[str] = mapped_column(String(MAX_KEY))
    linked_at: Mapped[float] = mapped_column(Double)


class StoredObject(Base):
    """A protocol object (report, case, embargo event...) by its id."""

    __tablename__ = "objects"

    id: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Double)


class CaseState(Base):
    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    em_state: Mapped[str] = mapped_column(String(32))
    embargo_end: Mapped[float | None] = mapped_column(Double)
    cs_state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Double)


class Participant(Base):
    __tablename__ = "participants"

    case_id: Mapped[str] = mapped_column(
        String(MAX_KEY), ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True
    )
    actor: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    rm_state: Mapped[str] = mapped_column(String(32))
    em_consent: Mapped[str | None] = mapped_column(String(32))
    roles: Mapped[list[Any]] = mapped_column(JSON)
    updated_at: Mapped[float] = mapped_column(Double)


class TrackerWrite(Base):
    """A change the bridge made to a tracker, remembered to recognise its webhook echo."""

    __tablename__ = "tracker_writes"
    __table_args__ = (Index(None, "tracker", "ref", "kind", "at"), Index(None, "at"))

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    tracker: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(MAX_KEY))
    kind: Mapped[str] = mapped_column(String(MAX_KEY))
    at: Mapped[float] = mapped_column(Double)
    consumed: Mapped[bool] = mapped_column(default=False)


class AuditEntry(Base):
    """One entry of the hash-chained audit log (see bridge.core.audit)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[float] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(MAX_KEY), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the chain's last entry; appenders lock it to serialise."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Peer(Base):
    """What we remember about a protocol peer: its signature scheme and actor document."""

    __tablename__ = "peers"

    actor: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    signature_scheme: Mapped[str | None] = mapped_column(String(16))
    """``cavage`` or ``rfc9421``: the scheme the peer last accepted."""
    inbox_url: Mapped[str | None] = mapped_column(String(MAX_URL))
    key_id: Mapped[str | None] = mapped_column(String(MAX_URL))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fetched_at: Mapped[float | None] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)


class Cursor(Base):
    """A named position (e.g. the last poll of a peer's outbox)."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[float] = mapped_column(Double)
