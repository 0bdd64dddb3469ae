"""The local stack's DynamoDB (local.moto_server): moto's answers, equal in meaning, without its scans and walks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import responses as core_responses
from moto.core import utils as core_utils
from moto.core.serialize import JSONSerializer
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing import expressions, validators
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from local import moto_server

EVERY_TYPE = {
    "s": {"S": 'é\u2028"<'},
    "n": {"N": "1.50"},
    "b": {"B": b"\x00\xffciphertext"},
    "t": {"BOOL": True},
    "z": {"NULL": True},
    "l": {"L": [{"S": "x"}, {"N": "2"}, {"B": b"\x01"}]},
    "m": {"M": {"inner": {"B": b"zz"}, "deeper": {"M": {"s": {"S": "y"}}}}},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"a", b"\x01"]},
}


def _table(client: Any) -> None:
    strings = [{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gpk", "gsk")]
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=strings,
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi",
                "KeySchema": [
                    {"AttributeName": "gpk", "KeyType": "HASH"},
                    {"AttributeName": "gsk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for number in range(40):
        item = {"pk": {"S": f"T#{number % 3}"}, "sk": {"S": f"CH#{number:03d}"}, **EVERY_TYPE}
        if number % 2:
            item |= {"gpk": {"S": f"G#{number % 4}"}, "gsk": {"S": f"{number:03d}"}}
        client.put_item(TableName="t", Item=item)


def _pages(client: Any, **query: Any) -> list[dict[str, Any]]:
    pages, start = [], None
    for _ in range(50):
        page = client.query(TableName="t", **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append(page)
        if not (start := page.get("LastEvaluatedKey")):
            return pages
    raise AssertionError("the listing never ended")


def _exercise(client: Any) -> list[Any]:
    """Every read Herald makes, before and after writes that move, change and delete indexed items."""
    _table(client)
    answers: list[Any] = []

    def reads() -> None:
        answers.append(client.get_item(TableName="t", Key={"pk": {"S": "T#1"}, "sk": {"S": "CH#001"}}))
        for forward in (True, False):
            answers.append(
                _pages(
                    client,
                    KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                    ExpressionAttributeValues={":p": {"S": "T#1"}, ":s": {"S": "CH#"}},
                    ScanIndexForward=forward,
                    Limit=4,
                )
            )
            answers.append(
                _pages(
                    client,
                    IndexName="gsi",
                    KeyConditionExpression="gpk = :g AND gsk < :before",
                    ExpressionAttributeValues={":g": {"S": "G#1"}, ":before": {"S": "030"}},
                    ScanIndexForward=forward,
                    Limit=3,
                )
            )
        # Pages cut from a window of the partition: every sort-key condition, a filter after the limit, no limit.
        for condition, values, more in (
            ("sk BETWEEN :a AND :b", {":a": {"S": "CH#004"}, ":b": {"S": "CH#031"}}, {}),
            ("sk > :a", {":a": {"S": "CH#010"}}, {"ScanIndexForward": False}),
            ("sk <= :a", {":a": {"S": "CH#019"}}, {"FilterExpression": "attribute_exists(gpk)"}),
            ("sk = :a", {":a": {"S": "CH#007"}}, {}),
            ("sk < :a", {":a": {"S": "CH#022"}}, {"ScanIndexForward": False}),
            ("sk >= :a", {":a": {"S": "CH#025"}}, {}),
            ("begins_with(sk, :a)", {":a": {"S": "CH#01"}}, {"ScanIndexForward": False}),
            ("begins_with(sk, :a)", {":a": {"S": "DL#"}}, {}),
        ):
            answers.append(
                _pages(
                    client,
                    KeyConditionExpression=f"pk = :p AND {condition}",
                    ExpressionAttributeValues={":p": {"S": "T#1"}, **values},
                    Limit=2,
                    **more,
                )
            )
        answers.append(_pages(client, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "T#1"}}))
        answers.append(
            client.query(
                TableName="t",
                # A map where the key's string belongs: no item matches (moto's scan says so, not a crash).
                KeyConditionExpression="pk = :p AND sk < :s",
                ExpressionAttributeValues={":p": {"M": {"S": {"S": "T#1"}}}, ":s": {"S": "CH#020"}},
                ProjectionExpression="pk, sk",
            )
        )
        keys = [{"pk": {"S": f"T#{n % 3}"}, "sk": {"S": f"CH#{n:03d}"}} for n in range(0, 40, 5)]
        answers.append(client.batch_get_item(RequestItems={"t": {"Keys": keys}}))
        answers.append(client.scan(TableName="t", Limit=7))

    reads()
    # The second call repeats the first's expression with other values on another item: nothing carries over.
    for key, index_key, text, added in (("T#1", "G#3", "renamed", "1"), ("T#2", "G#0", "again", "5")):
        answers.append(
            client.update_item(
                TableName="t",
                Key={"pk": {"S": key}, "sk": {"S": f"CH#00{key[-1]}"}},
                UpdateExpression="SET gpk = :g, s = :s ADD n :one",
                ExpressionAttributeValues={":g": {"S": index_key}, ":s": {"S": text}, ":one": {"N": added}},
                ReturnValues="ALL_NEW",
            )
        )
    # An outcome write's shape: a list appended to, names, removals and a condition.
    answers.append(
        client.update_item(
            TableName="t",
            Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#003"}},
            UpdateExpression="SET l = list_append(l, :more), #s = :s, m.deeper.s = :s REMOVE t, #z",
            ConditionExpression="attribute_exists(pk) AND #s <> :s",
            ExpressionAttributeNames={"#s": "s", "#z": "z"},
            ExpressionAttributeValues={":more": {"L": [{"S": "appended"}]}, ":s": {"S": "done"}},
            ReturnValues="ALL_NEW",
        )
    )
    # Expressions moto refuses, one fault each: the same answer, word for word.
    for expression in ("SET s = :a, s = :b", "SET s = :a SET n = :b", "REMOVE s, s", "SET m.inner = :a, m = :b"):
        try:
            client.update_item(
                TableName="t",
                Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#006"}},
                UpdateExpression=expression,
                **({"ExpressionAttributeValues": {":a": {"S": "a"}, ":b": {"S": "b"}}} if ":" in expression else {}),
            )
        except client.exceptions.ClientError as refused:
            answers.append(refused.response["Error"])
        else:
            raise AssertionError(f"{expression!r} was not refused")
    answers.append(
        client.delete_item(TableName="t", Key={"pk": {"S": "T#1"}, "sk": {"S": "CH#013"}}, ReturnValues="ALL_OLD")
    )
    new_item = {"pk": {"S": "T#1"}, "sk": {"S": "CH#999"}, "gpk": {"S": "G#1"}, "gsk": {"S": "000"}}
    answers.append(client.put_item(TableName="t", Item=new_item, ReturnValues="ALL_OLD"))
    answers.append(client.put_item(TableName="t", Item={**new_item, **EVERY_TYPE}, ReturnValues="ALL_OLD"))
    reads()
    return [_without_metadata(answer) for answer in answers]


def _without_metadata(answer: Any) -> Any:
    if isinstance(answer, list):
        return [_without_metadata(page) for page in answer]
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


@pytest.fixture
def moto_as_shipped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's own query and serialiser for the test; whatever the session patched comes back after it."""
    monkeypatch.setattr(Table, "query", moto_server.MOTO_QUERY)
    monkeypatch.setattr(DynamoResult, "execute_result", moto_server.MOTO_EXECUTE_RESULT)
    monkeypatch.setattr(UpdateExpressionParser, "make", moto_server.MOTO_PARSE_UPDATE)
    monkeypatch.setattr(DepthFirstTraverser, "nodes_to_be_processed", moto_server.MOTO_NODE_TYPES)
    monkeypatch.setattr(DepthFirstTraverser, "process", moto_server.MOTO_PROCESS)
    monkeypatch.setattr(validators, "deepcopy", moto_server.MOTO_COPY)
    monkeypatch.setattr(validators.ActionCountValidator, "verify_action_counts", moto_server.MOTO_COUNT_ACTIONS)
    monkeypatch.setattr(validators.OverlappingPathsValidator, "check_for_overlapping_paths", moto_server.MOTO_OVERLAPS)
    yield


