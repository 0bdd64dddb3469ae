"""moto_server, with DynamoDB's writes made atomic as they are in AWS.

moto's server answers each request on its own thread, and its DynamoDB backend reads, checks the
condition and writes an item without a lock: two conditional updates racing on one item can both
succeed, which DynamoDB never allows. Herald's claim of a delivery (and every other conditional write)
depends on that guarantee, so the local stack runs moto with one lock around DynamoDB's item writes.

moto also answers every Query by sorting and scanning the whole table, so a listing's cost grows with
everything ever written, and a page of deliveries (one query per index shard) with it. The local stack
gives its queries what DynamoDB has, an index: a table query reads its page from its own partition, whose
string sort keys are kept in order as items come and go (so a page costs the same in a partition of ten items
or ten thousand), and an index query reads the items holding its key value, from a map rebuilt (under the
write lock) only after a write. moto still applies every condition, sort and limit to those candidates, so
answers are unchanged.
moto parses an UpdateExpression twice per UpdateItem (once to check its placeholders, once to apply it),
and its validator deep-copies the tree before working on it: the local stack parses each distinct expression
once and copies the tree from its pickle. moto's tree walkers rebuild their node-type map at every node, and
two of its checks run over every node's subtree; the walkers keep their map, the checks run over the whole
tree once. Together a conditional UpdateItem (a claim, an outcome) costs the emulator half what it did.
And moto turns each answer into JSON by walking the service model member by member (35 ms for a page
of 25 items); an item operation's answer is already DynamoDB's JSON but for its binary values, so the
local stack writes it with json.dumps (tests/unit/local/test_moto_server.py proves the bytes equal).

The rest is how requests reach moto. moto_server is werkzeug's development server in front of a Flask
app per service: it closes every connection after one answer (each AWS call paid a new connection and a
new thread), finds the backend by listing moto's package directory on every request, and writes an
access-log line for every call. The local stack serves moto's app with waitress, which keeps connections
and a pool of threads; lists the directory once; logs calls only when HERALD_LOCAL_AWS_LOG names a file;
and hands DynamoDB's calls straight to moto's handler, as moto's in-process mock does, past Flask's
routing and response objects (KMS's too, since channel reads and writes call it; and moto's listing of a
handler's actions, by walking its class, is made once per class, not per call). Per GetItem that is 1.3 ->
0.8 ms of the emulator's CPU (bench figures in docs/BENCHMARKS.md, section 12).

In front of moto sits what it lacks and a user would try: SMS and Voice v2's SendVoiceMessage (local.sms_voice).
"""

from __future__ import annotations

import argparse
import base64
import bisect
import copy
import functools
import inspect
import itertools
import json
import logging
import os
import pickle
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import waitress
from moto import backends
from moto.core import responses as core_responses
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.kms.responses import KmsResponse
from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication, create_backend_app

from local import sms_voice

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


_LOCK = threading.RLock()
# Bumped before and after every write: an index map built at another generation is rebuilt.
_generation = itertools.count()
_current = [next(_generation)]


def make_writes_atomic() -> None:
    """One lock around DynamoDB's item writes, each counted (twice) in the generation; idempotent."""
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)
        if getattr(original, "herald_locked", False):
            continue

        @functools.wraps(original)
        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _LOCK:
                _current[0] = next(_generation)
                try:
                    return _original(*args, **kwargs)
                finally:
                    _current[0] = next(_generation)

        locked.herald_locked = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, locked)


class _Candidates:
    """The table as one query sees it: every attribute its own, but only `items` to scan."""

    def __init__(self, table: Table, items: list[Item]) -> None:
        self._table, self._items = table, items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Item]:
        return self._items


IndexMap = dict[str, dict[DynamoType, list[Item]]]
# id(table) -> (table, the generation it was built at, {attribute: {value: items}})
_index_maps: dict[int, tuple[Table, int, IndexMap]] = {}


def _stored(table: Table) -> list[Item]:
    """Every item of the table, unsorted (moto's all_items sorts them all on each call)."""
    partitions = list(table.items.values())
    if not table.range_key_attr:
        return partitions  # type: ignore[return-value]
    return [item for partition in partitions for item in partition.values()]


def _index_map(table: Table) -> IndexMap:
    with _LOCK:
        generation = _current[0]
        cached = _index_maps.get(id(table))
        if cached and cached[0] is table and cached[1] == generation:
            return cached[2]
        indexes = table.all_indexes()
        hashes = {key["AttributeName"] for index in indexes for key in index.schema if key["KeyType"] == "HASH"}
        by_value: IndexMap = {attribute: defaultdict(list) for attribute in hashes}
        for item in _stored(table):
            for attribute, items in by_value.items():
                if (value := item.attrs.get(attribute)) is not None:
                    items[value].append(item)
        _index_maps[id(table)] = (table, generation, by_value)
        return by_value


