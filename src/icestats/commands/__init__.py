"""The ``icestats`` command, by kind: ``base`` (the app, shared options, the error path),
``questions`` (one command per answer), ``tools`` (generate, ingest, report, serve, export)."""
