"""The public API is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import verslagqa


def test_public_api_is_pinned() -> None:
    assert sorted(verslagqa.__all__) == sorted(
        [
            "AgendaItem", "Answer", "CANNOT_ANSWER", "Citation", "Hit", "IndexReport",
            "InventoryEntry", "Library", "LoadResult", "Meeting",
            "ParseFailure", "SearchFilters", "Settings", "VerslagParseError", "__version__",
            "load_verslagen", "parse_file", "parse_verslag",
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


def test_library_with_fake_embeddings(tmp_path) -> None:
    from .conftest import SEED
    from .fakes import HashEmbeddings

    lib = verslagqa.Library.open(tmp_path / "store", embeddings=HashEmbeddings())
    report = lib.add(SEED[1])
    assert report.meetings == 1 and report.errors == []
    hits = lib.search("POK claim", item="3a")
    assert hits and all(h.item_label == "3a" for h in hits)
    assert lib.search("POK claim", van="2022-01-01") == []
    assert [m.meeting_id for m in lib.meetings()] == ["2021-03-01-mt-dglz-breed"]
    assert "meetings=1" in repr(lib)
