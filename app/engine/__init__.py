"""The generic workflow engine: it never names a concrete workflow (those live in workflows/)."""
