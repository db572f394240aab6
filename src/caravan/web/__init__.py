"""The web layer: FastAPI app factory, JSON API (``api/``) and browser UI (``ui/``)."""
