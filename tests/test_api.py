"""The public API is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import verslagqa


def test_public_api_is_pinned() -> None:
    assert sorted(verslagqa.__all__) == sorted(
        [
            "AgendaItem", "LoadResult", "Meeting", "ParseFailure", "Settings",
            "VerslagParseError", "__version__", "load_verslagen", "parse_verslag",
        ]
    )  # fmt: skip
    for name in verslagqa.__all__:
        assert hasattr(verslagqa, name), name


def test_settings_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("VERSLAGQA_STORE", "/tmp/elders")
    monkeypatch.setenv("VERSLAGQA_PARSE__MAX_BYTES", "1234")
    s = verslagqa.Settings()
    assert str(s.store) == "/tmp/elders"
    assert s.parse.max_bytes == 1234
    for name, field in verslagqa.Settings.model_fields.items():
        assert field.description, name
