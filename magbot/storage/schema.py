"""Every table the database has: the core tables and each feature's, gathered in one `metadata`.

The feature modules (`models_<feature>.py`) build on `models.Base`; importing them here, and only here, puts their
tables in the metadata without `models.py` importing its own dependants (no import cycle). Migrations and the
tests that walk every table use this.
"""

from __future__ import annotations

from magbot.storage import (  # noqa: F401 (imported for their tables)
    models_activities,
    models_decisions,
    models_help_offers,
    models_meetings,
    models_polls,
    models_resources,
    models_support,
)
from magbot.storage.models import Base

metadata = Base.metadata
