"""Running magbot for real: one process per SQLite file, a leader among several on PostgreSQL, health, metrics,
backups. The app wires these in; nothing here speaks a chat protocol."""
