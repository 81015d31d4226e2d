"""The demo district: a user of the engine (like the CLI), outside the app package."""
