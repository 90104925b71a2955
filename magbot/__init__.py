"""magbot: the chat bot of a closed mutual aid group, where the group decides."""

__version__ = "0.1.0"
