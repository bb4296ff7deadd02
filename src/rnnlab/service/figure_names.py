"""The names of a run's figures: a light module, read by the CLI's option choices
without loading the plotting code."""

FIGURES = (
    "curves",
    "gradient-flow",
    "gradient-flow-last",
    "states",
    "gates",
    "confusion",
    "forecast",
    "histograms",
    "attention",
)
