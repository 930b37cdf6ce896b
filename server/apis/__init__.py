"""The handlers of each API: ``server/apis/<api>.py`` (or a package), found by the spec's file stem
(`session-store` -> `session_store`), exposing ``handlers``, a :class:`server.registry.Handlers`.

How a handler is written (server/apis/session_store.py is a complete small example):

    handlers = Handlers()

    @handlers.schema                      # tables, created idempotently at every start
    def tables(db): db.execute("CREATE TABLE IF NOT EXISTS ...")

    @handlers("post_character_getProfile")   # the spec's operationId
    async def profile(call: Call):
        row = call.db.one("SELECT ... WHERE id = ?", [call.get("character_id")])
        if row is None:
            raise call.not_found("character", call.get("character_id"))   # 404, x-not-found
        return {...}                      # success, wrapped in the API's envelope (call.ok)

- Input arrives validated: ``call.body``, ``call.params``, ``call.get(name)``; the user comes from
  the token (``call.user``, ``call.user_id``); a `user_id` in the request that is not the token's
  user never reaches a handler.
- Reads run on the event loop (``call.db.query/one/value``: short, indexed); writes are a
  synchronous function passed to ``await call.db.write(fn)``, run in one transaction.
- Streams: ``return call.stream(items())`` with an async generator of items (``call.wrap(result)``
  for NDJSON lines in the envelope); a ``finally`` in the generator keeps what was produced when
  the client leaves (``call.db.write_now``).
- Errors: ``call.not_found``, ``call.forbidden``, ``call.fail`` (invalid input), or raise
  ``server.envelope.unauthorized(...)``. A request the schema accepts is answered 2xx, or 404
  when it names what does not exist for this user; never 400 for schema-valid input.
- ``@handlers.seeder`` writes the `--seed demo` data (fixed ids and timestamps, demo tokens).
"""
