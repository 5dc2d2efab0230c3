"""The regimen parser's tables are kept in the cache folder, and a bad or missing file is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kratomsim.models import regimen_grammar
from kratomsim.models.regimen_text import parse_regimen

TEXT = "2 g three times a day for 5 days then 1 g twice daily for 3 days"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A new cache folder and no parser built yet in this process."""
    monkeypatch.setenv("KRATOMSIM_CACHE", str(tmp_path / "cache"))
    regimen_grammar._parser.cache_clear()
    yield tmp_path / "cache"
    regimen_grammar._parser.cache_clear()


def _doses(text: str) -> list[tuple[float, float]]:
    events = parse_regimen(text).expand(None)
    return list(zip(events.times_h.tolist(), events.amounts_g.tolist(), strict=True))


def test_tables_are_written_once_and_read_back(fresh: Path) -> None:
    first = _doses(TEXT)
    files = list((fresh / "grammar").glob("regimen-*.lark"))
    assert len(files) == 1 and files[0].stat().st_size > 1000
    stamp = files[0].stat().st_mtime_ns
    regimen_grammar._parser.cache_clear()
    assert _doses(TEXT) == first  # the parser loaded from the file reads the same regimen
    assert files[0].stat().st_mtime_ns == stamp  # read, not rewritten


def test_a_corrupt_table_file_is_rebuilt(fresh: Path) -> None:
    want = _doses(TEXT)
    (path,) = (fresh / "grammar").glob("regimen-*.lark")
    path.write_bytes(b"not a parser\n" + b"\x00" * 50)
    regimen_grammar._parser.cache_clear()
    assert _doses(TEXT) == want
    assert path.read_bytes()[:12] != b"not a parser"


def test_no_writable_cache_folder_still_parses(fresh: Path, tmp_path: Path) -> None:
    want = _doses(TEXT)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    regimen_grammar._parser.cache_clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KRATOMSIM_CACHE", str(blocker))
        assert _doses(TEXT) == want