def _client() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


@pytest.mark.usefixtures("moto_as_shipped")
def test_every_read_and_write_answers_as_moto_does_before_and_after_writes() -> None:
    with mock_aws():
        expected = _exercise(_client())
    moto_server.index_queries()
    moto_server.serialize_item_reads_directly()
    moto_server.parse_update_expressions_once()
    moto_server.walk_trees_with_one_map()
    moto_server.check_whole_expressions_once()
    with mock_aws():
        assert _exercise(_client()) == expected
    assert expected[0]["Item"]["b"] == {"B": b"\x00\xffciphertext"}  # binary values survived the round trip


@pytest.mark.usefixtures("moto_as_shipped")
def test_a_query_reads_its_partition_or_index_key_never_the_whole_table(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_server.index_queries()
    with mock_aws():
        client = _client()
        _table(client)

        def whole_table(_table: Table) -> list[Any]:
            raise AssertionError("the query scanned the whole table")

        monkeypatch.setattr(Table, "all_items", whole_table)
        base = client.query(
            TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "T#2"}}
        )
        index = client.query(
            TableName="t",
            IndexName="gsi",
            KeyConditionExpression="gpk = :g",
            ExpressionAttributeValues={":g": {"S": "G#3"}},
        )
    assert [item["sk"]["S"] for item in base["Items"]] == [f"CH#{n:03d}" for n in range(2, 40, 3)]
    assert sorted(item["gsk"]["S"] for item in index["Items"]) == [f"{n:03d}" for n in range(3, 40, 4)]


