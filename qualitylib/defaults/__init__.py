"""The defaults shipped with the package: ``params`` and ``notebooks`` (the checkout's top-level folders, mapped here by pyproject.toml)."""
