"""Persistence: SQLAlchemy 2 tables, repositories (no commits), engine factory, migrations."""

# The exchange tables live in their own module; importing it with the package puts them on Base.metadata
# wherever the tables are used (Alembic, the schema test), without tables.py having to know of them.
from homebound.db import composition_tables as _composition_tables  # noqa: F401
from homebound.db import crossing_tables as _crossing_tables  # noqa: F401
from homebound.db import exchange_tables as _exchange_tables  # noqa: F401
from homebound.db import federation_tables as _federation_tables  # noqa: F401
from homebound.db import guard_tables as _guard_tables  # noqa: F401
from homebound.db import matching_tables as _matching_tables  # noqa: F401
from homebound.db import privacy_tables as _privacy_tables  # noqa: F401
