"""The embedded local stack: moto + Cognito triggers + the engine + API Gateway, on one loopback port.

Built the way the CDK app deploys the system: one users table and the legacy-users table, a user
pool (numeric usernames, email alias, groups Admin/Registrar/User, an app client) whose LambdaConfig
names the trigger functions (pre-token V2_0, post confirmation, user migration), the asl/ machines
rendered by `workflows.definitions.render` with the same placeholder names, and the API routes of
api/routes.json in front of them. The Lambda handlers from lambdas/ run in-process with the
environment variables docs/contracts.md lists, pointed at this stack through AWS_ENDPOINT_URL.

Clock: "virtual" (demo, tests: waits, retries and deadlines are instant; `advance()` moves time) or
"real" (`workflows up`; `workflows up --clock virtual` is moved over HTTP, POST /_local/clock/advance,
see control.py). The process environment is changed while the stack runs (the in-process
Lambdas read it, as on AWS) and restored by `close()`.

Exposure (docs/security.md): every request passes loopback_guard.LoopbackGuard (loopback Host with
this port, no foreign Origin, no CORS but for its own origin, the per-start token `token` on the
/_local/ control endpoints); Cognito tokens are signed with a key made at start; moto's /moto-api/
is off unless `moto_api=True`.
"""
from __future__ import annotations

import importlib
import json
import os
import secrets
import sys
import uuid
from pathlib import Path
from typing import Any, Mapping, TextIO

from workflows.testing.clients import endpoint_client, endpoint_kwargs

from . import in_process
from .api_gateway import ApiGateway
from .cognito_triggers import CognitoTriggers
from .control import ControlApi
from .lambdas import Handler, HandlerSpecError, LambdaInvokeApi, LambdaRegistry
from .loopback_guard import TOKEN_ENV, LoopbackGuard, new_token
from .moto_services import ACCOUNT_ID, MotoServices
from .request_log import RequestLog
from .router import MOTO_API_PREFIX, Router, not_found
from .server import LoopbackServer
from .state_dir import StateDir
from .sfn_api import StepFunctionsApi
from .token_signing import SigningKey, is_jwks_path

REPO_ROOT = Path(__file__).resolve().parents[2]
API_DIR = REPO_ROOT / "api"
FUNCTIONS = ("authorizer", "token_customizer", "post_confirmation", "user_migration")
GROUPS = ("Admin", "Registrar", "User")
GROUP_SCOPES = {"Admin": ["users/admin", "users/write", "users/read"], "Registrar": ["users/write", "users/read"],
                "User": ["users/read"]}
CUSTOM_ATTRIBUTES = ("tenant_id", "legacy_user_id", "user_id", "plan", "display_name")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# SDK service ids (botocore's `serviceId`, upper-cased, spaces as "_") of what the stack serves.
ENDPOINT_SERVICE_IDS = ("SFN", "LAMBDA", "DYNAMODB", "COGNITO_IDENTITY_PROVIDER", "SQS")


