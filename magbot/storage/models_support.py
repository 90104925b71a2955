"""Tables for the support feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations
