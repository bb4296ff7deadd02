"""Defaults and limits of ``rnnlab sweep`` (no imports: the CLI reads them at start-up)."""

SWEEP_TRIALS = 20  # trials a sweep runs when not told
STARTUP_TRIALS = 5  # trials that complete before the median pruner stops any
WARMUP_EVALS = 1  # a trial's first evaluations (the noisiest) never prune it
MAX_TRIALS = 10_000
MAX_JOBS = 64
