"""Buyer-facing pages: each view parses the request, calls catalog queries, renders a template."""
