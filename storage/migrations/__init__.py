"""Alembic migration environment and revisions (a package so that they ship in the wheel)."""
