"""Caravan: an intelligence platform for regional drug-law-enforcement information centres."""

__version__ = "0.1.0"
