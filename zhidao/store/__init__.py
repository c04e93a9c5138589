"""The ledger as one store: all SQL of zhidao lives in this package (SQLAlchemy Core, SQLite by
default, PostgreSQL by URL)."""

from __future__ import annotations

from .ledger import CORRECTABLE, Correction, Ledger, reading_key

__all__ = ["CORRECTABLE", "Correction", "Ledger", "reading_key"]
