"""Persistence: SQLAlchemy models, repositories returning domain dataclasses, the unit of work, migrations."""
