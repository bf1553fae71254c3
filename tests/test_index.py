"""Index behaviour on a real Chroma directory, with a tiny fake embedding for speed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from verslagqa.chunk import CHUNKER_VERSION
from verslagqa.index import FORMAT_VERSION, Index, IndexError_, StoreLockedError
from verslagqa.keyword import tokenize
from verslagqa.retrieve import HybridRetriever, SearchFilters, rrf_fuse
from verslagqa.settings import Settings

from .conftest import SEED
from .fakes import HashEmbeddings


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    for p in SEED.values():
        shutil.copy(p, d / p.name)
    return d


def _index(tmp_path: Path, emb: HashEmbeddings | None = None) -> Index:
    return Index(Settings(store=tmp_path / "store"), embeddings=emb or HashEmbeddings())


def test_index_twice_is_idempotent(tmp_path: Path, corpus: Path) -> None:
    emb = HashEmbeddings()
    idx = _index(tmp_path, emb)
    first = idx.add([corpus])
    assert first.meetings == 5 and first.errors == []
    assert first.added == first.chunks == idx.count() > 5
    n_embedded = len(emb.embedded)
    second = _index(tmp_path, emb).add([corpus])
    assert (second.chunks, second.added, second.removed) == (first.chunks, 0, 0)
    assert second.unchanged == first.chunks
    assert len(emb.embedded) == n_embedded  # nothing re-embedded
    assert idx.count() == first.chunks


def test_edit_one_file_reembeds_only_that_file(tmp_path: Path, corpus: Path) -> None:
    emb = HashEmbeddings()
    idx = _index(tmp_path, emb)
    before = idx.add([corpus])
    emb.embedded.clear()
    f = corpus / SEED[1].name
    f.write_text(f.read_text().replace("800 miljoen", "900 miljoen"))
    after = _index(tmp_path, emb).add([corpus])
    assert after.added == 1 and after.removed == 1
    assert after.chunks == before.chunks
    assert len(emb.embedded) == 1 and "900 miljoen" in emb.embedded[0]
    hits = HybridRetriever.from_index(idx).search("900 miljoen POK claim", mode="bm25")
    assert hits[0].item_label == "3a" and "900 miljoen" in hits[0].text
    stale = HybridRetriever.from_index(idx, k=50).search("800 miljoen", mode="bm25")
    assert stale and not any("800 miljoen" in h.text for h in stale)


def test_prune_removes_meetings_whose_files_are_gone(tmp_path: Path, corpus: Path) -> None:
    idx = _index(tmp_path)
    full = idx.add([corpus])
    (corpus / SEED[4].name).unlink()
    kept = idx.add([corpus])
    assert kept.meetings == 5  # without --prune nothing is removed
    pruned = idx.add([corpus], prune=True)
    assert pruned.meetings == 4
    # the meeting's record and its one item
    assert pruned.removed == 3 and pruned.chunks == full.chunks - 3
    assert idx.count() == pruned.chunks
    assert "2020-11-23-actualiteitenstaf" not in {m.meeting_id for m in idx.meetings()}


def test_moved_file_updates_metadata_without_reembedding(tmp_path: Path, corpus: Path) -> None:
    emb = HashEmbeddings()
    idx = _index(tmp_path, emb)
    idx.add([corpus])
    emb.embedded.clear()
    moved = corpus / "sub"
    moved.mkdir()
    (corpus / SEED[2].name).rename(moved / "renamed.txt")
    report = idx.add([corpus], prune=True)
    assert emb.embedded == [] and report.added == 0 and report.removed == 0
    assert report.updated > 0 and report.meetings == 5
    hits = HybridRetriever.from_index(idx).search("Be Bright", filters=SearchFilters(item="3a"))
    assert any(h.source.endswith("renamed.txt") for h in hits)


def test_duplicates_and_bad_files_are_reported(tmp_path: Path, corpus: Path) -> None:
    shutil.copy(SEED[1], corpus / "zz-kopie.txt")
    (corpus / "leeg.txt").write_text("")
    report = _index(tmp_path).add([corpus])
    assert report.meetings == 5
    reasons = {Path(e.source).name: e.reason for e in report.errors}
    assert reasons["leeg.txt"] == "file is empty"
    assert reasons["zz-kopie.txt"].startswith("duplicate content of")


def test_manifest_records_versions_and_hashes(tmp_path: Path, corpus: Path) -> None:
    idx = _index(tmp_path)
    idx.add([corpus])
    data = json.loads((tmp_path / "store" / "manifest.json").read_text())
    assert data["format"] == FORMAT_VERSION
    entry = data["collections"][idx.collection]
    assert entry["embedding_model"] == "hash-64"
    assert entry["chunker_version"] == CHUNKER_VERSION
    assert entry["chromadb_version"] != "unknown"
    assert entry["chunk_settings"] == Settings().chunk.model_dump()
    files = entry["files"]
    assert len(files) == 5
    some = files[str((corpus / SEED[1].name).resolve())]
    assert some["sha256"] and some["state"] == "complete" and some["chunk_ids"]


def test_other_model_gets_its_own_collection(tmp_path: Path, corpus: Path) -> None:
    a = _index(tmp_path, HashEmbeddings(model_id="model-a"))
    a.add([corpus])
    b = _index(tmp_path, HashEmbeddings(model_id="model-b"))
    assert a.collection != b.collection
    assert b.count() == 0 and b.files == {}
    assert b.other_collections() == [a.collection]
    b.rebuild()
    assert b.other_collections() == []


def test_newer_store_format_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    (store / "manifest.json").write_text(json.dumps({"format": FORMAT_VERSION + 1}))
    with pytest.raises(IndexError_, match="newer verslagqa"):
        _index(tmp_path)


def test_half_indexed_file_is_repaired(tmp_path: Path, corpus: Path) -> None:
    idx = _index(tmp_path)
    full = idx.add([corpus])
    src = next(iter(idx.files))
    # simulate a crash after the 'pending' mark: chunks present, state not complete
    idx.files[src].state = "pending"
    idx.files[src].pending_ids = list(idx.files[src].chunk_ids)
    idx._write_manifest()
    again = _index(tmp_path).add([corpus])
    assert again.chunks == full.chunks and again.meetings == 5
    assert idx.count() == full.chunks


def test_lock_blocks_a_second_writer(tmp_path: Path) -> None:
    a = _index(tmp_path)
    b = _index(tmp_path)
    with a.lock():
        with pytest.raises(StoreLockedError, match="another verslagqa process"):
            with b.lock(timeout=0.5):
                pass


def test_filters(tmp_path: Path, corpus: Path) -> None:
    idx = _index(tmp_path)
    idx.add([corpus])
    r = HybridRetriever.from_index(idx, k=50)
    nov = SearchFilters(van=dt.date(2020, 11, 1), tot=dt.date(2020, 11, 30))
    for mode in ("hybrid", "dense", "bm25"):
        hits = r.search("vaccinatie minister brief", filters=nov, mode=mode)
        assert hits, mode
        assert {h.meeting_date[:7] for h in hits} == {"2020-11"}, mode
        hits = r.search(
            "verslag opmerkingen", filters=SearchFilters(meeting="dglz", item="2"), mode=mode
        )
        assert hits and {(h.meeting_title.lower(), h.item_label) for h in hits} == {
            ("mt dglz breed", "2")
        }, mode
    assert r.search("vaccinatie", filters=SearchFilters(meeting="bestaat niet")) == []


def test_rrf_fuse() -> None:
    fused = rrf_fuse([(["a", "b", "c"], 1.0), (["c", "a"], 1.0)], rrf_k=60)
    assert [i for i, _ in fused] == ["a", "c", "b"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    only_b = rrf_fuse([(["a"], 0.0), (["b"], 1.0)])
    assert only_b[0][0] == "b"


def test_dutch_tokenizer() -> None:
    assert tokenize("De kabinetsbrieven over vaccinaties") == tokenize("kabinetsbrief vaccinatie")
    assert tokenize("cliëntondersteuning") == tokenize("clientondersteuning")
    assert "de" not in tokenize("de het een")


def test_other_chunk_settings_get_their_own_chunks(tmp_path: Path, corpus: Path) -> None:
    """The index's identity holds the chunk settings: changing them re-chunks every file
    instead of silently keeping the chunks made with the old settings."""
    from verslagqa.settings import ChunkSettings

    store = tmp_path / "s"
    first = Index(Settings(store=store), embeddings=HashEmbeddings())
    report = first.add([corpus])
    small = Settings(store=store, chunk=ChunkSettings(max_tokens=80, overlap_tokens=10))
    second = Index(small, embeddings=HashEmbeddings())
    assert second.collection != first.collection
    again = second.add([corpus])
    assert again.added > report.added and again.unchanged == 0
    assert first.collection in second.other_collections()
    # the same settings reopen the same index
    assert Index(small, embeddings=HashEmbeddings()).collection == second.collection


def test_vectors_are_one_chroma_collection_also_usable_from_langchain(
    tmp_path: Path, corpus: Path
) -> None:
    idx = _index(tmp_path)
    idx.add([corpus])
    assert idx.chroma.name == idx.collection and idx.chroma.count() == idx.count()
    hits = idx.vectorstore.similarity_search("deadline aanlevering CFA", k=2)
    assert len(hits) == 2 and all(h.metadata["meeting_id"] for h in hits)


def test_a_new_parser_version_parses_files_again(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files indexed by an older parser are parsed again on the next add; chunks whose text
    did not change are not embedded again, nothing is duplicated."""
    import verslagqa.index as index_module

    emb = HashEmbeddings()
    first = _index(tmp_path, emb).add([corpus])
    parsed: list[str] = []
    real = index_module.parse_file

    def counting(path, **kw):  # type: ignore[no-untyped-def]
        parsed.append(str(path))
        return real(path, **kw)

    monkeypatch.setattr(index_module, "parse_file", counting)
    assert _index(tmp_path, emb).add([corpus]).unchanged == first.chunks and parsed == []
    emb.embedded.clear()
    monkeypatch.setattr(index_module, "PARSER_VERSION", index_module.PARSER_VERSION + 1)
    idx = _index(tmp_path, emb)
    again = idx.add([corpus])
    assert len(parsed) == first.meetings
    assert (again.added, again.removed, again.unchanged) == (0, 0, first.chunks)
    assert emb.embedded == [] and idx.count() == first.chunks
    assert {e.parser for e in idx.files.values()} == {index_module.PARSER_VERSION}
    parsed.clear()
    _index(tmp_path, emb).add([corpus])
    assert parsed == []  # recorded: not parsed a third time
