"""Channels: one destination each, a kind plus its (encrypted) config."""
