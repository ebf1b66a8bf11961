"""Batch and incremental record linkage over the cross-script keys of core.matching (Splink for batch)."""
