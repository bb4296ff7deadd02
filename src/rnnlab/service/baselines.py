"""A forecaster's validation errors beside those of the naive forecasts on the same windows.

The rows come from a run's details (``run_details``): the metrics of the checkpoint that
predict/forecast use (or the last evaluation), and the baselines of the data summary
(computed on the original scale, like the model's RMSE/MAE). CLI and web show the same rows.
"""

from __future__ import annotations

from typing import Any

BASELINE_NAMES = {"naive": "naive (last value)", "seasonal_naive": "seasonal naive"}


def forecast_comparison(details: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "rmse", "mae"}, ...]``: the model, then each baseline; [] when the run
    is not a forecaster or has no validation metrics yet."""
    if details.get("task") != "forecast":
        return []
    baselines = (details.get("summary") or {}).get("baselines") or {}
    used = details.get("checkpoint_used") or {}
    metrics = used.get("metrics") if used.get("tag") else None
    metrics = metrics or details.get("final_metrics") or {}
    if "val_rmse" not in metrics or "naive" not in baselines:
        return []
    which = used.get("label") or "last evaluation"
    rows = [{"name": f"model ({which})", "rmse": metrics["val_rmse"], "mae": metrics["val_mae"]}]
    for key, name in BASELINE_NAMES.items():
        if key in baselines:
            season = baselines[key].get("season")
            label = f"{name}, m={season}" if season else name
            rows.append(
                {"name": label, "rmse": baselines[key]["rmse"], "mae": baselines[key]["mae"]}
            )
    return rows


def comparison_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The rows as aligned text lines under a header (empty when there are no rows)."""
    if not rows:
        return []
    title = "validation, original units"
    width = max(len(title), *(len(r["name"]) for r in rows))
    head = f"{title:<{width}}  {'RMSE':>10}  {'MAE':>10}"
    return [head] + [f"{r['name']:<{width}}  {r['rmse']:>10.4g}  {r['mae']:>10.4g}" for r in rows]


def missing_note(summary: dict[str, Any]) -> str:
    """A line on the gaps data.missing filled or dropped ("" when the series had none),
    e.g. data: 59 missing value(s) in 'co2': 59 filled, 0 dropped (data.missing: interpolate)."""
    missing = summary.get("missing") or {}
    if not missing.get("missing"):
        return ""
    return (
        f"data: {missing['missing']} missing value(s) in {summary.get('value_column')!r}: "
        f"{missing['filled']} filled, {missing['dropped']} dropped (data.missing: "
        f"{missing['mode']})"
    )
