"""corpus_tools: reproducible corpus loading, text preparation and topic modelling."""

__version__ = "0.1.0"
