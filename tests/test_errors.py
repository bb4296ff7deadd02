"""errors.error_kind: an error that crossed a process boundary by name comes back as its kind."""

from __future__ import annotations

from rnnlab.errors import DataError, RnnlabError, RunBusy, StoreUnavailable, error_kind
from rnnlab.store.connection import StoreBusy, StoreDamaged


def test_a_kind_is_found_by_its_name_here_or_in_a_module_that_defines_it() -> None:
    assert error_kind(["RunBusy"]) is RunBusy
    assert error_kind(["StoreDamaged", "DataError", "RnnlabError"]) is StoreDamaged
    assert error_kind(["StoreBusy"]) is StoreBusy and issubclass(StoreBusy, StoreUnavailable)


def test_an_unknown_kind_falls_back_to_the_first_known_base() -> None:
    assert error_kind(["SomethingNew", "DataError", "RnnlabError"]) is DataError
    assert error_kind(["SomethingNew"]) is RnnlabError
    assert error_kind([]) is RnnlabError
