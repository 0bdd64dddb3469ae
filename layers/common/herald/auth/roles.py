"""Roles, ordered: each one can do everything the one before it can."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    viewer = 1
    editor = 2
    admin = 3

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().lower()]
        except KeyError:
            raise ValueError(f"Unknown role '{value}': use viewer, editor or admin") from None
