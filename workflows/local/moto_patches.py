"""Patches of moto 5.2.5's DynamoDB, each keeping moto's results exactly and only removing work:
TransactWriteItems journals the items it touches instead of copying every table it names, and the
UpdateItem path parses each UpdateExpression once and asks each AST walker its node types once
(see "The UpdateItem path" below).

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

The UpdateItem path (why: a migrate_user deadline fallback is four UpdateItems, one transaction and
one AdminCreateUser; profiled at 1,000 users, moto's UpdateItem was ~40% of the local stack's CPU, a
fifth of it re-parsing the same few expression strings and rebuilding the same tuples per AST node):
- ``UpdateExpressionParser.make`` is memoized by expression string. Every caller only reads the AST
  (DynamoHandler.update_item and .transact_write_items collect the placeholders it names) or gives it
  to ``Validator``, whose ``__init__`` deep-copies it before any processor rewrites nodes; so a shared
  parse is never changed. An expression that does not parse raises every time (nothing is cached).
- ``DynamoDBBackend.update_item`` deep-copies the item before updating it (``orig_item``) only to hand
  the old image to the table's stream; on a table without a stream that copy is never read, so it is
  skipped (the item is handed back as is). Its cost grew with the item: migrate_user's counter item
  holds one allocation record per migration in flight, so a cohort of 1,000 fallbacks paid O(1,000)
  per allocation.
- ``DepthFirstTraverser.nodes_to_be_processed`` (called once per AST node per walker: ten walkers per
  UpdateItem) is remembered per walker class: every ``_processing_map`` in moto (validators.py, the
  only subclasses) is a dict literal keyed by node classes, so its keys depend on the class alone.

The patches are pinned: they refuse to apply to any moto version but ``PINNED_MOTO_VERSION``, and to
any source of the functions they rely on (the patched functions, the Table storage methods whose
layout the journal reads and restores, the callers of the parse and the walkers' module) whose
SHA-256 differs from what was reviewed. An upgrade of moto must re-read those functions, then update
``REVIEWED_SOURCES``.
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import hashlib
import inspect
import threading
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import moto
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamRecord, Table
from moto.dynamodb.parsing import validators as dynamodb_validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import Validator
from moto.dynamodb.responses import DynamoHandler

PINNED_MOTO_VERSION = "5.2.5"
# SHA-256 of inspect.getsource() of each function the patch depends on, as reviewed for 5.2.5.
REVIEWED_SOURCES = {
    "DynamoDBBackend.transact_write_items": "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4",
    "Table.put_item": "de23933013ef842639046c19bcf7e418bce0474d810f6719368be4cedce11d47",
    "Table.get_item": "b08e98fe37b7e5836afe03b010d637ef50df5dea6cbecd9cf8816eef326a21cd",
    "Table.delete_item": "1594f7b07616c8cb8cdf0fbf58d6f54eeac83f25d7ac7b14e832a08e10efd8f9",
    "UpdateExpressionParser.make": "2c00ed96d6e191f243b449166e75bfb38f307b2e19405bc0981847061e0dbee3",
    "DynamoHandler.update_item": "638893af1afd43d274f3788d61ac13b447729de915c6f5ad3bbf008b92dd8e80",
    "DynamoHandler.transact_write_items": "61c163fff213f33a39317a17fda194a9c1e800992421575d2080f4500bf45372",
    "DynamoDBBackend.update_item": "218984588dd689a5de81678ce11e6a40d05c91e7b6c21b44c4ed4122fe74aa9f",
    "Validator.__init__": "9489b532dd0fb359e273711c1a67971f1b73af47ddbaa91868e9cc42a26ddbb3",
    "DepthFirstTraverser": "ec3e3b9cd5fdd87f65cd0a2ac3627ffa7f8200d0c72f0e3f8b44eabadb3a3df5",
    "moto.dynamodb.parsing.validators": "345c1740c0c674a72a5ed56f5ea01ba385ccb69a1bf21f8c134b389d9b41a3e3",
}
_SOURCES: dict[str, Callable[..., Any]] = {
    "DynamoDBBackend.transact_write_items": DynamoDBBackend.transact_write_items,
    "Table.put_item": Table.put_item,
    "Table.get_item": Table.get_item,
    "Table.delete_item": Table.delete_item,
    "UpdateExpressionParser.make": UpdateExpressionParser.make,
    "DynamoHandler.update_item": DynamoHandler.update_item,
    "DynamoHandler.transact_write_items": DynamoHandler.transact_write_items,
    "DynamoDBBackend.update_item": DynamoDBBackend.update_item,
    "Validator.__init__": Validator.__init__,
    "DepthFirstTraverser": DepthFirstTraverser,  # type: ignore[dict-item]  # a class: its whole source
    "moto.dynamodb.parsing.validators": dynamodb_validators,  # type: ignore[dict-item]  # every walker
}


class MotoPatchError(RuntimeError):
    """The installed moto is not the one this patch was reviewed against."""


def source_digest(function: Any) -> str:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError) as error:  # installed without sources: nothing to compare
        name = getattr(function, "__qualname__", getattr(function, "__name__", function))
        raise MotoPatchError(f"cannot read moto's source of {name}: {error}") from None


# Tables whose deepcopy is skipped in the current transaction (None: outside any patched call).
_UNCOPIED: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar(
    "workflows_moto_uncopied_tables", default=None)


# True while DynamoDBBackend.update_item runs on a table without a stream.
_NO_STREAM_UPDATE: contextvars.ContextVar[bool] = contextvars.ContextVar("workflows_moto_no_stream_update",
                                                                         default=False)


class _CopyModule(types.ModuleType):
    """Stands in for ``copy`` inside moto.dynamodb.models: a Table the running patched transaction
    journals is not copied; everything else is the real ``copy`` module's."""

    def __init__(self) -> None:
        super().__init__("copy", "copy, except for the tables a patched TransactWriteItems journals")

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        uncopied = _UNCOPIED.get()
        if uncopied is not None and isinstance(value, Table) and id(value) in uncopied:
            return value
        if _NO_STREAM_UPDATE.get() and isinstance(value, Item):
            return value  # update_item's old image, read only by a stream the table does not have
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


