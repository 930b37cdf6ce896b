"""Mock mode: serve the documented samples of OpenAPI specs, streams included.

``build_app`` (in :mod:`mocks.app`) turns one spec or a list of specs into a lean ASGI app;
``mdcontract mock`` (:mod:`mocks.cli`) serves it with uvicorn.
"""

from mocks.spec import SpecError

__all__ = ["SpecError"]
