"""Every error voxpop raises on purpose descends from `VoxpopError`.

    VoxpopError
    ├── FormatError          input whose format cannot be detected or is not supported
    ├── ConfigError          a setting is missing or wrong (key, path, option)
    └── StoreError           the database cannot be opened or is of an unknown version

Each message says what was wrong and what to do about it.
"""

__all__ = ["ConfigError", "FormatError", "StoreError", "VoxpopError"]


class VoxpopError(Exception):
    """Root of voxpop's own errors."""


class FormatError(VoxpopError):
    """The input's format cannot be detected, or the file holds no posts."""


class ConfigError(VoxpopError):
    """A setting is missing or invalid."""


class StoreError(VoxpopError):
    """The database cannot be used as asked."""
