"""Run every benchmark in turn and write bench/RESULTS.md: `make bench` (or `python -m bench`).

    python -m bench [--quick] [--only vault,bundle,kdf,redact,burn_size,phone_photos,keep_text]

Each benchmark compares papka with a reference tool in the same run, in alternating rounds;
none of them is a test, and none asserts a time. The raw figures land in bench/results/ (not
kept in git); bench/RESULTS.md, which is kept, states the conditions and the figures the
README quotes. The full run takes about ten minutes on the project's 2-core machine when nobody
else uses it (longer when others do); --quick (256 MiB instead of 1 GiB, fewer documents) about
four. Redaction always runs its short set (4 and 10 pages).

Adding, getting and exporting 1 GiB run in RAM (/dev/shm) when it has room, and RESULTS.md and
the README say so. The same rows on the project disk, synced (`python -m bench.vault
--disk-too`), are left out of this run: on this machine's virtual disk they do not reproduce
within ±20 %, and RESULTS.md shows them, marked so, only when vault.json holds them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
#: The README's comparison table sits between these lines; make bench rewrites what is between.
README_BEGIN = "<!-- make bench writes this table from bench/RESULTS.md; do not edit it by hand -->"
README_END = "<!-- end of the table make bench writes -->"
#: The README's redaction figures (burned sizes, phone photos against PyMuPDF) likewise.
README_REDACTION_BEGIN = ("<!-- make bench writes these redaction figures from bench/results; "
                          "do not edit them by hand -->")
README_REDACTION_END = "<!-- end of the redaction figures make bench writes -->"
#: Each benchmark's block in RESULTS.md is headed so; a run with --only keeps the other blocks
#: as the last full RESULTS.md has them when their raw output is not at hand.
TITLES = {
    "bundle": "Bundles from plain files (bench/bundle.py)",
    "kdf": "One passphrase guess (bench/kdf.py)",
    "redact": "Redaction, 4-page scan and 10-page born-digital PDF (bench/redact.py --quick)",
    "burn_size": "Size of burned copies, old and new page encoders (bench/burn_size.py)",
    "phone_photos": "Phone photos: burn + verify against PyMuPDF (bench/phone_photos.py)",
    "keep_text": "Redaction that keeps the text, 100-page born-digital PDF, against burning and "
                 "PyMuPDF (bench/keep_text.py)",
}


def comparison_table(results: list[str]) -> list[str]:
    """The table of papka against reference tools, as RESULTS.md has it, with its date and the
    sentence saying where its 1 GiB rows kept their files."""
    start = results.index("| what | papka | reference (same rounds) | ratio |")
    end = results.index("", start)
    when = next((line for line in results if line.startswith("- When: ")), "")
    where = next((line[2:] for line in results if line.startswith(f"- {IO_PLACE_START}")), None)
    return [f"From bench/RESULTS.md ({when[len('- When: '):].split(';')[0]}):", "",
            *results[start:end], *(["", where] if where else [])]


#: The sentence on where adding, getting and exporting ran begins so (RESULTS.md's conditions
#: hold it, and the README's table repeats it).
IO_PLACE_START = "Adding, getting and exporting ran "


def where_io_ran(vault: dict[str, Any]) -> str | None:
    """One sentence on where the add, get and export rows kept their files (None for results
    written before the rows recorded it)."""
    places = {row: vault[row]["filesystem"] for row in ("add_get", "export")
              if row in vault and "filesystem" in vault[row]}
    if not places:
        return None
    memory = [place for place in places.values() if place["place"] == "memory"]
    on_disk = [row for row, place in places.items() if place["place"] == "disk"]
    refused = next((place["memory_refused"] for place in places.values()
                    if place.get("memory_refused")), None)
    if not on_disk:
        return (f"{IO_PLACE_START}in RAM ({memory[0]['filesystem']} at {memory[0]['folder']}): "
                "the container, inputs and outputs of papka and of the reference tool alike, "
                "because this machine's virtual disk writes each new 1 GiB file back at a speed "
                "that moves single rounds by a factor of three for both tools, which is noise "
                "and not either tool's work (a USB stick's speed is not measured).")
    why = f" ({refused})" if refused else ""
    if not memory:
        return (f"{IO_PLACE_START}on the project disk, every output synced, for papka and the "
                f"reference tool alike{why}: on this virtual disk these rows do not reproduce "
                "within ±20 %.")
    disk_rows = " and ".join({"add_get": "adding and getting", "export": "exporting"}[row]
                             for row in on_disk)
    return (f"{IO_PLACE_START}partly on the project disk: {disk_rows} there, every output "
            f"synced{why}, which on this virtual disk does not reproduce within ±20 %, and the "
            f"rest in RAM ({memory[0]['filesystem']} at {memory[0]['folder']}).")


def io_figures(vault: dict[str, Any]) -> list[dict[str, Any]]:
    """The side-by-side figures of adding, getting and exporting, wherever they ran."""
    figures: list[dict[str, Any]] = []
    for row in ("add_get", "export", "add_get_disk", "export_disk"):
        if row in vault:
            figures += ([vault[row]["add"], vault[row]["get"]] if "add" in vault[row]
                        else [vault[row]])
    return figures


def io_rows(add_get: dict[str, Any] | None, export: dict[str, Any] | None) -> list[str]:
    """The table's rows for adding, getting and exporting, saying where they ran."""

    def where(figure: dict[str, Any]) -> tuple[str, str]:
        if figure.get("filesystem", {"place": "disk"})["place"] == "disk":
            return ", synced to disk", " + sync"
        return " (in RAM, tmpfs)", ""

    rows: list[str] = []
    if add_get:
        (place, sync), size = where(add_get), add_get["size_mib"]
        add, get = add_get["add"], add_get["get"]
        rows += [f"| add a {size} MiB file{place} | {seconds(add['papka'])} | "
                 f"`age -r`{' over its last output' if add.get('reference_in_place') else ''}"
                 f"{sync}: {seconds(add['reference'])} | "
                 f"{ratio(add)} |",
                 f"| get a {size} MiB file back{place} | {seconds(get['papka'])} | "
                 f"`age -d`{sync}: {seconds(get['reference'])} | {ratio(get)} |"]
    if export:
        place, sync = where(export)
        rows.append(f"| export {export['size_mib']} MiB of originals (4 documents) as a signed "
                    f"bundle{place} | {seconds(export['papka'])} | `tar -cf - … \\| age -r`"
                    f"{sync}: {seconds(export['reference'])} | {ratio(export)} |")
    return rows


