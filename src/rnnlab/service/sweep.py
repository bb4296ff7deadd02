"""Sweeps: many ordinary runs of one config with sampled fields, searched by Optuna.

Each trial is a run trained by ``service.train`` with the sampled values as --set
overrides, named ``SWEEP-tN`` and tagged in its summary (``summary["sweep"]``, what
``runs list --sweep`` filters on). The objective is the run's selection metric
(``RunConfig.selection_metric``: accuracy is maximised, loss and rmse minimised); every
evaluation reports it to the trial, and Optuna's median pruner stops a trial whose curve
is worse than the median of the completed ones at the same step: the run ends
``interrupted`` with a message that says so, its checkpoint kept.

The sweep lives in Optuna's RDB storage: by default a SQLite file beside the run store
(``$RNNLAB_HOME/sweeps.db``), or any SQLAlchemy URL (``postgresql://...``) several
machines share. Optuna is imported here only, when a sweep command runs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab.errors import ConfigError, RnnlabError, RunNotFound, StoreUnavailable
from rnnlab.events import Evaluated, Event
from rnnlab.service.arguments import check_seed, whole_number
from rnnlab.service.sweep_defaults import MAX_JOBS, MAX_TRIALS, STARTUP_TRIALS, WARMUP_EVALS
from rnnlab.service.sweep_params import (
    SweepParam,
    check_against_config,
    check_sweep_name,
    override,
    parse_params,
)
from rnnlab.service.training import check_run, load_config, train
from rnnlab.spec.run import MAX_STEPS
from rnnlab.store import Store, default_home
from rnnlab.store.records import new_run_id
from rnnlab.train.metrics import Selection

STORAGE_FILE = "sweeps.db"  # beside the run store's rnnlab.db
CONNECT_SECONDS = 5  # a database server that does not answer is an error this soon
TrialCallback = Callable[[dict[str, Any]], None]


def run_sweep(
    source: str | Path | dict[str, Any],
    params: list[str],
    trials: int,
    jobs: int = 1,
    storage: str | None = None,
    name: str | None = None,
    overrides: list[str] | None = None,
    home: str | Path | None = None,
    startup_trials: int = STARTUP_TRIALS,
    warmup_evals: int = WARMUP_EVALS,
    seed: int | None = None,
    on_trial: TrialCallback | None = None,
) -> dict[str, Any]:
    """Run `trials` more trials of sweep `name` (new, or continued when the storage has
    it); returns ``show_sweep``'s summary. Every input error comes before any write."""
    whole_number("--trials", trials, 1, MAX_TRIALS)
    whole_number("--jobs", jobs, 1, MAX_JOBS)
    whole_number("startup_trials", startup_trials, 0, MAX_TRIALS)
    whole_number("--warmup-evals", warmup_evals, 0, MAX_STEPS)
    check_seed(seed, "--seed")
    overrides = list(overrides or [])
    space = parse_params(params)
    check_against_config(space, source, overrides)
    check_run(source, overrides)  # the data and the engine: errors every trial would meet
    metric = load_config(source, overrides).selection_metric
    name = check_sweep_name(name) if name is not None else f"sweep-{new_run_id()}"
    pruning = (startup_trials, warmup_evals)
    study, shown = _open_study(name, metric, space, storage, home, pruning, seed)
    objective = _Objective(source, overrides, space, metric, name, home)
    callbacks = [] if on_trial is None else [lambda _s, t: on_trial(_trial_row(t))]
    try:
        study.optimize(objective, trials, n_jobs=jobs, catch=(RnnlabError,), callbacks=callbacks)
    except _Stopped as stop:
        return sweep_summary(study, shown) | {"stopped": str(stop)}
    return sweep_summary(study, shown)


