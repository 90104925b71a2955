"""Tables for the resources feature (see magbot/storage/migrations/versions/)."""

from __future__ import annotations