def update_readme(table: list[str], begin: str = README_BEGIN, end: str = README_END) -> bool:
    """Put the table between the README's markers; False when the markers are missing."""
    text = README.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    README.write_text(head + begin + "\n" + "\n".join(table) + "\n" + end + tail,
                      encoding="utf-8")
    return True


def kept_block(module: str) -> str | None:
    """A benchmark's block as the current RESULTS.md has it (for --only without raw output)."""
    path = HERE / "RESULTS.md"
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    heading = f"## {TITLES[module]}"
    if heading not in lines:
        return None
    start = lines.index(heading) + 2
    if start >= len(lines) or lines[start] != "```":
        return None
    end = lines.index("```", start + 1)
    return "\n".join(lines[start + 1:end]) + "\n"


def kept_vault_section() -> list[str]:
    """The vault's sections as the current RESULTS.md has them (from "## Conditions" to the
    first benchmark block), for --only without vault.json."""
    path = HERE / "RESULTS.md"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if "## Conditions" not in lines:
        return []
    start = lines.index("## Conditions")
    headings = {f"## {title}" for title in TITLES.values()}
    end = next((i for i in range(start, len(lines)) if lines[i] in headings), len(lines))
    return lines[start:end]


def _born_digital(kind: str) -> str:
    """bench/burn_size.py's name of a row of born-digital PDFs, in the README's words."""
    pages = re.search(r"one (\d+)-page PDF", kind)
    return f"a {pages.group(1)}-page one" if pages else "one-page ones"


