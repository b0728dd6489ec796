"""Market data: schema and validation, importers, bundled and synthetic data, downloaders, macro."""
