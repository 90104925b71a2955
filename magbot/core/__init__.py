"""Platform-neutral types, the clock, the dispatcher and the outbox sender."""
