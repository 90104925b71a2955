"""Pure rules of the group, one module per feature: no I/O, no database, no platform."""