# -- the UpdateItem path ---------------------------------------------------------------------------
PARSE_CACHE_SIZE = 1024  # distinct UpdateExpression strings kept (a workflow has a handful)
_original_make: Callable[[str], Any] | None = None


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parsed(expression: str) -> Any:
    """moto's parse of `expression`, shared by every caller (they only read it; see the module doc)."""
    assert _original_make is not None
    return _original_make(expression)


def _make(cls: type, expression_str: str) -> Any:
    if cls is not UpdateExpressionParser:  # a subclass parses as it likes: not reviewed, not cached
        assert _original_make is not None
        return _original_make.__func__(cls, expression_str)  # type: ignore[attr-defined]
    return _parsed(expression_str)


_original_update_item: Callable[..., Any] | None = None


def update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
    """moto's update_item, without the old-image copy when the table has no stream to give it to."""
    assert _original_update_item is not None
    try:
        streamless = self.get_table(table_name).stream_shard is None
    except Exception:  # moto reports the unknown table itself
        streamless = False
    token = _NO_STREAM_UPDATE.set(streamless)
    try:
        return _original_update_item(self, table_name, *args, **kwargs)
    finally:
        _NO_STREAM_UPDATE.reset(token)


_NODE_TYPES: dict[type, tuple[type, ...]] = {}
_original_nodes_to_be_processed = DepthFirstTraverser.nodes_to_be_processed


def _nodes_to_be_processed(self: DepthFirstTraverser) -> tuple[type, ...]:
    """The node classes a walker processes: its `_processing_map`'s keys, the same for its whole class."""
    walker = type(self)
    types_ = _NODE_TYPES.get(walker)
    if types_ is None:
        types_ = _NODE_TYPES[walker] = tuple(self._processing_map().keys())
    return types_


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
        global _original_make, _original_update_item
        _original_update_item = DynamoDBBackend.update_item
        DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
        _original_make = UpdateExpressionParser.make
        UpdateExpressionParser.make = classmethod(_make)  # type: ignore[method-assign, assignment]
        DepthFirstTraverser.nodes_to_be_processed = _nodes_to_be_processed  # type: ignore[method-assign]


@contextlib.contextmanager
def unpatched_update_path() -> Iterator[None]:
    """moto's own UpdateItem parse and walkers while the block runs (tests compare them with the patch)."""
    patched = UpdateExpressionParser.__dict__["make"], DepthFirstTraverser.nodes_to_be_processed
    if _original_make is not None:
        UpdateExpressionParser.make = _original_make  # type: ignore[method-assign]
    DepthFirstTraverser.nodes_to_be_processed = _original_nodes_to_be_processed  # type: ignore[method-assign]
    try:
        yield
    finally:
        UpdateExpressionParser.make, DepthFirstTraverser.nodes_to_be_processed = patched  # type: ignore[method-assign]


def applied() -> bool:
    return _original is not None
