"""Tables for the decisions feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations
