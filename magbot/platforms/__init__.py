"""Chat platforms: the only code that talks to python-telegram-bot or matrix-nio."""
