"""The whole system in one stack: tables, Lambdas, user pool, state machines, REST API, events."""
from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from workflows import definitions

from .failure_events import FailureEvents
from .functions import lambda_function
from .identity import Identity
from .rest_api import API_DIR, RestApi
from .settings import Settings
from .state_machines import StateMachines
from .tables import Tables


class UserLifecycleStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings | None = None, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings = settings or Settings.from_context(self.node)
        retention = settings.log_retention
        self.tables = tables = Tables(self, "Tables", retain=settings.retain_data)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{settings.prefix}-events")

        self.machines = machines = StateMachines(self, "Workflows", prefix=settings.prefix, retention=retention)
        fn = self._functions(machines, retention)
        self.identity = identity = Identity(self, "Identity", prefix=settings.prefix, retain=settings.retain_data,
                                            pre_token=fn["token_customizer"],
                                            post_confirmation=fn["post_confirmation"],
                                            user_migration=fn["user_migration"])
        machines.deploy(
            params={"UsersTable": tables.users.table_name, "UserPoolId": identity.pool.user_pool_id,
                    "EventBusName": self.bus.event_bus_name},
            resources={"UsersTable": tables.users.table_arn, "UserPoolId": identity.pool.user_pool_arn,
                       "EventBusName": self.bus.event_bus_arn})

        fn["authorizer"].add_environment("USER_POOL_ID", identity.pool.user_pool_id)
        fn["authorizer"].add_environment("CLIENT_IDS", identity.client.user_pool_client_id)
        self.api = RestApi(self, "Http", prefix=settings.prefix, authorizer_function=fn["authorizer"],
                           machine_arns=machines.arns, execution_prefixes=machines.execution_prefixes,
                           cache_seconds=settings.authorizer_cache_seconds, retention=retention)
        self.failures = FailureEvents(
            self, "Failures", prefix=settings.prefix, table=tables.users, retention=retention,
            watched_machine_arns=[machines.arns[n] for n in definitions.MACHINES
                                  if definitions.MACHINE_TYPES[n] == "STANDARD"])
        self.functions = fn

        region = self.region
        CfnOutput(self, "UserPoolId", value=identity.pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=identity.client.user_pool_client_id)
        CfnOutput(self, "JwksUrl", value=f"https://cognito-idp.{region}.amazonaws.com/"
                                         f"{identity.pool.user_pool_id}/.well-known/jwks.json")
        CfnOutput(self, "ApiUrl", value=self.api.api.url)
        CfnOutput(self, "UsersTableName", value=tables.users.table_name)
        CfnOutput(self, "LegacyUsersTableName", value=tables.legacy.table_name)
        for name, machine in machines.machines.items():
            CfnOutput(self, f"{name.title().replace('_', '')}StateMachineArn", value=machine.state_machine_arn)

    def _functions(self, machines: StateMachines, retention: logs.RetentionDays) -> dict[str, lambda_.Function]:
        s, tables = self.settings, self.tables
        routes_layer = lambda_.LayerVersion(
            self, "RoutesLayer", code=lambda_.Code.from_asset(str(API_DIR)),
            compatible_architectures=[lambda_.Architecture.ARM_64],
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
            description="api/routes.json at /opt/routes.json: the authorizer's role model")
        fn = {
            "authorizer": lambda_function(self, "authorizer", timeout_seconds=5, memory_mb=512, retention=retention,
                                          layers=[routes_layer], environment={
                                              "TOKEN_USE": s.token_use,
                                              "ROLE_MODEL_PATH": "/opt/routes.json"}),
            "token_customizer": lambda_function(self, "token_customizer", timeout_seconds=4, memory_mb=512,
                                                retention=retention, environment={
                                                    "TABLE_NAME": tables.users.table_name,
                                                    "MISSING_PROFILE_POLICY": s.missing_profile_policy,
                                                    "PROFILE_READ_TIMEOUT_MS": str(s.profile_read_timeout_ms),
                                                    "GROUP_SCOPES": json.dumps(s.group_scopes, sort_keys=True)}),
            "post_confirmation": lambda_function(self, "post_confirmation", timeout_seconds=5, memory_mb=256,
                                                 retention=retention, environment={
                                                     "PROFILE_STATE_MACHINE_ARN": machines.arns["create_profile"]}),
            "user_migration": lambda_function(self, "user_migration", timeout_seconds=5, memory_mb=512,
                                              retention=retention, environment={
                                                  "LEGACY_TABLE_NAME": tables.legacy.table_name,
                                                  "TABLE_NAME": tables.users.table_name}),
        }
        _allow(fn["token_customizer"], ["dynamodb:GetItem"], [tables.users.table_arn])
        _allow(fn["user_migration"], ["dynamodb:GetItem"], [tables.legacy.table_arn, tables.users.table_arn])
        _allow(fn["user_migration"], ["states:SendTaskSuccess"], [machines.arns["migrate_user"]])
        _allow(fn["post_confirmation"], ["states:StartExecution"], [machines.arns["create_profile"]])
        return fn


def _allow(function: lambda_.Function, actions: list[str], resources: list[str]) -> None:
    function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
