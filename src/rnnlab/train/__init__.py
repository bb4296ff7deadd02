"""Training: one engine-agnostic loop that emits events, and the learners of both engines."""

from rnnlab.train.build import build_learner, build_torch_model, check_engine
from rnnlab.train.learner import EvalOutput, Learner, StepResult
from rnnlab.train.trainer import Trainer

__all__ = [
    "EvalOutput",
    "Learner",
    "StepResult",
    "Trainer",
    "build_learner",
    "build_torch_model",
    "check_engine",
]
