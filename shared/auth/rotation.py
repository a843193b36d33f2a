"""Key rotation for every encrypted column: move ciphertexts to the key ring's current key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .crypto import KeyRing
from .db import Tx


def reencrypt_table(
    tx: Tx, keys: KeyRing, table: str, id_columns: Sequence[str], context: Callable[[tuple[Any, ...]], str]
) -> int:
    """Re-encrypt `table.ciphertext` rows not under the current key; returns how many moved.

    `context(ids)` must give the associated data the row was encrypted with. A row changed meanwhile
    (its ciphertext no longer the one read) is left alone: the writer already used the current key.
    """
    columns = ", ".join(id_columns)
    where = " AND ".join(f"{column} = ?" for column in id_columns)
    moved = 0
    for row in tx.rows(f"SELECT {columns}, ciphertext FROM {table}"):
        ids, ciphertext = tuple(row[:-1]), row[-1]
        if keys.is_current(ciphertext):
            continue
        fresh = keys.encrypt(keys.decrypt(ciphertext, context(ids)), context(ids))
        moved += tx.exec(
            f"UPDATE {table} SET ciphertext = ? WHERE {where} AND ciphertext = ?", (fresh, *ids, ciphertext)
        )
    return moved