class LocalStack:
    """Everything the CDK app deploys, in this process, served on 127.0.0.1:`port`."""

    def __init__(self, *, clock: str = "virtual", port: int = 0, region_name: str = "us-east-1",
                 stage: str = "local", name_prefix: str | None = None,
                 definitions: str | Path | None = None, functions: Mapping[str, Handler] | None = None,
                 request_log: TextIO | None = None, moto_api: bool = False,
                 state_dir: str | Path | None = None) -> None:
        """`definitions`: a directory of the user's *.asl.json (user_definitions.py); `functions`:
        the user's Lambda handlers by function name; `request_log`: where one line per request goes;
        `moto_api`: also serve moto's own /moto-api/ (off by default: it dumps every secret);
        `state_dir`: where state machines, executions and tables are kept across restarts (state_dir.py)."""
        if clock not in ("virtual", "real"):
            raise ValueError(f"clock must be 'virtual' or 'real', got {clock!r}")
        from .user_definitions import discover  # every file is read and named before anything starts

        self.user_definitions = discover(definitions) if definitions is not None else []
        self.user_functions = dict(functions or {})
        for name in self.user_functions:
            if name in FUNCTIONS:
                raise HandlerSpecError(f"--lambda {name}=...: {name!r} is one of the stack's own functions "
                                 f"({', '.join(FUNCTIONS)}); pick another name")
        self.clock, self.region_name, self.account_id, self.stage = clock, region_name, ACCOUNT_ID, stage
        self.state = StateDir(state_dir) if state_dir is not None else None
        self._serving = False  # fully started: only then may close() overwrite the state dir
        prefix = name_prefix or (self.state.name_prefix() if self.state else f"wf{uuid.uuid4().hex[:6]}")
        self.users_table = f"{prefix}-users"
        self.legacy_table = f"{prefix}-legacy-users"
        self.pool_name = f"{prefix}-users"
        self.moto = MotoServices(region_name)
        self.lambdas = LambdaRegistry(region_name, self.account_id)
        self._router: Router | None = None
        self.moto_api = moto_api
        self.token = new_token()  # WORKFLOWS_LOCAL_TOKEN: the /_local/ control endpoints need it
        self.signing_key = SigningKey.generate()  # signs this stack's Cognito tokens (never moto's key)
        # one app for the socket and the in-process clients alike, so both are guarded and logged the
        # same way; the guard needs the port, known once the server is bound
        self._app: Any = self._serve
        self.server = LoopbackServer(self._serve, port=port)
        self.guard = LoopbackGuard(self._dispatch, port=self.server.port, token=self.token)
        self._guarded = RequestLog(self.guard, request_log) if request_log is not None else self.guard
        self.user_pool_id = ""
        self.client_id = ""
        self.state_machines: dict[str, str] = {}  # the project's own (asl/) machines
        self.user_state_machines: dict[str, str] = {}  # --definitions
        self.engine: Any = None
        self.api: ApiGateway | None = None
        self._saved_env: dict[str, str | None] = {}
        self._clients: dict[str, Any] = {}
        self.console_token = secrets.token_urlsafe(24)  # the console's form token, new at every start

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> "LocalStack":
        self.server.start()  # moto answers at once (the authorizer fetches JWKS at import)
        try:
            self._set_env(CREDENTIALS, only_missing=True)
            self._set_env({"AWS_ENDPOINT_URL": self.url, "AWS_REGION": self.region_name,
                           "AWS_DEFAULT_REGION": self.region_name,
                           "MOTO_ACCOUNT_ID": self.account_id})  # moto's resources in the engine's account
            self._create_tables()
            if self.state is not None:
                self.state.restore_tables(self.moto)
            self._create_user_pool()
            self._set_env(self.lambda_environment())
            self._load_functions()
            self._create_engine()
            sfn_api = StepFunctionsApi(self.engine)
            self.api = ApiGateway(api_dir=API_DIR, lambdas=self.lambdas, integration=sfn_api.handle,
                                  placeholders={"StateMachineArn": self.state_machine_arn,
                                                "ExecutionArnPrefix": self.execution_arn_prefix},
                                  stage=self.stage, region_name=self.region_name, account_id=self.account_id)
            self._router = Router(stepfunctions=sfn_api,
                                  cognito=CognitoTriggers(self.moto, self.lambdas, self.signing_key),
                                  api=self.api, api_prefix=self.api.prefix, aws=self.moto,
                                  control=ControlApi(info=self.outputs, clock=self.clock, advance=self.advance),
                                  lambdas=LambdaInvokeApi(self.lambdas),
                                  console=self._console(),
                                  jwks=self.signing_key.serve_jwks, moto_api=self.moto_api)
        except BaseException:
            self.close()
            raise
        self._serving = True
        return self

    def close(self) -> None:
        try:
            if self.state is not None and self._serving:
                self._serving = False
                self.state.save(self.engine, self.moto, own_machines=set(self.state_machines))
        finally:
            self._stop_serving()

    def _stop_serving(self) -> None:
        try:
            self.server.close()
        finally:
            closer = getattr(self.engine, "close", None)
            if callable(closer):
                closer()
            self._forget_function_state()
            self._restore_env()

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _serve(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._guarded(environ, start_response)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._router is None:  # still starting: only moto's services (and this stack's JWKS) are up
            path = environ.get("PATH_INFO", "")
            if is_jwks_path(path):
                return self.signing_key.serve_jwks(environ, start_response)
            if path.startswith(MOTO_API_PREFIX) and not self.moto_api:
                return not_found(start_response, f"{path} is not served while the stack starts")
            return self.moto(environ, start_response)
        return self._router(environ, start_response)

    def _console(self) -> Any:
        """The Step Functions console at /console/, reading the engine in-process (workflows/console)."""
        from workflows.console import ConsoleApp, InProcessClock, Source

        source = Source(self.engine, InProcessClock(self.clock, self.advance), endpoint_label=f"local stack {self.url}")
        return ConsoleApp(source, token=self.console_token)

    # -- what the stack exposes ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    @property
    def console_url(self) -> str:
        return f"{self.url}/console/"

    @property
    def api_url(self) -> str:
        return f"{self.url}/{self.stage}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/{self.user_pool_id}/.well-known/jwks.json"

    def state_machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region_name}:{self.account_id}:stateMachine:{name}"

    def execution_arn_prefix(self, name: str) -> str:
        return f"arn:aws:states:{self.region_name}:{self.account_id}:execution:{name}:"

    def exports(self) -> dict[str, str]:
        """The environment that points an unmodified boto3, AWS CLI or SDK at this stack.

        Endpoint variables are named by each service's SDK service id (``AWS_ENDPOINT_URL_<ID>``,
        botocore's and the AWS CLI's own lookup), so Step Functions is ``SFN``. StartSyncExecution
        and TestState carry an endpoint ``hostPrefix`` ("sync-") in the service model, which would
        send them to ``sync-127.0.0.1``; ``AWS_DISABLE_HOST_PREFIX_INJECTION`` is the config setting
        both SDKs read to leave the host alone. The AWS CLI v1 reads the region from
        ``AWS_DEFAULT_REGION`` only, boto3 from either.
        """
        env = {f"AWS_ENDPOINT_URL_{service_id}": self.url for service_id in ENDPOINT_SERVICE_IDS}
        env.update({"AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
                    "AWS_REGION": self.region_name, "AWS_DEFAULT_REGION": self.region_name, **CREDENTIALS,
                    "WORKFLOWS_ENDPOINT": self.url, "WORKFLOWS_API_URL": self.api_url,
                    TOKEN_ENV: self.token})  # the /_local/ control endpoints' token (loopback_guard.py)
        return env

    def outputs(self) -> dict[str, Any]:
        """What the CDK stack would output, for this local deployment, and the shell exports
        (`workflows up` prints these, `--json` and GET /_local/health return them; the exports carry
        WORKFLOWS_LOCAL_TOKEN, readable only by clients the LoopbackGuard lets in: never a foreign page)."""
        return {"endpoint": self.url, "apiUrl": self.api_url, "region": self.region_name,
                "accountId": self.account_id, "clock": self.clock, "usersTable": self.users_table,
                "legacyUsersTable": self.legacy_table, "userPoolId": self.user_pool_id,
                "userPoolClientId": self.client_id, "jwksUrl": self.jwks_url, "consoleUrl": self.console_url,
                "stateMachines": {**self.state_machines, **self.user_state_machines},
                "lambdaFunctions": {name: self.lambdas.arn(name) for name in self.lambdas.names()},
                "stateDir": str(self.state.path) if self.state is not None else None,
                "exports": self.exports()}

    def lambda_environment(self) -> dict[str, str]:
        """The variables of docs/contracts.md, for every function (they do not collide)."""
        return {
            "USER_POOL_ID": self.user_pool_id, "CLIENT_IDS": self.client_id, "TOKEN_USE": "access",
            "JWKS_URL": self.jwks_url, "TABLE_NAME": self.users_table, "MISSING_PROFILE_POLICY": "open",
            "PROFILE_READ_TIMEOUT_MS": "2000", "GROUP_SCOPES": json.dumps(GROUP_SCOPES),
            "PROFILE_STATE_MACHINE_ARN": self.state_machine_arn("create_profile"),
            "LEGACY_TABLE_NAME": self.legacy_table,
            "ROLE_MODEL_PATH": str(API_DIR / "routes.json"),  # as deployed: routes.json is the role model
        }

    def client(self, service: str) -> Any:
        """A boto3 client for `service` pointed at this stack (cached); it reaches the stack's WSGI
        app in-process (workflows.local.in_process), not over the socket, unless $WORKFLOWS_LOCAL_HTTP_CLIENTS."""
        if service not in self._clients:
            client = endpoint_client(
                service, self.url, region_name=self.region_name, credentials=CREDENTIALS,
                retries={"mode": "standard", "max_attempts": 1})  # ASL Retry decides
            if not os.environ.get("WORKFLOWS_LOCAL_HTTP_CLIENTS"):
                in_process.attach(client, self._app)
            self._clients[service] = client
        return self._clients[service]

    def advance(self, seconds: float) -> None:
        """Move the virtual clock (deadlines, waits); only with clock="virtual"."""
        self.engine.advance(seconds)

    def put_legacy_user(self, *, email: str, password: str, legacy_user_id: str, display_name: str = "",
                        tenant_id: str = "") -> dict[str, Any]:
        """A user of the old system, for the user-migration trigger to find, hashed as production
        hashes (legacy_store.DEFAULT_ITERATIONS, what LEGACY_HASH_ITERATIONS defaults to)."""
        import boto3

        from lambdas.user_migration.legacy_store import put_legacy_user

        table = boto3.resource("dynamodb", **endpoint_kwargs(self.url, region_name=self.region_name,
                                                             credentials=CREDENTIALS)).Table(self.legacy_table)
        return put_legacy_user(table, email=email, password=password, legacy_user_id=legacy_user_id,
                               display_name=display_name, tenant_id=tenant_id)  # production's iteration count

    # -- building -----------------------------------------------------------------------------------
    def _call(self, service: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self.moto.call(service, action, payload)
        if response.status != 200:
            raise RuntimeError(f"local stack: {service} {action} failed: {response.body.decode()[:300]}")
        return response.json()

    def _create_tables(self) -> None:
        self._call("dynamodb", "CreateTable", {
            "TableName": self.users_table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}]})
        self._call("dynamodb", "CreateTable", {
            "TableName": self.legacy_table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}]})

    def _create_user_pool(self) -> None:
        pool = self._call("cognito-idp", "CreateUserPool", {
            "PoolName": self.pool_name, "AliasAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
            "Schema": [{"Name": name, "AttributeDataType": "String", "Mutable": True} for name in CUSTOM_ATTRIBUTES],
            "LambdaConfig": {
                "PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
                                             "LambdaArn": self.lambdas.arn("token_customizer")},
                "PostConfirmation": self.lambdas.arn("post_confirmation"),
                "UserMigration": self.lambdas.arn("user_migration"),
            }})["UserPool"]
        self.user_pool_id = pool["Id"]
        for group in GROUPS:
            self._call("cognito-idp", "CreateGroup", {"UserPoolId": self.user_pool_id, "GroupName": group})
        client = self._call("cognito-idp", "CreateUserPoolClient", {
            "UserPoolId": self.user_pool_id, "ClientName": "app", "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                  "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]})["UserPoolClient"]
        self.client_id = client["ClientId"]

    def _load_functions(self) -> None:
        if str(REPO_ROOT) not in sys.path:
            sys.path.insert(0, str(REPO_ROOT))
        for name in FUNCTIONS:
            module = importlib.import_module(f"lambdas.{name}.handler")
            self.lambdas.register(name, module.handler)
        for name, handler in self.user_functions.items():
            self.lambdas.register(name, handler)
        self._forget_function_state()  # clients/config cached by an earlier stack

    def _forget_function_state(self) -> None:
        """The handlers cache clients and init-time config (as on Lambda); drop them."""
        for name in FUNCTIONS:
            module = sys.modules.get(f"lambdas.{name}.handler")
            for hook, args in (("set_client_factory", (None,)), ("reset", ())):
                if module is not None and callable(getattr(module, hook, None)):
                    getattr(module, hook)(*args)

    def _create_engine(self) -> None:
        from workflows.definitions import MACHINE_TYPES, MACHINES, asl_path, render
        from workflows.engine import StepFunctions
        from workflows.testing.machines import test_params

        self.engine = StepFunctions(region_name=self.region_name, account_id=self.account_id,
                                    clock=self.clock, client_factory=self.client)
        for name in self.lambdas.names():
            self.engine.register_lambda(name, self.lambdas.handler(name))
        # every placeholder the harness knows (machine ARNs by asl/ name, account, region, partition),
        # with this stack's own table and pool
        params = {**test_params(self.region_name, self.account_id),
                  "UsersTable": self.users_table, "UserPoolId": self.user_pool_id}
        for name in MACHINES:
            if not asl_path(name).exists():
                continue
            created = self.engine.create_state_machine(
                name=name, definition=render(name, params), type=MACHINE_TYPES.get(name, "STANDARD"),
                roleArn=f"arn:aws:iam::{self.account_id}:role/{name}-role")
            self.state_machines[name] = created["stateMachineArn"]
        if self.state is not None:
            self.state.restore_machines(self.engine)
        if self.user_definitions:
            from .user_definitions import create_all

            self.user_state_machines = create_all(self.engine, self.user_definitions, self.account_id,
                                                  taken=self.state_machines)
        if self.state is not None:
            self.state.restore_executions(self.engine)

    # -- environment --------------------------------------------------------------------------------
    def _set_env(self, values: dict[str, str], only_missing: bool = False) -> None:
        for key, value in values.items():
            if only_missing and os.environ.get(key):
                continue
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _restore_env(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
