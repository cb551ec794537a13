"""Benchmark of the hot-path Lambdas, as ratios against peers measured in the same run.

- authorizer warm verify (full handler call, token cache off) / Node ``crypto.verify`` on the same token
- authorizer cache hit (full handler call)                      / Node ``crypto.verify``
- authorizer cold process CPU (import + init + first call)       / bare ``python -c pass``
- token customizer cold process CPU (import + init + one GetItem) / bare ``python -c pass``
- user-migration check of an unknown user / of a wrong password for a 1,000-iteration record, with a
  20,000-iteration work factor (should be ~1: the time must not tell which emails exist)
Python peers in the same run (reported, not ratioed): PyJWT and joserfc verifying the same token.

Measuring on a shared, noisy machine: Node runs as one long-lived process that times a batch of
verifies each time it is asked, so Node and Python batches alternate (the same token, the same
batch size, a monotonic nanosecond clock on both sides); a few batches of each are run first and
thrown away (Node's JIT, Python's caches). Each warm ratio is the median of the per-pair ratios
(a pair = one Node batch and the Python batch right after it, so both see the same machine load).
CPU of cold processes is read with ``resource.getrusage(RUSAGE_CHILDREN)`` around each child; the
bare interpreter and the two cold starts are run in turn and each is the median of its runs.
The last printed line is one JSON object of ratios.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

POOL_ID = "us-east-1_BenchPool"
CLIENT_ID = "bench-client"
KID = "bench-kid"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/POST/users"
BATCH = 2000  # verifies per timed batch, the same for Node and Python
WARMUP_PAIRS = 3
PAIRS = 15
COLD_RUNS = 11

NODE_SCRIPT = r"""
// Long-lived peer: each stdin line "N" times N verifies of the token and prints ns per verify.
const crypto = require('crypto');
const fs = require('fs');
const readline = require('readline');
const [pemPath, token] = [process.argv[2], process.argv[3]];
const key = crypto.createPublicKey(fs.readFileSync(pemPath));
const dot = token.lastIndexOf('.');
const data = Buffer.from(token.slice(0, dot));
const sig = Buffer.from(token.slice(dot + 1), 'base64url');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const n = parseInt(line);
  let ok = true;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) ok = crypto.verify('RSA-SHA256', data, key, sig) && ok;
  const end = process.hrtime.bigint();
  if (!ok) throw new Error('node failed to verify the token');
  process.stdout.write(String(Number(end - start) / n) + '\n');
});
"""


class NodePeer:
    """``crypto.verify`` in a Node process kept alive between batches."""

    def __init__(self, script: Path, pem: Path, token: str) -> None:
        self.process = subprocess.Popen(["node", str(script), str(pem), token], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)

    def batch_ns(self, n: int) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("node peer exited")
        return float(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(key: rsa.RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    now = int(time.time())
    claims = {
        "sub": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "cognito:groups": ["Registrar"],
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}", "client_id": CLIENT_ID,
        "origin_jti": "11111111-2222-4333-8444-555555555555", "event_id": "66666666-7777-4888-9999-000000000000",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now, "exp": now + 3600,
        "iat": now, "jti": "abcdefab-cdef-4abc-8def-abcdefabcdef", "username": "1001", "tenantId": "acme",
    }
    head = b64url(json.dumps({"kid": KID, "alg": "RS256"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(sig)}"


def batch_ns(fn: Callable[[], Any], n: int) -> float:
    """ns per call over one batch of ``n`` calls."""
    start = time.perf_counter_ns()
    for _ in range(n):
        fn()
    return (time.perf_counter_ns() - start) / n


def cold_cpu_seconds(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    """Median CPU (user + sys) of ``runs`` fresh processes per command, the commands taken in turn."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (argv, env) in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples[name].append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return {name: statistics.median(values) for name, values in samples.items()}


COLD_AUTHORIZER = """
import json, os, sys
sys.path.insert(0, os.environ["BENCH_REPO"])
from lambdas.authorizer import handler
event = {"type": "TOKEN", "authorizationToken": "Bearer " + os.environ["BENCH_TOKEN"], "methodArn": os.environ["BENCH_ARN"]}
assert handler.handler(event, None)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
"""

