"""API schemas (Pydantic v2): what crosses the HTTP edge, kept apart from ORM rows and core dataclasses."""
