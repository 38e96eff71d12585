"""Custom integrations (a package so tests can import them)."""