COLD_CUSTOMIZER = """
import os, sys
sys.path.insert(0, os.environ["BENCH_REPO"])
from lambdas.token_customizer import handler
event = {"version": "2", "triggerSource": "TokenGeneration_Authentication", "region": "us-east-1",
         "userPoolId": "us-east-1_BenchPool", "userName": "1001",
         "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "bench-client"},
         "request": {"userAttributes": {"sub": "x"}, "groupConfiguration": {"groupsToOverride": ["Registrar"],
                     "iamRolesToOverride": [], "preferredRole": None}, "scopes": ["aws.cognito.signin.user.admin"]},
         "response": {"claimsAndScopeOverrideDetails": None}}
out = handler.handler(event, None)
assert out["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]["tenantId"] == "acme"
"""


def start_dynamodb() -> tuple[Any, str]:
    import logging

    import boto3

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # keep request logs off stdout/stderr
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    ddb.create_table(TableName="users", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    ddb.put_item(TableName="users", Item={"pk": {"S": "USER#1001"}, "sk": {"S": "PROFILE"}, "userId": {"N": "1001"},
                                          "tenantId": {"S": "acme"}, "plan": {"S": "pro"}, "displayName": {"S": "Ada"}})
    return server, endpoint


def main() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
           "n": b64url(numbers.n.to_bytes(256, "big")), "e": b64url(numbers.e.to_bytes(3, "big"))}
    token = make_token(key)
    work = Path(tempfile.mkdtemp(prefix="bench-lambdas-"))
    (work / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (work / "key.pem").write_bytes(pem)
    (work / "verify.js").write_text(NODE_SCRIPT)

    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    auth_env = {**base_env, "AWS_REGION": "us-east-1", "USER_POOL_ID": POOL_ID, "CLIENT_IDS": CLIENT_ID,
                "TOKEN_USE": "access", "JWKS_PATH": str(work / "jwks.json")}

    # --- warm verifies: Node and Python batches interleaved, medians (the machine is shared) ---------------
    from lambdas.authorizer.handler import Authorizer

    event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN}
    uncached = Authorizer({**auth_env, "TOKEN_CACHE_SIZE": "0"})
    cached = Authorizer(auth_env)
    assert uncached(event)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert cached(event)["policyDocument"]["Statement"][0]["Effect"] == "Allow"

    import jwt as pyjwt
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import RSAKey

    pyjwt_key = pyjwt.PyJWK(jwk).key
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}"
    jose_key = RSAKey.import_key(jwk)
    subjects: dict[str, Callable[[], Any]] = {
        "warm": lambda: uncached(event),
        "verify_only": lambda: uncached.verifier.verify(token),
        "hit": lambda: cached(event),
        "pyjwt": lambda: pyjwt.decode(token, pyjwt_key, algorithms=["RS256"], issuer=issuer),
        "joserfc": lambda: jose_jwt.decode(token, jose_key, algorithms=["RS256"]),
        "rsa_floor": lambda: floor_key.recover_data_from_signature(floor_sig, PKCS1v15(), None)
        + hashlib.sha256(floor_input).digest(),
    }
    # what any Python verifier must pay: the RSA public operation plus SHA-256 of the signing input
    floor_key = key.public_key()
    floor_input, _, floor_b64 = token.encode().rpartition(b".")
    floor_sig = base64.urlsafe_b64decode(floor_b64 + b"=" * (-len(floor_b64) % 4))
    node = NodePeer(work / "verify.js", work / "key.pem", token)
    samples: dict[str, list[float]] = {name: [] for name in ["node", *subjects]}
    ratios: dict[str, list[float]] = {"warm": [], "hit": []}
    try:
        for pair in range(WARMUP_PAIRS + PAIRS):
            node_ns = node.batch_ns(BATCH)
            measured = {name: batch_ns(fn, BATCH) for name, fn in subjects.items()}
            if pair < WARMUP_PAIRS:
                continue
            samples["node"].append(node_ns)
            for name, value in measured.items():
                samples[name].append(value)
            ratios["warm"].append(measured["warm"] / node_ns)
            ratios["hit"].append(measured["hit"] / node_ns)
    finally:
        node.close()
    median = {name: statistics.median(values) for name, values in samples.items()}
    node_ns, warm_ns, verify_only_ns, hit_ns = median["node"], median["warm"], median["verify_only"], median["hit"]
    pyjwt_ns, jose_ns = median["pyjwt"], median["joserfc"]
    warm_ratio, hit_ratio = statistics.median(ratios["warm"]), statistics.median(ratios["hit"])
    spread = f"{min(ratios['warm']):.2f}..{max(ratios['warm']):.2f}"

    # --- user migration: an unknown user costs what a wrong password costs ---------------------------------
    from lambdas.user_migration.legacy_store import DynamoDBLegacyStore, put_legacy_user

    class Table(dict):
        def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803
            self[Item["username"]] = Item

        def get_item(self, Key: dict[str, Any], ConsistentRead: bool = False) -> dict[str, Any]:  # noqa: N803
            item = self.get(Key["username"])
            return {"Item": item} if item is not None else {}

    table = Table()
    put_legacy_user(table, email="known@example.com", password="right", legacy_user_id="L-1", iterations=1000)
    store = DynamoDBLegacyStore(table, dummy_iterations=20_000)
    migration: list[float] = []
    for pair in range(WARMUP_PAIRS + PAIRS):
        unknown = batch_ns(lambda: store.authenticate("ghost@example.com", "wrong"), 20)
        wrong = batch_ns(lambda: store.authenticate("known@example.com", "wrong"), 20)
        if pair >= WARMUP_PAIRS:
            migration.append(unknown / wrong)
    migration_ratio = statistics.median(migration)

    # --- cold processes ------------------------------------------------------------------------------------
    python = sys.executable
    server, endpoint = start_dynamodb()
    try:
        cold = cold_cpu_seconds({
            "bare": ([python, "-c", "pass"], base_env),
            "authorizer": ([python, "-c", COLD_AUTHORIZER],
                           {**auth_env, "BENCH_REPO": str(REPO), "BENCH_TOKEN": token, "BENCH_ARN": METHOD_ARN}),
            "customizer": ([python, "-c", COLD_CUSTOMIZER],
                           {**base_env, "BENCH_REPO": str(REPO), "TABLE_NAME": "users", "AWS_REGION": "us-east-1",
                            "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ACCESS_KEY_ID": "bench",
                            "AWS_SECRET_ACCESS_KEY": "bench", "GROUP_SCOPES": '{"Registrar": ["users/write"]}'}),
        }, COLD_RUNS)
    finally:
        server.stop()
    bare, cold_auth, cold_custom = cold["bare"], cold["authorizer"], cold["customizer"]

    print(f"{PAIRS} interleaved pairs of {BATCH}-call batches after {WARMUP_PAIRS} warm-up pairs; medians:")
    print(f"node crypto.verify (RS256, same token)      {node_ns / 1000:8.1f} us")
    print(f"authorizer warm call, cache off             {warm_ns / 1000:8.1f} us   (verifier only {verify_only_ns / 1000:.1f} us;"
          f" per-pair ratio {spread})")
    print(f"authorizer cache hit call                   {hit_ns / 1000:8.1f} us")
    print(f"RSA recover + SHA-256 only (Python floor)   {median['rsa_floor'] / 1000:8.1f} us")
    print(f"PyJWT decode (peer)                         {pyjwt_ns / 1000:8.1f} us")
    print(f"joserfc decode (peer)                       {jose_ns / 1000:8.1f} us")
    print(f"python -c pass, CPU                         {bare * 1000:8.1f} ms")
    print(f"authorizer cold process, CPU                {cold_auth * 1000:8.1f} ms")
    print(f"token customizer cold process, CPU          {cold_custom * 1000:8.1f} ms")
    print(f"user migration, unknown / wrong password    {migration_ratio:8.3f}     (1,000-iteration record, "
          "20,000-iteration work factor)")
    print(json.dumps({
        "authorizer_warm_vs_node": round(warm_ratio, 3),
        "authorizer_cache_hit_vs_node": round(hit_ratio, 3),
        "authorizer_cold_vs_python": round(cold_auth / bare, 3),
        "token_customizer_cold_vs_python": round(cold_custom / bare, 3),
        "user_migration_unknown_vs_wrong_password": round(migration_ratio, 3),
    }))


if __name__ == "__main__":
    main()