def _open_study(
    name: str,
    metric: str,
    space: list[SweepParam],
    storage: str | None,
    home: str | Path | None,
    pruning: tuple[int, int],
    seed: int | None,
) -> tuple[Any, str]:
    """The Optuna study of sweep `name` (created, or loaded to be continued) and the
    storage URL as shown in messages. `pruning`: (startup trials, warmup evaluations) of
    the median pruner; a trial reports its k-th evaluation as step k, so trials compare at
    the same evaluation whatever their batch size."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # trials' ends: on_trial and the summary
    rdb, shown = open_storage(storage, home)
    study = optuna.create_study(
        storage=rdb,
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(
            n_startup_trials=pruning[0], n_warmup_steps=pruning[1] + 1
        ),
        study_name=name,
        direction="maximize" if Selection(metric).higher_is_better else "minimize",
        load_if_exists=True,
    )
    _check_same_sweep(study, space, metric, shown)
    return study, shown


def open_storage(
    url: str | None, home: str | Path | None = None, create: bool = True
) -> tuple[Any, str]:
    """Optuna's RDB storage at `url` (default: sweeps.db beside the run store, made when
    `create`) and the URL as shown in messages (password hidden); a clear error when it
    cannot be opened."""
    import optuna
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if url is None:
        folder = Path(home).expanduser() if home is not None else default_home()
        if not create and not (folder / STORAGE_FILE).is_file():
            raise RunNotFound(
                f"no sweeps yet: {folder / STORAGE_FILE} does not exist (rnnlab sweep CONFIG "
                "--param ... makes it; --storage URL reads a sweep stored elsewhere)"
            )
        with Store(folder):  # creates the run store folder as a run would
            pass
        url = f"sqlite:///{folder / STORAGE_FILE}"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"--storage {url!r}: not a database URL; expected e.g. "
            "postgresql://user@host/db or sqlite:///path/sweeps.db"
        ) from None
    shown = parsed.render_as_string(hide_password=True)
    remote = parsed.get_backend_name() in ("postgresql", "mysql")
    engine = {"connect_args": {"connect_timeout": CONNECT_SECONDS}} if remote else {}
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=engine), shown
    except ImportError:
        raise ConfigError(
            f"--storage {shown}: the {parsed.get_backend_name()} database driver is not "
            "installed (postgresql: pip install 'rnnlab[postgres]', i.e. psycopg[binary])"
        ) from None
    except Exception as err:  # SQLAlchemy's OperationalError & co: nothing was written
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise StoreUnavailable(
            f"--storage {shown}: cannot open the sweep storage: {reason}"
        ) from None


def show_sweep(
    ref: str,
    storage: str | None = None,
    home: str | Path | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Best trial, parameter importance and the trials of sweep `ref`; with `out`, the
    parallel-coordinates figure as a PNG file."""
    import optuna

    rdb, shown = open_storage(storage, home, create=False)
    names = sorted(optuna.get_all_study_names(rdb))
    if ref not in names:
        known = ", ".join(names) or "none yet"
        raise RunNotFound(f"no sweep named {ref!r} in {shown}; sweeps there: {known}")
    summary = sweep_summary(optuna.load_study(study_name=ref, storage=rdb), shown)
    if out is not None:
        from rnnlab.viz.sweep_figure import parallel_coordinates

        summary["figure"] = str(parallel_coordinates(summary, out))
    return summary


def sweep_summary(study: Any, shown: str) -> dict[str, Any]:
    """The sweep as plain data: trials, best trial, importance (or why there is none)."""
    rows = [_trial_row(t) for t in study.get_trials(deepcopy=False)]
    complete = [row for row in rows if row["state"] == "complete"]
    attrs = study.user_attrs
    summary: dict[str, Any] = {
        "sweep": study.study_name,
        "storage": shown,
        "metric": attrs.get("metric"),
        "direction": study.direction.name.lower(),
        "space": attrs.get("space", []),
        "trials": rows,
        "counts": {state: sum(r["state"] == state for r in rows) for state in _STATES},
        "best": None,
    }
    if complete:
        best = study.best_trial
        summary["best"] = next(row for row in rows if row["number"] == best.number)
    summary["importance"], summary["importance_note"] = _importance(study, len(complete))
    return summary


_STATES = ("complete", "pruned", "fail", "running", "waiting")


def _importance(study: Any, complete: int) -> tuple[dict[str, float], str | None]:
    import optuna

    if complete < 2:
        return (
            {},
            f"parameter importance needs at least 2 complete trials; this sweep has {complete}",
        )
    try:
        with warnings.catch_warnings():  # e.g. "importances will be equal": the values say it
            warnings.simplefilter("ignore")
            importance = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as err:  # e.g. every trial took the same values
        return {}, f"parameter importance could not be computed: {err}"
    return {key: float(value) for key, value in importance.items()}, None


def _trial_row(trial: Any) -> dict[str, Any]:
    value = trial.value
    return {
        "number": trial.number,
        "state": trial.state.name.lower(),
        "value": None if value is None or not math.isfinite(value) else float(value),
        "params": dict(trial.params),
        "run_id": trial.user_attrs.get("run_id"),
        "message": trial.user_attrs.get("message"),
    }