@pytest.mark.usefixtures("moto_as_shipped")
def test_a_page_of_a_large_partition_compares_a_page_of_items_not_the_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moto_server.index_queries()
    compared = 0
    moto_less_than = DynamoType.__lt__

    def counted(self: DynamoType, other: DynamoType) -> bool:
        nonlocal compared
        compared += 1
        return moto_less_than(self, other)

    with mock_aws():
        client = _client()
        _table(client)
        for number in range(40, 1040):
            client.put_item(TableName="t", Item={"pk": {"S": "T#1"}, "sk": {"S": f"CH#{number:04d}"}})
        monkeypatch.setattr(DynamoType, "__lt__", counted)
        page = client.query(
            TableName="t",
            KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
            ExpressionAttributeValues={":p": {"S": "T#1"}, ":s": {"S": "CH#05"}},
            ExclusiveStartKey={"pk": {"S": "T#1"}, "sk": {"S": "CH#0510"}},
            ScanIndexForward=False,
            Limit=5,
        )
    assert [item["sk"]["S"] for item in page["Items"]] == [f"CH#{n:04d}" for n in range(509, 504, -1)]
    assert page["LastEvaluatedKey"]["sk"] == {"S": "CH#0505"}
    assert compared < 50  # moto as shipped sorts the partition's 1,013 items: ~10,000 comparisons


@pytest.mark.usefixtures("moto_as_shipped")
def test_item_reads_skip_the_model_walk_and_everything_else_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_server.serialize_item_reads_directly()
    with mock_aws():
        client = _client()
        _table(client)
        walked: list[str] = []
        model_walk = JSONSerializer.serialize

        def counted(self: JSONSerializer, result: Any) -> Any:
            walked.append(self.operation_model.name)
            return model_walk(self, result)

        monkeypatch.setattr(JSONSerializer, "serialize", counted)
        client.get_item(TableName="t", Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#000"}})
        client.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "T#0"}})
        client.describe_table(TableName="t")
    assert walked == ["DescribeTable"]


