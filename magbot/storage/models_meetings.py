"""Tables for the meetings feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations
