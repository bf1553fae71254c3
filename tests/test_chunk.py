from __future__ import annotations

import re

from verslagqa import load_verslagen, parse_verslag
from verslagqa.chunk import chunk_meeting, context_header, count_tokens, split_sentences

from .conftest import SAMPLES, SEED


def test_one_chunk_per_short_item_with_context_header() -> None:
    m = parse_verslag(SEED[1])
    chunks = chunk_meeting(m)
    assert [c.metadata["item_label"] for c in chunks if c.metadata["chunk_index"] == 0] == [
        "", "1", "2", "3a", "3b", "3c", "3d", "4",
    ]  # fmt: skip
    # the first chunk is the header's record: who attended is searched too
    record = chunks[0]
    assert record.metadata["item_title"] == "" and "Aanwezig" in record.text
    assert record.metadata["start"] == 0 and record.text == m.text[: m.record_end].strip()
    c3c = next(c for c in chunks if c.metadata["item_label"] == "3c")
    assert c3c.embed_text.startswith(
        "MT DGLZ breed, 1 maart 2021, punt 3c Covid beleidskader fase 3\n"
    )
    assert c3c.metadata["meeting_date"] == "2021-03-01"
    assert c3c.metadata["meeting_ts"] == 1614556800
    assert c3c.metadata["meeting_title"] == "MT DGLZ breed"
    assert c3c.metadata["item_title"] == "Covid beleidskader fase 3"


def test_long_items_split_bounded_never_mid_sentence() -> None:
    for m in load_verslagen(SAMPLES):
        for c in chunk_meeting(m, max_tokens=120, overlap_tokens=30):
            assert count_tokens(c.text) <= 120 or len(split_sentences(c.text)) == 1
            end = c.metadata["end"]
            # ends at a line end or a sentence end, never inside a sentence
            assert m.text[end : end + 1] in ("\n", "") or re.search(r"[.!?)]$", c.text), c.text[
                -80:
            ]
            assert not re.search(r"\n- \w+$", c.text), "chunk ends with a heading line"
            assert m.text[c.metadata["start"] : c.metadata["end"]] == c.text


def test_overlap_between_consecutive_chunks() -> None:
    m = parse_verslag(SEED[1])
    chunks = [c for c in chunk_meeting(m, max_tokens=120, overlap_tokens=40)
              if c.metadata["item_label"] == "3c"]  # fmt: skip
    assert len(chunks) >= 3
    pairs = list(zip(chunks, chunks[1:], strict=False))
    for a, b in pairs:
        assert b.metadata["start"] <= a.metadata["end"] + 1  # no text is skipped
        assert b.metadata["start"] > a.metadata["start"]
    # and at least one boundary repeats a sentence of the previous chunk
    assert any(a.metadata["end"] > b.metadata["start"] for a, b in pairs)


def test_redaction_tokens_out_of_embedded_and_keyword_text() -> None:
    m = parse_verslag(SEED[3])
    for c in chunk_meeting(m):
        assert "weggelakt" not in c.embed_text
        assert "weggelakt" not in c.keyword_text
    assert any("[weggelakt 5.1.2e]" in c.text for c in chunk_meeting(m))


def test_ids_are_content_hashes() -> None:
    a = chunk_meeting(parse_verslag(SEED[1]))
    b = chunk_meeting(parse_verslag(SEED[1]))
    assert [c.id for c in a] == [c.id for c in b]
    changed = SEED[1].read_text().replace("800 miljoen", "900 miljoen")
    c = chunk_meeting(parse_verslag(changed, source=str(SEED[1])))
    assert sum(x.id != y.id for x, y in zip(a, c, strict=True)) == 1


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Dit gaat m.b.t. het CAK. LZ kijkt t.z.t. mee. Volgende zin!"
    assert split_sentences(text) == [
        "Dit gaat m.b.t. het CAK.",
        "LZ kijkt t.z.t. mee.",
        "Volgende zin!",
    ]


def test_context_header_without_label() -> None:
    m = parse_verslag(SEED[0])
    assert context_header(m, m.items[0]) == "Corona Continuïteit Team LZ, 18 november 2020"
