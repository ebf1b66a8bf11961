"""HTTP edge: FastAPI app factory, thin routes, Pydantic schemas, problem+json errors."""
