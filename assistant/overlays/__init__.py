"""Overlays for OBS (docs/overlays.md): pages made for an OBS browser source.

- options: the overlay's query parameters, parsed and checked, and their canonical form;
- signature: the signed URL that stands in for a login when ACCESS_PASSWORD is set;
- pages: the overlay page and the builder's URL maker (a blueprint).
"""