def _check_same_sweep(study: Any, space: list[SweepParam], metric: str, shown: str) -> None:
    """A continued sweep keeps its search space and metric; a new one records them."""
    wanted = [param.to_json() for param in space]
    attrs = study.user_attrs
    if not attrs:
        study.set_user_attr("space", wanted)
        study.set_user_attr("metric", metric)
        return
    if attrs.get("space") != wanted or attrs.get("metric") != metric:
        fields = ", ".join(p["field"] for p in attrs.get("space", []))
        raise ConfigError(
            f"--name {study.study_name}: this sweep in {shown} searches {fields} by "
            f"{attrs.get('metric')}; continue it with the same --param values and config "
            "task, or choose another --name"
        )


class _Stopped(Exception):
    """A trial's run was interrupted by the user (Ctrl-C): the sweep stops too."""


class _Objective:
    """One trial: sample the values, train the run, report its evaluations, score it."""

    def __init__(
        self,
        source: str | Path | dict[str, Any],
        overrides: list[str],
        space: list[SweepParam],
        metric: str,
        name: str,
        home: str | Path | None,
    ) -> None:
        self.source, self.overrides, self.space = source, overrides, space
        self.key, self.name, self.home = f"val_{metric}", name, home

    def __call__(self, trial: Any) -> float:
        import optuna

        values = {param.field: _suggest(trial, param) for param in self.space}
        items = [override(field, value) for field, value in values.items()]
        items.append(override("name", f"{self.name}-t{trial.number}"))
        watch = _TrialWatch(trial, self.key, self.name, values, self.home)
        try:
            details = train(
                self.source,
                [*self.overrides, *items],
                on_event=watch.on_event,
                on_created=watch.created,
                home=self.home,
                trainer_hook=watch.hook,
            )
        except RnnlabError as err:  # the trial fails, the sweep goes on
            trial.set_user_attr("message", str(err))
            raise
        status, run_id = details["status"], details["id"]
        if watch.pruned is not None:
            watch.mark_pruned(run_id)
            raise optuna.TrialPruned(watch.pruned)
        if status == "interrupted":
            raise _Stopped(f"run {run_id} of trial {trial.number} was interrupted")
        value = details["best_metrics"].get(self.key, details["final_metrics"].get(self.key))
        if status in ("diverged", "failed") or value is None or not math.isfinite(value):
            message = f"run {run_id} ended {status} without a {self.key}: {details['message']}"
            trial.set_user_attr("message", message)
            raise RnnlabError(message)  # the trial fails, the sweep goes on
        return float(value)


def _suggest(trial: Any, param: SweepParam) -> Any:
    if param.categorical:
        return trial.suggest_categorical(param.field, list(param.choices))
    if param.integer:
        return trial.suggest_int(param.field, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.field, float(param.low), float(param.high), log=param.log)


class _TrialWatch:
    """Tags the trial's run, reports each evaluation to Optuna, stops the run when pruned."""

    def __init__(self, trial: Any, key: str, sweep_name: str, values: dict, home: Any) -> None:
        self.trial, self.key, self.sweep_name = trial, key, sweep_name
        self.values, self.home = values, home
        self.trainer: Any = None
        self.evaluations = 0
        self.pruned: str | None = None

    def hook(self, trainer: Any) -> None:
        self.trainer = trainer

    def created(self, run_id: str) -> None:
        self.trial.set_user_attr("run_id", run_id)
        tag = {"id": self.sweep_name, "trial": self.trial.number, "params": self.values}
        with Store(self.home) as store:
            store.set_summary(run_id, store.get_run(run_id).summary | {"sweep": tag})

    def on_event(self, event: Event) -> None:
        if not isinstance(event, Evaluated) or self.pruned is not None:
            return
        self.evaluations += 1
        value = event.metrics.get(self.key)
        if value is None or not math.isfinite(value):
            return
        self.trial.report(value, self.evaluations)
        if self.trial.should_prune():
            self.pruned = (
                f"pruned by sweep {self.sweep_name} (trial {self.trial.number}) at step "
                f"{event.step} (evaluation {self.evaluations}): {self.key} {value:.4g} is "
                "worse than the median of the completed trials there; its checkpoint is kept"
            )
            self.trainer.request_stop()

    def mark_pruned(self, run_id: str) -> None:
        """The run ended `interrupted` by the stop request: say why in its message."""
        with Store(self.home) as store:
            if store.get_run(run_id).status == "interrupted":
                store.set_status(run_id, "interrupted", self.pruned)
        self.trial.set_user_attr("message", self.pruned)
