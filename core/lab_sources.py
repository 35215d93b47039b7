"""Where each laboratory value of a record came from: typed by a user, or received from the
laboratory system (issue 18). Pure: no Django.

A record keeps ``lab_sources`` = {field: {"source": "lab_system" | "typed", "observed_at":
ISO time, "message": message id}}. A value older than the one held (by observation time; a
typed value counts from when it was typed) never overwrites it."""

from __future__ import annotations

from datetime import datetime

LAB_SYSTEM = "lab_system"
TYPED = "typed"


def held_since(sources: dict, field: str) -> datetime | None:
    entry = (sources or {}).get(field) or {}
    moment = entry.get("observed_at")
    return datetime.fromisoformat(moment) if moment else None


def is_newer(sources: dict, field: str, observed_at: datetime) -> bool:
    """True when a result observed at ``observed_at`` may replace the value held."""
    held = held_since(sources, field)
    return held is None or observed_at > held


def from_lab(sources: dict, field: str, *, observed_at: datetime, message: str) -> dict:
    return {
        **(sources or {}),
        field: {"source": LAB_SYSTEM, "observed_at": observed_at.isoformat(), "message": message},
    }


def typed(sources: dict, fields, *, at: datetime) -> dict:
    """The fields a user changed by hand are typed from now on."""
    updated = dict(sources or {})
    for field in fields:
        updated[field] = {"source": TYPED, "observed_at": at.isoformat(), "message": ""}
    return updated


def from_lab_system(sources: dict, field: str) -> bool:
    return ((sources or {}).get(field) or {}).get("source") == LAB_SYSTEM