def _readme_paragraph(start: str) -> list[str]:
    """The paragraph of the README's redaction figures that begins with `start`, as it is."""
    text = README.read_text(encoding="utf-8")
    if README_REDACTION_BEGIN not in text or README_REDACTION_END not in text:
        return []
    block = text.split(README_REDACTION_BEGIN, 1)[1].split(README_REDACTION_END, 1)[0]
    return [paragraph.strip() for paragraph in block.split("\n\n")
            if paragraph.strip().startswith(start)][:1]


def redaction_figures() -> list[str]:
    """The README's redaction figures, from the raw results of burn_size and phone_photos; a
    figure whose raw results are not on this machine (bench/results is not kept in the
    repository) stays as the README has it."""
    lines: list[str] = []
    sizes = RESULTS / "burn-size.json"
    if not sizes.exists():
        lines += _readme_paragraph("Burned copies at ")
    if sizes.exists():
        figures = json.loads(sizes.read_text())
        overall = figures.get("scans_and_photos")
        if overall:
            lines.append(
                f"Burned copies at {figures['dpi']} dpi (`bench/burn_size.py`"
                f"{' --quick' if figures['quick'] else ''}, generated scans, phone photos as "
                "JPEG pictures and as PDF pages, and scans with a colour photograph; one box "
                f"each): the median copy is **{overall['ratio_median']}×** its original's size, "
                f"the largest {overall['ratio_max']}× ({overall['within_2x']} of "
                f"{overall['documents']} within 2×; {figures['cores']} cores, load average "
                f"{figures['load']:.1f}). Born-digital PDFs grow (their text is a few bytes a "
                "line, a picture of it is not): "
                + ", ".join(f"{_born_digital(row['kind'])} {row['ratio_after_median']}×"
                            for row in figures["sizes"] if "born-digital" in row["kind"])
                + ".")
    photos = RESULTS / "phone-photos.json"
    if not photos.exists():
        kept = _readme_paragraph("Phone photos (")
        lines += ["", *kept] if lines and kept else kept
    if photos.exists():
        figures = json.loads(photos.read_text())
        c = figures["comparison"]
        line = (f"Phone photos (`bench/phone_photos.py`: {c['pages']} generated "
                f"{figures['camera']} photos of a letter, perspective, uneven light, every "
                f"fourth sideways, one per PDF page, one box each; {c['rounds']} alternating "
                f"rounds, medians; {figures['cores']} cores, load average "
                f"{figures['load_before'][0]:.1f} before and {figures['load_after'][0]:.1f} "
                f"after): papka's whole path with the CLI's defaults (burn at "
                f"{figures['dpi']} dpi, OCR text layer, verification with OCR) "
                f"**{c['papka']['pages_per_s']} pages/s** ({c['papka']['median_s']} s, "
                f"{c['papka']['min_s']}–{c['papka']['max_s']})")
        if "pymupdf" in c:
            line += (f"; PyMuPDF's `apply_redactions` with image pixels, no verification and no "
                     f"OCR, {c['pymupdf']['pages_per_s']} pages/s ({c['pymupdf']['median_s']} s,"
                     f" {c['pymupdf']['min_s']}–{c['pymupdf']['max_s']}): papka at "
                     f"**{c['speed_ratio']}×** PyMuPDF's pages/s ({c['speed_ratio_min']}–"
                     f"{c['speed_ratio_max']}); copies of {c['papka_output_mb']} MB against "
                     f"{c['pymupdf_output_mb']} MB from {c['input_mb']} MB")
        u = figures["papka_cpu"]
        line += (f". Of papka's processor time, {u['tesseract_cpu_s']} s is Tesseract (the "
                 f"verifier's OCR, whose reading is also the text layer) and "
                 f"{u['papka_process_cpu_s']} s the rest.")
        lines += ["", line] if lines else [line]
    return lines


