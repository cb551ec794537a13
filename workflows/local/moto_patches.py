"""One patch of moto 5.2.5's DynamoDB: TransactWriteItems journals the items it touches instead of
copying every table it names.

Why: ``DynamoDBBackend.transact_write_items`` (moto/dynamodb/models/__init__.py) starts with
``original_table_state[table_name] = copy.deepcopy(self.tables[table_name])`` for every table of
the request, so that on a cancelled transaction it can put the copy back. Every transaction therefore
costs O(items in the table): the signup workflow's one transaction went from ~25 signups/s on an
empty table to ~4/s at +5,000 items, and a 100,000-item table made every signup time out.

What this patch changes, and only that: while moto's own ``transact_write_items`` runs, the
``copy.deepcopy`` of a *Table* in that module hands back the table itself (so moto's "backup" and
its "restore" become no-ops), and a journal taken before the call - a deep copy of each item the
transaction names (at most 100), whether its hash bucket existed, and the length of each table's
stream - undoes exactly those writes if the call raises. moto's code still does everything else:
the validation, the per-operation condition checks against the pre-transaction items, the
MultipleTransactionsException for two operations on one item, the TransactionCanceledException with
one cancellation reason per operation (``ConditionalCheckFailed`` with ``Item`` for
``ReturnValuesOnConditionCheckFailure: ALL_OLD``, ``None`` for the others) - all-or-nothing as before.

Two deliberate differences, both towards DynamoDB's documented all-or-nothing:
- a request that fails *outside* moto's per-operation handler (TransactWriteSingleOpException for an
  entry naming two operations, found after earlier entries were written) is undone too; moto left
  the earlier writes in place;
- a table named by its ARN is undone too; moto only backed up tables named by name.
Where the journal cannot name an item up front (a Put without its key attributes, an Update whose
Key lacks the hash key), the table it names is copied as moto always did: no shortcut is taken
where the shortcut's correctness is not evident.

moto (5.2.5) does not implement ClientRequestToken idempotency: it accepts the token and ignores it;
this patch does not change that.

The patch is pinned: it refuses to apply to any moto version but ``PINNED_MOTO_VERSION``, and to any
source of the functions it relies on (the patched function and the Table storage methods whose
layout the journal reads and restores) whose SHA-256 differs from what was reviewed. An upgrade of
moto must re-read those functions, then update ``REVIEWED_SOURCES``.
"""
from __future__ import annotations

import contextvars
import copy
import hashlib
import inspect
import threading
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import moto
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamRecord, Table

PINNED_MOTO_VERSION = "5.2.5"
# SHA-256 of inspect.getsource() of each function the patch depends on, as reviewed for 5.2.5.
REVIEWED_SOURCES = {
    "DynamoDBBackend.transact_write_items": "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4",
    "Table.put_item": "de23933013ef842639046c19bcf7e418bce0474d810f6719368be4cedce11d47",
    "Table.get_item": "b08e98fe37b7e5836afe03b010d637ef50df5dea6cbecd9cf8816eef326a21cd",
    "Table.delete_item": "1594f7b07616c8cb8cdf0fbf58d6f54eeac83f25d7ac7b14e832a08e10efd8f9",
}
_SOURCES: dict[str, Callable[..., Any]] = {
    "DynamoDBBackend.transact_write_items": DynamoDBBackend.transact_write_items,
    "Table.put_item": Table.put_item,
    "Table.get_item": Table.get_item,
    "Table.delete_item": Table.delete_item,
}


class MotoPatchError(RuntimeError):
    """The installed moto is not the one this patch was reviewed against."""


def source_digest(function: Callable[..., Any]) -> str:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError) as error:  # installed without sources: nothing to compare
        raise MotoPatchError(f"cannot read moto's source of {function.__qualname__}: {error}") from None


# Tables whose deepcopy is skipped in the current transaction (None: outside any patched call).
_UNCOPIED: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar(
    "workflows_moto_uncopied_tables", default=None)


class _CopyModule(types.ModuleType):
    """Stands in for ``copy`` inside moto.dynamodb.models: a Table the running patched transaction
    journals is not copied; everything else is the real ``copy`` module's."""

    def __init__(self) -> None:
        super().__init__("copy", "copy, except for the tables a patched TransactWriteItems journals")

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        uncopied = _UNCOPIED.get()
        if uncopied is not None and isinstance(value, Table) and id(value) in uncopied:
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


