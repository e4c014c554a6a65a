""".env.example documents every setting, with the default the code really uses."""

from __future__ import annotations

from pathlib import Path

from bot.core.settings import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def _documented() -> dict[str, str]:
    entries: dict[str, str] = {}
    previous = ""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            assert previous.startswith("#") and len(previous) > 3, f"{name} has no comment"
            entries[name] = value
        previous = line
    return entries


def test_every_setting_is_documented_with_its_default() -> None:
    documented = _documented()
    fields = {name.upper(): info for name, info in Settings.model_fields.items()}
    assert set(documented) == set(fields)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name, value in documented.items():
        actual = getattr(defaults, name.lower())
        if actual is None:
            assert value == "", name
        elif isinstance(actual, bool):
            assert value == str(actual).lower(), name
        elif isinstance(actual, float):
            assert float(value) == actual, name
        else:
            assert value == str(actual), name


def test_example_file_loads_as_settings(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.slack_mode == "console"
    assert settings.analytics_url == settings.database_url
