"""Printable documents: the data of each (handover act, lists, capture card, death and repatriation
certificates), read through the same access rules as the pages, as `core.paper.Paper` values."""
