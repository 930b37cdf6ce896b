"""What the compilation of one spec shares: the document, its schema compiler, its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mocks.schemas import SchemaCompiler, Validator, describe
from mocks.spec import SpecError, resolve


@dataclass
class SpecContext:
    """What every part of one spec's compilation shares; ``problems`` collects what is wrong."""

    doc: dict[str, Any]
    name: str
    seed: int = 0
    compiler: SchemaCompiler = field(init=False)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.compiler = SchemaCompiler(self.doc)

    def resolve(self, node: Any, where: str) -> Any:
        try:
            return resolve(self.doc, node)
        except SpecError as exc:
            self.problems.extend(f"{where}: {p}" for p in exc.problems)
            return None

    def validator(self, schema: Any, where: str) -> Validator | None:
        if schema is None:
            return None
        try:
            return self.compiler.compile(schema, where)
        except SpecError as exc:
            self.problems.extend(exc.problems)
            return None

    def plain_validator(self, schema: Any, where: str) -> Validator | None:
        try:
            return self.compiler.compile_plain(schema, where)
        except SpecError as exc:
            self.problems.extend(exc.problems)
            return None

    def check(self, validator: Validator | None, value: Any, where: str) -> None:
        error = validator.first_error(value) if validator else None
        if error:
            self.problems.append(describe(f"{where} does not validate against its schema", error))