def run(module: str, arguments: list[str]) -> tuple[bool, str]:
    """Run one benchmark module; its output is kept (bench/results/NAME.txt) for RESULTS.md."""
    print(f"== bench/{module}.py {' '.join(arguments)}", flush=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", f"bench.{module}", *arguments],
                          cwd=HERE.parent, capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
    if done.returncode == 0:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{module}.txt").write_text(done.stdout)
    return done.returncode == 0, done.stdout


def earlier(module: str) -> tuple[bool, str]:
    """The output an earlier run of this benchmark kept, for --only: its raw output, else its
    block in the current RESULTS.md."""
    kept = RESULTS / f"{module}.txt"
    if kept.exists():
        return True, kept.read_text()
    if module == "vault":
        return bool(kept_vault_section()), ""
    block = kept_block(module) if module in TITLES else None
    return (True, block) if block is not None else (False, "")


def seconds(figure: dict[str, Any]) -> str:
    return (f"{figure['median_s']:.2f} s ({figure['min_s']:.2f}–{figure['max_s']:.2f})")


def milliseconds(figure: dict[str, Any]) -> str:
    return (f"{figure['median_s'] * 1000:.1f} ms ({figure['min_s'] * 1000:.1f}–"
            f"{figure['max_s'] * 1000:.1f})")


def ratio(figure: dict[str, Any]) -> str:
    return f"**{figure['ratio']:.2f}** ({figure['ratio_min']:.2f}–{figure['ratio_max']:.2f})"


def vault_section(vault: dict[str, Any]) -> list[str]:
    c = vault["conditions"]
    rounds = c["rounds"]
    lines = [
        "## Conditions", "",
        f"- When: {c['date']}; machine: {c['machine']} (a shared machine: the load average "
        f"below says how busy it was); Python {c['python']}; {c['age']} (`age`, Debian).",
        f"- Load average (1, 5, 15 min) before: {c['load_before']}, after: "
        f"{c.get('load_after', '?')}. Absolute times move with it; the ratios, from rounds that "
        "alternate papka and the reference tool in the same run, are the figures to compare.",
        f"- {rounds} rounds each ({c.get('io_rounds', rounds)} for adding, getting and "
        "exporting, whose single rounds move most), papka "
        "first in even rounds and second in odd ones; "
        + ("adding, getting and exporting run each contender once more before the rounds, "
           "untimed in the figures (a step's first run in a process pays for imports, and the "
           "first 1 GiB of new memory on this virtual machine for 2 to 6 s); "
           if any("warm_up_s" in figure for figure in io_figures(vault)) else "")
        + ("`age -r` writes over its output of the round before in place, as papka's add "
           "writes into space its container already holds (neither pays for new memory or "
           "blocks); " if any(f.get("reference_in_place") for f in io_figures(vault)) else "") +
        "`sync` before every timed step, and every timed step syncs its own output. Each "
        "figure is the median, with the fastest and slowest round in brackets; ratio = the "
        "reference's median time ÷ papka's (above 1: papka is faster), with the range of the "
        "per-round ratios.",
        "- The real KDF (Argon2id, 512 MiB). Adding, getting, exporting and importing are timed "
        "after the container is unlocked (the KDF excluded); creating includes it.",
        *([f"- {where}"] if (where := where_io_ran(vault)) else []),
        f"- Files of random bytes; {'quick mode: smaller sizes' if c['quick'] else 'full sizes'}.",
        "",
        "## papka against reference tools", "",
        "| what | papka | reference (same rounds) | ratio |", "|---|---|---|---|",
    ]
    kdf = vault.get("kdf")
    create = vault.get("create")
    if create:
        lines.append(f"| create a {create['size_mib']} MiB container, synced (KDF included) | "
                     f"{seconds(create['papka'])} | `head -c … /dev/urandom` + sync: "
                     f"{seconds(create['reference'])} | {ratio(create)} |")
    add_get = vault.get("add_get")
    export = vault.get("export")
    lines += io_rows(add_get, export)
    imports = vault.get("import", {})
    for count, figure in imports.items():
        if count == "growth":
            continue
        lines.append(f"| import a folder of {int(count):,} files of 1 KiB (one commit) | "
                     f"{seconds(figure['papka'])} | `tar -cf - … \\| age -r` + sync: "
                     f"{seconds(figure['reference'])} | {ratio(figure)} |")
    lines.append("")
    cpu = [(name, figure["cpu_s"]) for name, figure in (
        ("add", (add_get or {}).get("add")), ("get", (add_get or {}).get("get")),
        ("export", export)) if figure and "cpu_s" in figure]
    if cpu:
        lines += ["Processor time per round (user and system, every thread and child process; "
                  "medians), papka against the reference: " + "; ".join(
                      f"{name} {c['papka']:.2f} s against {c['reference']:.2f} s"
                      for name, c in cpu) + ". Most of the system time on both sides is the "
                  "kernel copying 1 GiB into the page cache of a new file.", ""]
    if kdf:
        lines += [f"Unlocking an empty container (the KDF and slot trials alone): "
                  f"{seconds(kdf)}.", ""]
    growth = imports.get("growth")
    if growth:
        lines += [f"Folder import grows linearly: {growth['to']:,} files take "
                  f"{growth['time_ratio']:.1f}× the time of {growth['from']:,} "
                  f"({growth['count_ratio']:.0f}× the files).", ""]
    scale = vault.get("scale", {})
    if scale:
        lines += ["## Many documents (1 KiB each)", "",
                  "| documents | unlock | first list after it | unlock + first list beyond the KDF "
                  "(same round) | `papka list` of all, as a command | the command beyond unlock "
                  "| commit one small document | bytes of container per byte stored |",
                  "|---|---|---|---|---|---|---|---|"]
        for count, figure in scale.items():
            command = figure.get("papka_list_command")
            beyond = figure.get("papka_list_command_beyond_unlock")
            space_ratio = f"{figure['space']['ratio']:.2f}" if "space" in figure else "–"
            lines.append(f"| {int(count):,} | {seconds(figure['unlock'])} | "
                         f"{seconds(figure['first_list'])} | "
                         f"{seconds(figure['unlock_and_first_list_beyond_kdf'])} | "
                         f"{seconds(command) if command else '–'} | "
                         f"{seconds(beyond) if beyond else '–'} | "
                         f"{seconds(figure['commit_small'])} | {space_ratio} |")
        lines += ["", "The command's time includes starting Python and importing papka; "
                  "\"beyond unlock\" subtracts the in-process unlock of the same round.", ""]
    secondary = io_rows(vault.get("add_get_disk"), vault.get("export_disk"))
    if secondary:
        spans = io_figures({row: vault[row] for row in ("add_get_disk", "export_disk")
                            if row in vault})
        lines += ["## Adding, getting and exporting on the project disk, synced (secondary)", "",
                  "Not reproducible within ±20 % on this virtual disk: the kernel's writeback of "
                  "each new 1 GiB file moves single rounds (per-round ratios from "
                  f"{min(f['ratio_min'] for f in spans):.2f} to "
                  f"{max(f['ratio_max'] for f in spans):.2f} here), so the README does not "
                  "quote these rows. A USB stick, the real medium, is slower again and was not "
                  "measured.", "",
                  "| what | papka | reference (same rounds) | ratio |", "|---|---|---|---|",
                  *secondary, ""]
    startup = vault.get("startup")
    if startup:
        lines += ["## Start-up", "",
                  "| what | time |", "|---|---|",
                  f"| `papka --version` (starting Python and importing papka) | "
                  f"{seconds(startup['version_command'])} |",
                  f"| the crypto self-test every command runs first | "
                  f"{milliseconds(startup['self_test'])} |",
                  f"| unlocking an empty container in-process (the KDF and slot trials) | "
                  f"{seconds(startup['unlock_empty'])} |",
                  f"| `papka list` of an empty container, as a command | "
                  f"{seconds(startup['list_empty_command'])} |",
                  f"| the same, beyond the in-process unlock of the same round | "
                  f"{seconds(startup['list_empty_command_beyond_unlock'])} |", ""]
    space = vault.get("space")
    if space:
        lines += ["## Space: bytes of container per byte stored (papers of 1 KiB)", "",
                  "| how the papers came in | documents | sectors in use | bytes of container "
                  "per byte stored | packs (their sectors) | catalog pages, both copies | "
                  "search indexes | roots and the rest |", "|---|---|---|---|---|---|---|---|"]
        for name, label in (("folder", "one folder import (one commit)"),
                            ("one_by_one", "one commit each")):
            f = space.get(name)
            if f:
                lines.append(f"| {label} | {f['documents']:,} | {f['sectors']:,} | "
                             f"{f['ratio']:.2f} | {f['pack_count']} ({f['packs']:,}) | "
                             f"{f['catalog_pages_both_copies']:,} | {f['search_indexes']:,} | "
                             f"{f['root_and_other']:,} |")
        lines += ["", "Sectors in use are what a fresh unlock finds the compartment holding "
                  "after the last commit (contents and packs, both copies of every catalog page "
                  "and of the root, search indexes), 4,096 bytes each; small papers share "
                  "sectors in packs and catalog pages are compressed (docs/FORMAT.md §4, §6).",
                  ""]
    peak = vault.get("peak")
    if peak:
        lines += [f"## Peak memory, one file of {peak['file_mib']:,} MiB", "",
                  "| step | whole process (KDF included) | beyond the KDF's "
                  f"{peak['kdf_mib']:.0f} MiB | after unlock | peak after unlock | growth during "
                  "the step |", "|---|---|---|---|---|---|"]
        for step in ("unlock", "add", "get", "export"):
            f = peak[step]
            lines.append(f"| {step} | {f['whole_process_peak_mib']:.0f} MiB | "
                         f"{f['whole_process_beyond_kdf_mib']:.0f} MiB | "
                         f"{f['after_unlock_mib']:.0f} MiB | {f['peak_after_unlock_mib']:.0f} MiB"
                         f" | {f['growth_during_mib']:.0f} MiB |")
        lines += ["", "Each step runs in its own child process: its high-water mark (VmHWM) is "
                  "read once unlocked (the KDF's memory is in it), then reset (Linux "
                  "`clear_refs`) and read again across the step; the whole process's peak, what "
                  "`ru_maxrss` reports, is the larger.", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run only these (comma-separated: vault, bundle, kdf, "
                        "redact, burn_size, phone_photos, keep_text); RESULTS.md takes the "
                        "others from their last run")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    benches = {
        "vault": quick,
        "bundle": ["--size-mib", "256" if args.quick else "1024",
                   "--stream-gib", "0.5" if args.quick else "2"],
        "kdf": [],
        "redact": ["--quick"],   # 4 and 10 pages: the full set alone takes longer than the rest
        "burn_size": ["--quick"] if args.quick else [],
        "phone_photos": ["--pages", "6" if args.quick else "20", "--rounds", "3"],
        "keep_text": ["--quick"] if args.quick else [],
    }
    chosen = args.only.split(",") if args.only else list(benches)
    outputs = {name: run(name, arguments) if name in chosen else earlier(name)
               for name, arguments in benches.items()}
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`python -m bench`"
             f"{' --quick' if args.quick else ''}); the README's Figures table quotes this "
             "file. Nothing here is asserted by a test.", ""]
    if args.only:
        lines += [f"The last run was partial (`--only {args.only}`): the other sections are "
                  "those of the run before it.", ""]
    vault_json = RESULTS / "vault.json"
    if outputs["vault"][0] and vault_json.exists():
        lines += vault_section(json.loads(vault_json.read_text()))
    elif "vault" not in chosen:
        lines += kept_vault_section()
    for name, title in TITLES.items():
        ok, text = outputs[name]
        lines += [f"## {title}", "", "```", text.rstrip() if ok else "(failed: see its output)",
                  "```", ""]
    history = HERE / "before-after.md"
    if history.exists():
        lines += [history.read_text().rstrip(), ""]
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print(f"wrote {HERE / 'RESULTS.md'}")
    figures = redaction_figures()
    if figures and update_readme(figures, README_REDACTION_BEGIN, README_REDACTION_END):
        print(f"wrote the redaction figures in {README}")
    if "vault" in chosen and outputs["vault"][0] and \
            "| what | papka | reference (same rounds) | ratio |" in lines:
        if update_readme(comparison_table(lines)):
            print(f"wrote the comparison table in {README}")
        else:
            print("README.md has no markers for the comparison table; left as it was")
    return 0 if all(ok for ok, _ in outputs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
