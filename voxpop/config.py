"""Settings: command-line flags, then `VOXPOP_*` environment variables, then `voxpop.toml`."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from voxpop.errors import ConfigError

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the database lives and the key for pseudonymisation."""

    model_config = SettingsConfigDict(env_prefix="VOXPOP_", toml_file="voxpop.toml", extra="ignore")

    db: Path = Path("voxpop.duckdb")
    key: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def pseudonymize_key(self) -> bytes:
        if self.key is None or not self.key.get_secret_value():
            raise ConfigError(
                "--pseudonymize needs a key: set VOXPOP_KEY (or `key` in voxpop.toml) to a long "
                "random secret, and keep it: the same key gives the same pseudonyms"
            )
        return self.key.get_secret_value().encode()
