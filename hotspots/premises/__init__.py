"""Licensed premises: the register, its import, search, and checks around one premises.

Everything here is pure analysis over frames and the store interface; the web
service (api/routes/premises.py) and the CLI (hotspots/cli_premises.py) call it.
"""

from __future__ import annotations

from hotspots.store.premises_sqlite import PremisesRegister

__all__ = ["PremisesRegister", "register_of"]


def register_of(store: object) -> PremisesRegister:
    """The premises register kept in ``store`` (its database, or its SQLite file)."""
    own_register = getattr(store, "premises_register", None)
    if own_register is not None:  # the PostGIS store
        return own_register()  # type: ignore[no-any-return]
    path = getattr(store, "path", None)
    if path is None:
        from hotspots.errors import StoreError

        raise StoreError(f"{type(store).__name__} keeps no premises register")
    return PremisesRegister(path)
