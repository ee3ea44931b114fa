"""Data files shipped with the generator (the evaluation prompt set)."""
