"""Specifications: what to build and run, read from YAML/JSON and validated."""

from rnnlab.spec.io import load_mapping, validation_message

__all__ = ["load_mapping", "validation_message"]
