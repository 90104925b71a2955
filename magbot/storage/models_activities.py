"""Tables for the activities feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations
