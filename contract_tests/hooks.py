"""Schemathesis hooks: our checks, user B's probes, ownership memory.

`mdcontract test` and the pytest suite import this module; a bare schemathesis run can load it with
`SCHEMATHESIS_HOOKS=contract_tests.hooks` (settings then come from `MDCONTRACT_*` variables, see
`contract_tests.state`). The hooks act only on the schemas our runs load.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from contract_tests import authz, stream_checks
from contract_tests import checks as checks  # registers the checks
from contract_tests.config import configure
from contract_tests.resources import is_positive, model_of, observe, operation_of, pin_user, settings_of
from contract_tests.state import claiming, register, settings_for


@schemathesis.deserializer("application/x-ndjson")
def last_ndjson_line(ctx: Any, response: Any) -> Any:
    """The last line of an NDJSON stream, so schemathesis checks it against the item schema too.

    The last item is the complete one (the convention for stream examples); `stream_conformance` checks
    every line. A body that does not parse is left to `stream_conformance`, which says which line broke.
    """
    if settings_for(ctx.operation.schema.raw_schema) is None:
        raise NotImplementedError  # not one of our schemas: schemathesis skips the body, as without us
    lines = [line for line in response.content.splitlines() if line.strip()]
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        raise NotImplementedError from None


@schemathesis.hook
def after_load_schema(context: Any, schema: Any) -> None:
    settings = claiming()
    if settings is None:
        return
    register(schema.raw_schema)
    configure(schema.config, schema.raw_schema, settings)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    settings, operation = settings_of(case), operation_of(case)
    if settings is None or operation is None:
        return
    if settings.user_id and is_positive(case):
        pin_user(case, operation, settings.user_id)
    authz.probe_as_user_b(case, kwargs)
    if operation.stream_media_types:
        stream_checks.read_ahead(case, kwargs, settings)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    settings = settings_of(case)
    operation = operation_of(case)
    if settings is not None and not settings.stateless and operation is not None:
        observe(case, response, operation, model_of(case))