def _successor(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: no such string)."""
    for end in range(len(prefix) - 1, -1, -1):
        if ord(prefix[end]) < sys.maxunicode:
            return prefix[:end] + chr(ord(prefix[end]) + 1)
    return None


def _span(order: list[str], comparison: str | None, bounds: list[str]) -> tuple[int, int] | None:
    """The slice of sorted keys a sort-key condition keeps (contiguous for every condition a query may have);
    None for a condition this does not know."""
    low, high = (bounds[0], bounds[-1]) if bounds else ("", "")
    match {"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}.get(comparison or "", comparison):
        case None | "":
            return 0, len(order)
        case "=":
            return bisect.bisect_left(order, low), bisect.bisect_right(order, low)
        case "<":
            return 0, bisect.bisect_left(order, low)
        case "<=":
            return 0, bisect.bisect_right(order, low)
        case ">":
            return bisect.bisect_right(order, low), len(order)
        case ">=":
            return bisect.bisect_left(order, low), len(order)
        case "BETWEEN":
            return bisect.bisect_left(order, low), bisect.bisect_right(order, high)
        case "BEGINS_WITH":
            after = _successor(low)
            return bisect.bisect_left(order, low), len(order) if after is None else bisect.bisect_left(order, after)
    return None


class _Partition(dict):  # type: ignore[type-arg]
    """One partition's items by sort key, with its string sort keys also kept in order, as DynamoDB keeps a
    partition: a query's page is then read from where it starts, not found by sorting the whole partition
    (moto's way, whose cost grew with the partition). `order` is None once a key is not a string."""

    def __init__(self, items: dict[DynamoType, Item]) -> None:
        super().__init__(items)
        strings = all(key.type == "S" for key in items)
        self.order: list[str] | None = sorted(key.value for key in items) if strings else None

    def __setitem__(self, key: DynamoType, item: Item) -> None:
        if self.order is not None and key not in self:
            if key.type == "S":
                bisect.insort(self.order, key.value)
            else:
                self.order = None
        super().__setitem__(key, item)

    def pop(self, key: DynamoType, *default: Any) -> Any:
        if self.order is not None and key in self:
            del self.order[bisect.bisect_left(self.order, key.value)]
        return super().pop(key, *default)

    def __delitem__(self, key: DynamoType) -> None:
        self.pop(key)

    def __reduce__(self) -> Any:  # a copy (a backup's) is a plain dict again
        return dict, (dict(self),)

    def _unordered(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a partition changes only by item")

    popitem = clear = update = setdefault = __ior__ = _unordered  # type: ignore[assignment]

    def window(self, table: Table, query: dict[str, Any]) -> list[Item] | None:
        """The items a table query can see: the first `limit` its sort-key condition keeps past its start key,
        then the partition's next item (from which moto, like DynamoDB, answers that there may be more).
        None when the keys or the condition are not strings: then moto reads the whole partition."""
        order, objects = self.order, query.get("range_objs") or []
        if order is None or any(not isinstance(value, DynamoType) or value.type != "S" for value in objects):
            return None
        span = _span(order, query.get("range_comparison"), [value.value for value in objects])
        if span is None:
            return None
        low, high = span
        forward = query.get("scan_index_forward") is not False
        if start_key := query.get("exclusive_start_key"):
            start = (start_key.get(table.range_key_attr) or {}).get("S")
            if not isinstance(start, str):
                return None
            if forward:
                low = max(low, bisect.bisect_right(order, start))
            else:
                high = min(high, bisect.bisect_left(order, start))
        if high <= low:
            return []
        if (limit := query.get("limit")) is None:
            chosen = order[low:high]
        else:
            take = min(int(limit), high - low)
            full = take == int(limit)  # a full page: moto reads one item more to answer LastEvaluatedKey
            chosen = order[low : low + take + full] if forward else order[max(high - take - full, 0) : high]
        return [self[DynamoType({"S": key})] for key in chosen]


def _candidates(table: Table, query: dict[str, Any]) -> list[Item] | None:
    """The items a query can match, or None when only a whole-table scan will do."""
    hash_key, index_name, hash_conditions = query["hash_key"], query.get("index_name"), query.get("hash_key_conditions")
    if not index_name:
        if not isinstance(hash_key, DynamoType):
            return None
        with _LOCK:
            try:
                partition = table.items.get(hash_key)
            except TypeError:  # a key moto parsed into a map; its own scan decides what matches
                return None
            if partition is None:
                return []
            if not table.range_key_attr:
                return [partition]  # type: ignore[list-item]
            if type(partition) is dict:
                partition = table.items[hash_key] = _Partition(partition)
            window = partition.window(table, query)
            return list(partition.values()) if window is None else window
    if not hash_conditions:
        return None
    attribute, value = hash_conditions[0]
    found = _index_map(table).get(attribute)
    return None if found is None else list(found.get(value, ()))


# moto's own, kept so the local versions always wrap them (and tests can compare against them).
MOTO_QUERY = Table.query
MOTO_EXECUTE_RESULT = DynamoResult.execute_result
MOTO_PARSE_UPDATE = UpdateExpressionParser.__dict__["make"]
MOTO_NODE_TYPES = DepthFirstTraverser.nodes_to_be_processed
MOTO_PROCESS = DepthFirstTraverser.process
MOTO_COPY = validators.deepcopy  # type: ignore[attr-defined]
MOTO_COUNT_ACTIONS = validators.ActionCountValidator.verify_action_counts
MOTO_OVERLAPS = validators.OverlappingPathsValidator.check_for_overlapping_paths


def index_queries() -> None:
    """Queries read their partition, or their index key's items; needs make_writes_atomic's generation."""
    make_writes_atomic()
    query = MOTO_QUERY
    signature = inspect.signature(query)

    @functools.wraps(query)
    def indexed(self: Table, *args: Any, **kwargs: Any) -> Any:
        items = _candidates(self, signature.bind(self, *args, **kwargs).arguments)
        return query(self if items is None else _Candidates(self, items), *args, **kwargs)  # type: ignore[arg-type]

    Table.query = indexed  # type: ignore[method-assign]


# The item operations whose answers carry only items, keys, counts and capacity.
ITEM_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"})


def _binary(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not DynamoDB JSON")


def serialize_item_reads_directly() -> None:
    through_model = MOTO_EXECUTE_RESULT

    @functools.wraps(through_model)
    def execute_result(self: DynamoResult, context: Any) -> Any:
        if context.operation_model.name not in ITEM_READS:
            return through_model(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, default=_binary)

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


_PARSED: dict[str, Any] = {}  # expression -> its tree, which carries its own pickle (`herald_pickle`)
_PARSED_MAX = 1024


def _parse_update(expression: str) -> Any:
    tree = _PARSED.get(expression)
    if tree is None:
        tree = MOTO_PARSE_UPDATE.__get__(None, UpdateExpressionParser)(expression)
        tree.herald_pickle = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)  # pickled before it carries it
        if len(_PARSED) >= _PARSED_MAX:  # races only cost a parse: a tree in use is its user's
            _PARSED.clear()
        _PARSED[expression] = tree
    return tree


def _copy(value: Any) -> Any:
    """The validator's copy: a parsed tree from its pickle (a sixth of deepcopy's time), anything else deep-copied."""
    pickled = getattr(value, "herald_pickle", None)
    if pickled is not None:
        return pickle.loads(pickled)  # noqa: S301 - bytes this process pickled from its own parse
    return copy.deepcopy(value)


def parse_update_expressions_once() -> None:
    """One parse per distinct UpdateExpression: every use of a tree either only reads it (the placeholder
    check) or works on the validator's own copy, and a bad expression raises on every call (nothing kept)."""
    UpdateExpressionParser.make = staticmethod(_parse_update)  # type: ignore[method-assign,assignment]
    validators.deepcopy = _copy  # type: ignore[attr-defined]


def _at_the_root(check: Any) -> Any:
    @functools.wraps(check)
    def once(self: DepthFirstTraverser, node: Any) -> Any:
        return check(self, node) if node.parent is None else node

    return once


def check_whole_expressions_once() -> None:
    """moto counts an expression's clauses, and looks for paths it names twice, at every node of its tree, each
    time over the node's whole subtree; the whole tree's check finds every fault a subtree's would. (An
    expression with two faults may be refused for the other one.)"""
    validators.ActionCountValidator.verify_action_counts = _at_the_root(MOTO_COUNT_ACTIONS)  # type: ignore[method-assign]
    validators.OverlappingPathsValidator.check_for_overlapping_paths = _at_the_root(MOTO_OVERLAPS)  # type: ignore[method-assign]


def _processors(self: DepthFirstTraverser) -> dict[type, Any]:
    try:
        return self.herald_processors  # type: ignore[no-any-return]
    except AttributeError:
        self.herald_processors = self._processing_map()
        self.herald_node_types = tuple(self.herald_processors)
        return self.herald_processors


def _node_types(self: DepthFirstTraverser) -> tuple[type, ...]:
    _processors(self)
    return self.herald_node_types  # type: ignore[no-any-return]


def _process(self: DepthFirstTraverser, node: Any) -> Any:
    for node_type, processor in _processors(self).items():
        if isinstance(node, node_type):
            return processor(node)
    return None


def walk_trees_with_one_map() -> None:
    """Each tree walker builds its {node type: processor} map once, not twice per node it visits."""
    DepthFirstTraverser.nodes_to_be_processed = _node_types  # type: ignore[method-assign]
    DepthFirstTraverser.process = _process  # type: ignore[method-assign]


def prepare_dynamodb() -> None:
    """DynamoDB as the local stack and the integration tests run it: atomic writes, indexed, fast answers."""
    make_writes_atomic()
    index_queries()
    serialize_item_reads_directly()
    parse_update_expressions_once()
    walk_trees_with_one_map()
    check_whole_expressions_once()


def dispatch_cheaply() -> None:
    """moto's backend lookup without a directory listing per request, and each handler class's action names
    listed once (moto walked the class with inspect.getmembers on every call: a tenth of the emulator's time)."""
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    if not hasattr(core_responses.method_names_from_class, "cache_info"):
        core_responses.method_names_from_class = functools.cache(core_responses.method_names_from_class)


WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


_NOT_SENT = frozenset({"status", "content-length"})  # the status line's, and counted again from the body


# The JSON-protocol services the stack calls on every request, by their X-Amz-Target prefix: straight to moto's
# handler, as moto's in-process mock hands a call over (Flask's routing and response objects cost a fifth of
# the emulator's time). Every other call goes through moto's app.
_HANDLERS: dict[str, Any] = {"DynamoDB_20120810.": DynamoHandler, "TrentService.": KmsResponse}


def handler_for(environ: dict[str, Any]) -> Any:
    """moto's handler class for a call to one of _HANDLERS' services, else None."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    return next((handler for prefix, handler in _HANDLERS.items() if target.startswith(prefix)), None)


def _straight(handler: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A call answered by moto's handler, with the answer moto's Flask view would give."""
    request = BackendRequest(environ)
    status, headers, body = handler.dispatch(request, request.raw_url, dict(request.headers))
    data = body.encode() if isinstance(body, str) else body
    sent = [(name, str(value)) for name, value in headers.items() if name.lower() not in _NOT_SENT]
    sent += [("Content-Length", str(len(data))), ("Access-Control-Allow-Origin", "*")]
    if not any(name.lower() == "content-type" for name, _ in sent):
        sent.append(("Content-Type", "text/html; charset=utf-8"))  # Flask's default, which moto's KMS answers get
    start_response(f"{int(status)} {HTTPStatus(int(status)).phrase}", sent)
    return [data]


def application(moto: WsgiApp | None = None) -> WsgiApp:
    """The emulator: what moto lacks (local.sms_voice), DynamoDB and KMS straight to their handlers, the rest to
    moto's app."""
    rest = moto or DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if (handler := handler_for(environ)) is not None:
            return _straight(handler, environ, start_response)
        if sms_voice.handles(environ):
            return sms_voice.app(environ, start_response)
        return rest(environ, start_response)

    return app


def _access_logged(app: WsgiApp) -> WsgiApp:
    log = logging.getLogger("local.aws")

    def logged(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: Any, *exc_info: Any) -> Any:
            target = environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO")
            log.info("%s %s %s", environ.get("REQUEST_METHOD"), target, status)
            return start_response(status, headers, *exc_info)

        return app(environ, start)

    return logged


def serve(argv: list[str]) -> None:
    """moto's app on waitress: it keeps connections open between calls and answers from a pool of threads,
    where moto's own server (werkzeug's development server) closes each connection after one answer and
    starts a thread for the next. Threads: the SQS pollers' long polls hold one each while they wait."""
    parser = argparse.ArgumentParser(prog="python -m local.moto_server")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto writes it into the URLs it hands out (SQS queues)
    app = application()
    if os.environ.get("HERALD_LOCAL_AWS_LOG"):  # the stack sends this process's output to that file
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
        app = _access_logged(app)
    # Connections stay open: every client of every container keeps its own (waitress's default allows 100).
    waitress.serve(app, host=args.host, port=args.port, threads=64, connection_limit=1000, ident="moto", _quiet=True)


if __name__ == "__main__":
    prepare_dynamodb()
    dispatch_cheaply()
    serve(sys.argv[1:])
