"""Pydantic models, one module per boundary."""
