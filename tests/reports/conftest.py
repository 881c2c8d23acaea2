"""The report tests use the premises tests' sample store."""

from tests.premises.conftest import pack, sample_db  # noqa: F401
