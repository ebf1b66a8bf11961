"""Packages: the only thing that crosses between two organisations' nodes (format, cards, verification)."""
