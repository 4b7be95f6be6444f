"""Exceptions raised by corpus_tools; the CLI turns them into one-line messages."""


class CorpusToolsError(Exception):
    """Base class: a problem with the user's input, data or environment, not a bug."""
