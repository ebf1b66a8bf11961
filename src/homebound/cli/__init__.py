"""Command line: serve, db, demo, import/export, users, log."""
