"""Schemathesis settings that follow from the spec and the target, shared by the CLI and pytest paths."""

from __future__ import annotations

import json
from typing import Any

from schemathesis.config import OperationConfig
from schemathesis.config._output import DEFAULT_KEYS_TO_SANITIZE, DEFAULT_SENSITIVE_MARKERS

from contract_tests.state import Settings
from generators.specmodel import model_for

# Built-in checks that compare a request with an earlier one: they need a target that keeps state.
STATEFUL_BUILTIN_CHECKS = ("use_after_free", "ensure_resource_availability")

# Reproducers hide secrets, but a chat `session_id` is an id, not a secret: without it a curl line cannot
# reproduce anything. Tokens (`session-token`, Authorization) stay hidden.
SANITIZED_KEYS = tuple(key for key in DEFAULT_KEYS_TO_SANITIZE if key != "session")
SENSITIVE_MARKERS = tuple(marker for marker in DEFAULT_SENSITIVE_MARKERS if marker != "session")


def config_file_text() -> str:
    """The schemathesis.toml of an `mdcontract test` run."""
    return "\n".join(
        [
            "[cache]",
            "# No crash cache in the user's working directory: the reports carry the reproducers.",
            "enabled = false",
            "",
            "[output.sanitization]",
            f"keys-to-sanitize = {json.dumps(list(SANITIZED_KEYS))}",
            f"sensitive-markers = {json.dumps(list(SENSITIVE_MARKERS))}",
            "",
        ]
    )


def configure(config: Any, raw_spec: dict[str, Any], settings: Settings) -> None:
    """Adjust a schemathesis `ProjectConfig` for one of our specs and the kind of target."""
    model = model_for(raw_spec)
    invalid = model.invalid_input
    if invalid is not None and invalid.status is not None:
        # The API answers invalid input with this status (`x-invalid-input`), in its own envelope.
        rejection = config.checks.negative_data_rejection
        if str(invalid.status) not in rejection.expected_statuses:
            rejection.expected_statuses = [*rejection.expected_statuses, str(invalid.status)]
    for operation in model.operations():
        if "text/event-stream" in operation.stream_media_types:
            # Off for SSE operations only: in an OpenAPI 3.0 document schemathesis validates each event as
            # `{data, event, id}` against `schema`, while our convention has `schema` describe the JSON in
            # `data` (3.2's itemSchema of the chunk). `stream_conformance` validates those items instead.
            config.operations.operations.append(
                OperationConfig.from_dict(
                    {
                        "include-name": operation.label,
                        "checks": {"response_schema_conformance": {"enabled": False}},
                    }
                )
            )
    if settings.stateless:
        config.phases.stateful.enabled = False
        for name in STATEFUL_BUILTIN_CHECKS:
            config.checks.get_by_name(name=name).enabled = False
