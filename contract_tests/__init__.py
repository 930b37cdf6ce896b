"""Contract tests against any deployment: schemathesis plus the checks these APIs need.

`mdcontract test` (``contract_tests.cli``) runs them against a base URL; ``contract_tests/test_*.py`` run
them in-process against the mock. Both paths use the same checks (``contract_tests.checks``) and the same
configuration (``contract_tests.config``).
"""
