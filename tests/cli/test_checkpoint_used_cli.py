"""`runs list`, `runs show` and `train` say which checkpoint predict/generate/forecast use
(best by train.select_by, or last) and show its metrics; a tiny validation split warns."""

from __future__ import annotations

from pathlib import Path

from rnnlab import service

from .conftest import EXAMPLES, TINY, invoke, set_args

TUTORIAL = (
    "Here is some sample text to demonstrate text generation with RNN. This is a simple example.\n"
)


def scripted_classifier(home: Path) -> str:
    """Evaluations say: lowest loss at step 2 (accuracy 0.75), best accuracy at step 3."""
    script = iter(
        {"val_loss": loss, "val_accuracy": acc, "val_f1": acc}
        for loss, acc in [(0.60, 0.70), (0.50, 0.75), (0.55, 0.8125), (0.58, 0.7875)]
    )

    def scripted(trainer: object) -> None:
        trainer.evaluate = lambda: dict(next(script))

    overrides = [*TINY, "train.max_steps=4", "train.eval_every=1"]
    details = service.train(
        EXAMPLES / "sentiment.yaml", overrides, home=home, trainer_hook=scripted
    )
    return details["id"]


def test_runs_list_shows_the_metric_of_the_checkpoint_in_use(home: Path) -> None:
    run_id = scripted_classifier(home)
    result = invoke("runs", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if run_id in line)
    assert "accuracy 0.8125 (best@3 by accuracy)" in line  # not the final 0.7875
    assert "validation (used)" in result.stdout


def test_runs_show_names_the_checkpoint_in_use(home: Path) -> None:
    run_id = scripted_classifier(home)
    result = invoke("runs", "show", run_id)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "checkpoint used" in line)
    assert line.startswith("checkpoint used: best at step 3 by accuracy: ")
    assert "val_accuracy 0.8125" in line and "val_loss 0.55" in line


def test_a_tiny_validation_split_warns_in_train_list_and_show(home: Path, tmp_path: Path) -> None:
    text = tmp_path / "tutorial.txt"
    text.write_text(TUTORIAL)
    config = tmp_path / "tiny.yaml"
    config.write_text(
        f"task: language-model\ndata: {{path: {text}, tokenizer: word, seq_len: 8}}\n"
        "train: {batch_size: 1, max_steps: 4}\n"
    )
    trained = invoke("train", str(config), *set_args(TINY))
    assert trained.exit_code == 0, trained.output
    run_id = trained.stdout.strip().splitlines()[-1]
    assert "warning: the validation split has only 2 tokens" in trained.stderr
    assert "use the checkpoint: last, step 4 (validation split too small" in trained.stderr
    line = next(line for line in invoke("runs", "list").stdout.splitlines() if run_id in line)
    assert "(last)" in line
    shown = invoke("runs", "show", run_id).stdout
    assert "checkpoint used: last, step 4 (validation split too small to choose by)" in shown
    assert "warning: the validation split has only 2 tokens" in shown
