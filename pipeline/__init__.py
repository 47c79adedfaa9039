"""regpack: builds HKMA outsourcing submission packs from structured sources."""

__version__ = "0.1.0"
