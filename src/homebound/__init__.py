"""Homebound: registries, matching, negotiation and handover for prisoner exchanges."""

__version__ = "0.1.0"
