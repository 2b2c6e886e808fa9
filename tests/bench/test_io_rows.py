"""The benchmark's 1 GiB rows: where their files go, how their rounds run and what RESULTS.md
and the README's table say about it. No timing is asserted here; only the method."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bench import __main__ as results
from bench import vault as bench
from tests.conftest import unavailable


def side(seconds: float) -> dict[str, Any]:
    return {"median_s": seconds, "min_s": seconds, "max_s": seconds, "rounds": 3,
            "each_s": [seconds] * 3}


def comparison(place: dict[str, Any]) -> dict[str, Any]:
    figure = {"papka": side(1.0), "reference": side(2.0), "ratio": 2.0, "ratio_min": 1.5,
              "ratio_max": 2.5, "cpu_s": {"papka": 1.0, "reference": 2.0}, "warm_up_s": {}}
    return {"size_mib": 1024, "filesystem": place, **figure}


MEMORY = {"place": "memory", "folder": "/dev/shm", "filesystem": "tmpfs", "need_mib": 4160}
DISK = {"place": "disk", "folder": "bench/results", "filesystem": "ext2/ext3",
        "need_mib": 4160, "memory_refused": "/dev/shm has 10 MiB free and the row needs 4160 MiB"}
CONDITIONS = {"date": "2026-12-05 00:00 UTC", "machine": "x86_64, 2 cores, 23 GiB",
              "python": "3.11", "load_before": [1, 1, 1], "load_after": [1, 1, 1],
              "quick": False, "rounds": 3, "io_rounds": 11, "age": "1.1.1"}


def vault_results(add_get_place: dict[str, Any], export_place: dict[str, Any]) -> dict[str, Any]:
    add_get = comparison(add_get_place)
    add_get["add"] = add_get["get"] = {k: v for k, v in add_get.items()
                                       if k not in ("size_mib", "filesystem")}
    add_get["add"] = {**add_get["add"], "reference_in_place": True}
    return {"conditions": CONDITIONS, "add_get": add_get, "export": comparison(export_place)}


def test_rows_in_ram_say_so_in_the_table_and_in_the_sentence_the_readme_repeats() -> None:
    lines = results.vault_section(vault_results(MEMORY, MEMORY))
    rows = [line for line in lines if line.startswith("| ") and "1024 MiB" in line]
    assert len(rows) == 3
    assert all("(in RAM, tmpfs)" in row and "+ sync" not in row for row in rows)
    readme = results.comparison_table(lines)
    sentence = readme[-1]
    assert sentence.startswith(results.IO_PLACE_START + "in RAM (tmpfs at /dev/shm)")
    assert "reference tool alike" in sentence
    assert readme[-2] == ""             # a paragraph of its own under the table
    assert any("once more before the rounds" in line for line in lines)


def test_rows_that_fell_back_to_the_disk_are_marked_as_not_reproducible() -> None:
    lines = results.vault_section(vault_results(DISK, MEMORY))
    rows = [line for line in lines if line.startswith("| ") and "1024 MiB" in line]
    assert [", synced to disk" in row for row in rows] == [True, True, False]
    assert "`age -r` over its last output + sync" in rows[0]
    assert "`tar -cf - … \\| age -r`:" in rows[2]
    sentence = results.comparison_table(lines)[-1]
    assert "partly on the project disk: adding and getting there" in sentence
    assert "does not reproduce within ±20 %" in sentence
    assert DISK["memory_refused"] in sentence


def test_results_from_before_the_rows_recorded_their_place_read_as_before() -> None:
    old = vault_results(MEMORY, MEMORY)
    for row in ("add_get", "export"):
        del old[row]["filesystem"]
    lines = results.vault_section(old)
    assert results.where_io_ran(old) is None
    assert results.comparison_table(lines)[-1].startswith("| export")
    assert all("synced to disk" in line for line in lines
               if line.startswith("| ") and "1024 MiB" in line)
    del old["add_get"]["add"]["reference_in_place"]
    assert "`age -r` + sync:" in "\n".join(results.vault_section(old))


def test_secondary_disk_rows_stay_out_of_the_readme() -> None:
    figures = vault_results(MEMORY, MEMORY)
    figures["add_get_disk"] = vault_results(DISK, DISK)["add_get"]
    lines = results.vault_section(figures)
    assert "## Adding, getting and exporting on the project disk, synced (secondary)" in lines
    assert not any("synced to disk" in line for line in results.comparison_table(lines))


def test_rounds_alternate_and_the_warm_up_stays_out_of_the_figures(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench.os, "sync", lambda: None)
    calls: list[tuple[str, int]] = []

    def contender(name: str, seconds: float) -> Any:
        def run(number: int) -> float:
            calls.append((name, number))
            return 100.0 if number < 0 else seconds
        return run

    figures = bench.side_by_side(4, contender("papka", 1.0), contender("age", 3.0),
                                 warm_up=True)
    assert calls == [("papka", -1), ("age", -1), ("papka", 0), ("age", 0), ("age", 1),
                     ("papka", 1), ("papka", 2), ("age", 2), ("age", 3), ("papka", 3)]
    assert figures["warm_up_s"] == {"papka": 100.0, "reference": 100.0}
    assert figures["papka"]["each_s"] == [1.0] * 4 and figures["ratio"] == 3.0
    assert figures["ratio_per_round"] == [3.0] * 4


def test_a_row_goes_to_ram_when_it_fits_and_its_folder_is_removed(tmp_path: Path) -> None:
    refusal = bench.memory_fs_refusal(1)
    if refusal is not None:
        unavailable(f"no room in RAM for the benchmark's rows here: {refusal}")
    places = bench.IoPlaces(tmp_path, "auto")
    try:
        folder, where = places.for_row(1)
        assert folder.parent == bench.MEMORY_FS and where["filesystem"] == "tmpfs"
        (folder / "payload").write_bytes(os.urandom(1024))
    finally:
        places.remove()
    assert not folder.exists()


def test_a_row_that_does_not_fit_in_ram_falls_back_to_the_disk_and_says_why(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    too_much = 1 << 40                        # a mebibyte count no machine has free
    assert "MiB" in (bench.memory_fs_refusal(too_much) or "")
    folder, where = bench.IoPlaces(tmp_path, "auto").for_row(too_much)
    assert folder == tmp_path and where["place"] == "disk" and where["memory_refused"]
    assert "on the project disk instead" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--io-on memory"):
        bench.IoPlaces(tmp_path, "memory").for_row(too_much)
    assert bench.IoPlaces(tmp_path, "disk").for_row(1)[1]["memory_refused"] is None


def test_redaction_figures_without_their_raw_results_stay_as_the_readme_has_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/results is not kept in the repository: a run with --only phone_photos on a fresh
    machine wrote the README's redaction figures without the burned sizes' paragraph."""
    readme = tmp_path / "README.md"
    readme.write_text(f"Intro.\n\n{results.README_REDACTION_BEGIN}\nBurned copies at 200 dpi: "
                      f"0.26×.\n\nPhone photos (20): 1.7 pages/s.\n"
                      f"{results.README_REDACTION_END}\n", encoding="utf-8")
    monkeypatch.setattr(results, "README", readme)
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results")
    assert results.redaction_figures() == ["Burned copies at 200 dpi: 0.26×.", "",
                                          "Phone photos (20): 1.7 pages/s."]
