"""Browser tests: the real pages in a real Chromium (skipped when none is installed)."""
