"""The handlers of each API, one module (or package) per spec file stem: `session-store` -> `session_store`."""
