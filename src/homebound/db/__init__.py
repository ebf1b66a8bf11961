"""Persistence: SQLAlchemy 2 tables, repositories (no commits), engine factory, migrations."""
