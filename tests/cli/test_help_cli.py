"""Every command's --help ends with an example of its use."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import invoke

COMMANDS = [
    ["train"],
    ["runs", "list"],
    ["runs", "show"],
    ["runs", "rm"],
    ["predict"],
    ["generate"],
    ["forecast"],
    ["trace"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_an_example(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    example = result.stdout[result.stdout.index("Example") :]
    assert f"rnnlab {' '.join(command)} " in example  # the example runs this very command


HEAVY = ("torch", "matplotlib", "fastapi", "gensim", "scipy", "sklearn")


def test_the_cli_starts_without_loading_heavy_libraries() -> None:
    """`rnnlab --help` / `--version` load only the CLI; torch and friends load when used."""
    code = (
        "import sys, rnnlab.cli.main, rnnlab.service\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_lazy_service_names_each_resolve() -> None:
    from rnnlab import service

    for _ in range(2):  # the second time too: no name is shadowed by a submodule's
        assert all(callable(getattr(service, n)) or n.isupper() for n in service.__all__)
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = service.no_such_thing


def test_make_and_readme_say_how_to_reach_the_rnnlab_command() -> None:
    root = Path(__file__).parents[2]
    makefile = (root / "Makefile").read_text()
    for target in ("run", "test"):
        recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert "@echo" in recipe and "$(BIN)/rnnlab" in recipe and "$(BIN)/activate" in recipe
    readme = (root / "README.md").read_text()
    assert ". .venv/bin/activate" in readme and ".venv/bin/rnnlab" in readme


def test_embed_plot_help_example_runs_and_highlights_on_the_whole_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    example = invoke("embed", "plot", "--help").stdout.split("Example:", 1)[1].split()
    assert example[:3] == ["rnnlab", "embed", "plot"]
    words = ["king", "queen", "man", "woman", "apple", "pear", "car", "bus"]
    emb = tmp_path / "emb.txt"
    rows = [f"{w} {i % 3} {i // 3} {(i * 7) % 5 - 2}" for i, w in enumerate(words, 1)]
    emb.write_text("\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    args = [str(emb) if a == "emb.txt" else a for a in example[3:]]
    result = invoke("embed", "plot", *args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"
    figure = service.embed_map(emb, ["king,queen", "man", "woman"])
    assert figure["labels"] == words  # every word is on the map
    assert figure["highlight"] == [True] * 4 + [False] * 4
    assert "highlighted: king, queen, man, woman" in figure["subtitle"]


EXAMPLE_CONFIGS = sorted((Path(__file__).parents[2] / "examples" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("config", EXAMPLE_CONFIGS, ids=lambda p: p.stem)
def test_each_example_config_says_how_long_it_took_here(config: Path) -> None:
    """The time in the comment is a measurement (with its conditions), not a hope."""
    header = " ".join(line for line in config.read_text().splitlines() if line.startswith("#"))
    assert re.search(r"Time: about [\d.]+(-[\d.]+)? min on 2 idle CPU cores", header), header
    assert "measured" in header and "30 s" not in header


def test_the_readme_does_not_promise_seconds_for_the_examples() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "each trains in seconds" not in readme
