"""markdown -> OpenAPI: blocks -> recognizers -> IR -> normalizer -> spec (see pipeline.py)."""

from .pipeline import ImportResult, add_error_responses, check_examples, import_markdown

__all__ = ["ImportResult", "add_error_responses", "check_examples", "import_markdown"]
