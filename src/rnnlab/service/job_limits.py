"""The default limits of the web server's jobs (``rnnlab serve --max-jobs --job-seconds
--job-memory-mb``), in a module light enough for the CLI to read at start."""

DEFAULT_MAX_JOBS = 2  # training processes at a time, and heavy requests at a time
DEFAULT_JOB_SECONDS = 300.0  # time budget of a heavy request (preview, embedding build)
DEFAULT_JOB_MEMORY_MB = 2048  # memory budget of a heavy request, beyond what it starts with