@dataclass
class _Saved:
    """One item as it was before the transaction (None: absent), and whether its bucket existed."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None
    had_bucket: bool


@dataclass
class Journal:
    """What one transaction may change, saved before it runs; `restore()` puts it back."""

    saved: dict[tuple[int, DynamoType, DynamoType | None], _Saved] = field(default_factory=dict)
    streams: list[tuple[Table, list[StreamRecord], int]] = field(default_factory=list)
    journaled: set[int] = field(default_factory=set)  # id() of tables fully covered by `saved`

    @classmethod
    def before(cls, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> "Journal":
        journal, unnamed = cls(), set()
        tables: dict[int, Table] = {}
        for entry in transact_items:
            for op_type, op in (entry.items() if isinstance(entry, dict) else ()):
                if not isinstance(op, dict):
                    continue
                try:
                    table = backend.get_table(op.get("TableName", ""))
                except Exception:
                    continue  # moto reports the unknown table; nothing of it can change
                tables[id(table)] = table
                key = op.get("Item") if op_type == "Put" else op.get("Key")
                keys = _key_of(table, key)
                if keys is None:
                    unnamed.add(id(table))
                else:
                    journal._save(table, *keys)
        for table_id, table in tables.items():
            if table_id not in unnamed:
                journal.journaled.add(table_id)
            shard = table.stream_shard
            if shard is not None:
                journal.streams.append((table, shard.items, len(shard.items)))
        return journal

    def _save(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        slot = (id(table), hash_key, range_key)
        if slot in self.saved:
            return  # a second operation on one item: moto refuses it; the first state is the one to keep
        if range_key is None:
            item, had_bucket = table.items.get(hash_key), True
        else:
            bucket = table.items.get(hash_key)  # .get: no empty bucket made by looking
            item, had_bucket = (bucket.get(range_key) if bucket is not None else None), bucket is not None
        self.saved[slot] = _Saved(table, hash_key, range_key, copy.deepcopy(item), had_bucket)

    def restore(self) -> None:
        for saved in self.saved.values():
            items = saved.table.items
            if saved.range_key is None:
                if saved.item is None:
                    items.pop(saved.hash_key, None)
                else:
                    items[saved.hash_key] = saved.item
                continue
            if saved.item is not None:
                items[saved.hash_key][saved.range_key] = saved.item
                continue
            bucket = items.get(saved.hash_key)
            if bucket is not None:
                bucket.pop(saved.range_key, None)
                if not bucket and not saved.had_bucket:
                    del items[saved.hash_key]
        for table, records, length in self.streams:
            shard = table.stream_shard
            if shard is None:
                continue
            if shard.items is records:
                del records[length:]
            else:  # moto handed the records to a Lambda and started a new list
                shard.items = records[:length]


def _key_of(table: Table, attrs: Any) -> tuple[DynamoType, DynamoType | None] | None:
    """(hash, range) of the item `attrs` names, as moto keys `Table.items`; None if it names none."""
    if not isinstance(attrs, dict) or table.hash_key_attr not in attrs:
        return None
    try:
        hash_key = DynamoType(attrs[table.hash_key_attr])
        if table.range_key_attr is None:
            return hash_key, None
        if table.range_key_attr not in attrs:
            return None
        return hash_key, DynamoType(attrs[table.range_key_attr])
    except Exception:
        return None


_applied = threading.Lock()
_original: Callable[..., None] | None = None


def check_reviewed() -> None:
    """Raise MotoPatchError unless moto and the functions the patch relies on are the reviewed ones."""
    if moto.__version__ != PINNED_MOTO_VERSION:
        raise MotoPatchError(f"the TransactWriteItems patch is reviewed for moto=={PINNED_MOTO_VERSION}, "
                             f"found moto=={moto.__version__}: re-read moto's transact_write_items")
    for name, function in _SOURCES.items():
        if source_digest(function) != REVIEWED_SOURCES[name]:
            raise MotoPatchError(f"moto's {name} is not the source the TransactWriteItems patch was "
                                 f"reviewed against (sha256 {source_digest(function)}): re-read it, then "
                                 "update workflows/local/moto_patches.REVIEWED_SOURCES")


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's transact_write_items with a journal of the named items instead of table copies."""
    assert _original is not None
    journal = Journal.before(self, transact_items)
    token = _UNCOPIED.set(frozenset(journal.journaled))
    try:
        _original(self, transact_items)
    except BaseException:
        journal.restore()
        raise
    finally:
        _UNCOPIED.reset(token)


def apply() -> None:
    """Install the patch (idempotent). Raises MotoPatchError on an unreviewed moto."""
    global _original
    with _applied:
        if _original is not None:
            return
        check_reviewed()
        _original = DynamoDBBackend.transact_write_items
        dynamodb_models.copy = _CopyModule()  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def applied() -> bool:
    return _original is not None
