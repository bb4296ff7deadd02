"""One layer numbering everywhere: layer 0 is the first, as in PyTorch's ``weight_ih_l0``,
the API's and `plot --layer`'s index and the figures' titles."""

from __future__ import annotations

from rnnlab import service
from rnnlab.viz import gradient_flow


def test_the_build_table_and_the_figures_call_the_first_layer_the_same() -> None:
    probes = [{"step": 1, "series": [{"layer": 0, "direction": "forward", "norms": [1.0, 2.0]}]}]
    figure = gradient_flow(probes, layer=0)
    assert "layer 0, forward" in figure["title"]
    assert service.parameter_symbol("rnn.weight_ih_l0") == "W_xh (layer 0)"
    assert service.parameter_symbol("rnn.weight_hh_l1_reverse") == "W_hh (layer 1, backward)"