@pytest.mark.usefixtures("moto_as_shipped")
def test_an_update_expression_is_parsed_once_and_a_bad_one_fails_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    moto_server.parse_update_expressions_once()
    tokenized: list[str] = []
    tokenize = expressions.ExpressionTokenizer.make_list

    def counted(expression: str) -> Any:
        tokenized.append(expression)
        return tokenize(expression)

    monkeypatch.setattr(expressions.ExpressionTokenizer, "make_list", staticmethod(counted))
    with mock_aws():
        client = _client()
        _table(client)
        for number in range(3):
            client.update_item(
                TableName="t",
                Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#000"}},
                UpdateExpression="SET s = :s",
                ExpressionAttributeValues={":s": {"S": f"v{number}"}},
            )
        refused = []
        for _ in range(2):
            with pytest.raises(client.exceptions.ClientError) as bad:
                client.update_item(
                    TableName="t", Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#000"}}, UpdateExpression="SET s = = :s"
                )
            refused.append(bad.value.response["Error"]["Code"])
        stored = client.get_item(TableName="t", Key={"pk": {"S": "T#0"}, "sk": {"S": "CH#000"}})["Item"]
    assert tokenized.count("SET s = :s") == 1
    assert tokenized.count("SET s = = :s") == 2
    assert refused == ["ValidationException", "ValidationException"]
    assert stored["s"] == {"S": "v2"}


def test_the_backend_lookup_lists_moto_once_and_each_handler_s_actions_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import backends

    listed = list(backends.list_of_moto_modules())
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    reads: list[str] = []
    monkeypatch.setattr(backends.os, "listdir", lambda path: reads.append(path) or listed)  # type: ignore[func-returns-value]

    monkeypatch.setattr(core_responses, "method_names_from_class", core_utils.method_names_from_class)
    walked: list[object] = []
    monkeypatch.setattr(core_utils.inspect, "getmembers", lambda *args, **kwargs: walked.append(args[0]) or [])  # type: ignore[func-returns-value]

    moto_server.dispatch_cheaply()

    assert [list(backends.list_of_moto_modules()) for _ in range(3)] == [listed] * 3
    assert "dynamodb" in listed and len(reads) == 1
    for _ in range(3):
        core_responses.method_names_from_class(DynamoHandler)
    assert walked == [DynamoHandler]


KEY = {"pk": {"S": "T#1"}, "sk": {"S": "CH#1"}}
# Each DynamoDB call the stack makes, in its kinds of answer: created, item JSON, model-walked, refused.
CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "CreateTable",
        {
            "TableName": "t",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            "BillingMode": "PAY_PER_REQUEST",
        },
    ),
    ("PutItem", {"TableName": "t", "Item": {**KEY, **EVERY_TYPE}}),
    ("GetItem", {"TableName": "t", "Key": KEY}),
    ("BatchGetItem", {"RequestItems": {"t": {"Keys": [KEY]}}}),
    ("Query", {"TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": KEY["pk"]}}),
    (
        "UpdateItem",
        {
            "TableName": "t",
            "Key": KEY,
            "UpdateExpression": "SET s = :s",
            "ConditionExpression": "attribute_not_exists(pk)",
            "ExpressionAttributeValues": {":s": {"S": "no"}},
        },
    ),
    ("GetItem", {"TableName": "missing", "Key": KEY}),
    ("UpdateItem", {"TableName": "t", "Key": KEY, "UpdateExpression": "SET s = = :s"}),
    ("DescribeTable", {"TableName": "t"}),
    ("DeleteItem", {"TableName": "t", "Key": KEY, "ReturnValues": "ALL_OLD"}),
    # KMS, as crypto.py calls it: a key, a data key, and the refusals (the generated values are random).
    ("kms:ListKeys", {}),
    ("kms:CreateKey", {"Description": "herald"}),
    ("kms:GenerateDataKey", {"KeyId": "alias/missing", "KeySpec": "AES_256"}),
    ("kms:Decrypt", {"CiphertextBlob": b"not a ciphertext", "EncryptionContext": {"tenant": "t"}}),
]
_RANDOM = ("KeyMetadata", "KeyId")  # parts of KMS's answers that are new on every call: compared by their fields


