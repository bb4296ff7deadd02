"""A relative data path is found next to the config file, wherever rnnlab is run from."""

from __future__ import annotations

from rnnlab import service
from rnnlab.spec.run import load_run_config


def test_relative_paths_are_taken_from_the_configs_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "series.csv").write_text("v\n" + "\n".join(str(i % 7) for i in range(60)) + "\n")
    config = folder / "run.yaml"
    config.write_text(
        "task: forecast\ndata: {path: series.csv, seq_len: 6}\n"
        "model: {hidden_size: 4}\ntrain: {max_steps: 2}\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_run_config(config).data.path == str(folder / "series.csv")
    assert service.train(config, home=tmp_path / "home")["status"] == "finished"


def test_samples_and_paths_found_from_the_working_directory_stay_as_they_are(tmp_path, monkeypatch):
    config = tmp_path / "run.yaml"
    config.write_text("task: language-model\ndata: {path: 'sample:tiny_stories'}\n")
    assert load_run_config(config).data.path == "sample:tiny_stories"
    (tmp_path / "here.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    config.write_text("task: language-model\ndata: {path: here.txt}\n")
    assert load_run_config(config).data.path == "here.txt"
