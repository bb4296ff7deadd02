"""`rnnlab plot RUN --figure gradient-flow` without --direction draws the first series the
run's probes recorded: forward for a one-network run, the encoder for a seq2seq run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import EXAMPLES, invoke

PROBED = [
    "data.path=seq2seq:reverse?size=3&n=64&val=8",
    "embedding.dim=8",
    "model.hidden_size=8",
    "train.max_steps=4",
    "train.batch_size=16",
    "train.probe_every=2",
]


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("cli-flow")
    return home, service.train(EXAMPLES / "reverse.yaml", PROBED, home=home)["id"]


@pytest.fixture
def run_id(probed, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("RNNLAB_HOME", str(probed[0]))
    return probed[1]


def test_a_seq2seq_runs_gradient_flow_defaults_to_its_encoder(run_id, tmp_path: Path) -> None:
    out = tmp_path / "flow.png"
    result = invoke("plot", run_id, "--figure", "gradient-flow", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(invoke("plot", run_id, "--figure", "gradient-flow", "--json").stdout)
    assert data["title"] == "Gradient flow: layer 0, encoder"


def test_the_decoder_is_drawn_when_asked(run_id) -> None:
    result = invoke("plot", run_id, "--figure", "gradient-flow", "--direction", "decoder", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == "Gradient flow: layer 0, decoder"


def test_a_direction_not_recorded_is_an_error_naming_those_there_are(run_id) -> None:
    result = invoke("plot", run_id, "--figure", "gradient-flow", "--direction", "forward", "--json")
    assert result.exit_code == 1
    assert "no series for layer 0, direction 'forward'" in result.stderr
    assert "available (layer, direction): (0, decoder), (0, encoder)" in result.stderr