def _answers(app: Any) -> list[tuple[int, dict[str, str], Any]]:
    """Each call's status, the headers botocore reads, and the body (its clock readings taken out)."""
    import json
    import zlib

    from werkzeug.test import Client

    client, answers = Client(app), []
    for call, body in CALLS:
        service, _, operation = call.rpartition(":")
        service = service or "dynamodb"
        target, version = ("TrentService", "1.1") if service == "kms" else ("DynamoDB_20120810", "1.0")
        payload = json.dumps(body, default=lambda b: __import__("base64").b64encode(b).decode())
        answer = client.post(
            "/",
            data=payload,
            headers={
                "Content-Type": f"application/x-amz-json-{version}",
                "X-Amz-Target": f"{target}.{operation}",
                "Authorization": f"AWS4-HMAC-SHA256 Credential=x/20261204/us-east-1/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
        )
        data = answer.get_data()
        if "x-amz-crc32" in answer.headers:  # botocore refuses an answer whose checksum is wrong
            assert int(answer.headers["x-amz-crc32"]) == zlib.crc32(data), operation
        seen = {name: answer.headers.get(name, "") for name in ("Content-Type", "Access-Control-Allow-Origin")}
        text = data.decode()
        for clock in ("CreationDateTime", "LastIncreaseDateTime", "LastDecreaseDateTime"):
            text = __import__("re").sub(rf'"{clock}": [0-9.e+]+', f'"{clock}": 0', text)
        document = json.loads(text) if text.startswith("{") else text
        if isinstance(document, dict):
            document |= {name: sorted(document[name]) for name in _RANDOM if isinstance(document.get(name), dict)}
        answers.append((answer.status_code, seen, document))
    return answers


def test_dynamodb_and_kms_calls_straight_to_moto_answer_as_moto_s_app_does() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    with mock_aws():
        expected = _answers(DomainDispatcherApplication(create_backend_app))
    with mock_aws():
        flask_views: list[Any] = []
        moto_app = DomainDispatcherApplication(create_backend_app)

        def moto(environ: dict[str, Any], start_response: Any) -> Any:
            flask_views.append(environ["PATH_INFO"])
            return moto_app(environ, start_response)

        direct = _answers(moto_server.application(moto))
    assert direct == expected
    assert [status for status, _, _ in direct] == [200, 200, 200, 200, 200, 400, 400, 400, 200, 200, 200, 200, 400, 400]
    assert "KeyManager" in direct[-3][2]["KeyMetadata"]  # a key was created, and its metadata compared field by field
    assert flask_views == []  # every one went straight to the handler


@pytest.mark.parametrize("aws_log", ["", "/tmp/herald-aws.log"])
def test_calls_are_logged_only_when_herald_local_aws_log_names_a_file(
    monkeypatch: pytest.MonkeyPatch, aws_log: str
) -> None:
    import waitress

    served: list[Any] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.append((app, options)))
    monkeypatch.setenv("HERALD_LOCAL_AWS_LOG", aws_log)
    monkeypatch.setenv("MOTO_PORT", "")  # recorded, so the port serve() sets goes when the test ends
    monkeypatch.delenv("MOTO_PORT")
    logged: list[str] = []
    monkeypatch.setattr(moto_server.logging, "basicConfig", lambda **_: None)
    monkeypatch.setattr(moto_server.logging.getLogger("local.aws"), "info", lambda *a: logged.append(a[0] % a[1:]))

    moto_server.serve(["-H", "127.0.0.1", "-p", "4599"])
    [(app, options)] = served
    answer = __import__("werkzeug.test", fromlist=["Client"]).Client(app).get("/moto-api/config")

    assert (options["host"], options["port"]) == ("127.0.0.1", 4599)
    assert os.environ["MOTO_PORT"] == "4599"
    assert answer.status_code == 201  # moto's answer to its configuration endpoint
    assert logged == (["GET /moto-api/config 201 CREATED"] if aws_log else [])
