"""The asl/ machines, deployed as the exact text workflows.definitions.render() produces.

Each machine gets an explicit name, so its ARN is known before it exists: the post-confirmation and
user-migration Lambdas (Cognito triggers) need ARNs of machines that themselves reference the user
pool, and Refs would make that a dependency cycle. Each role holds exactly the actions its definition
uses (cdk.asl_permissions) on exactly the resources its placeholders name.
"""
from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from workflows import definitions

from ..asl_permissions import DYNAMIC_CHILD, EXECUTIONS_OF, SYNC_RULE, needs_of

# Children the guard may run (its StateMachineArn comes from its input): the Standard machines
# other than itself. signup is Express and is started synchronously by API Gateway instead.
GUARDED_CHILDREN = ("create_profile", "migrate_user", "migrate_batch")
_COLON = ArnFormat.COLON_RESOURCE_NAME


def machine_arn(stack: Stack, physical_name: str) -> str:
    return stack.format_arn(service="states", resource="stateMachine", resource_name=physical_name,
                            arn_format=_COLON)


def execution_arn_prefix(stack: Stack, physical_name: str) -> str:
    """arn:...:execution:<machine>: — every execution of the machine starts with this."""
    return stack.format_arn(service="states", resource="execution", resource_name=f"{physical_name}:",
                            arn_format=_COLON)




class StateMachines(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, retention: logs.RetentionDays) -> None:
        """Names and ARNs only; deploy() creates the machines once their resources exist."""
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.names = {name: f"{prefix}-{name}" for name in definitions.MACHINES}
        self.arns = {name: machine_arn(stack, physical) for name, physical in self.names.items()}
        self.execution_prefixes = {name: execution_arn_prefix(stack, p) for name, p in self.names.items()}
        self.params: dict[str, str] = {}
        self._resources: dict[str, str] = {}
        self.machines: dict[str, sfn.StateMachine] = {}
        self.roles: dict[str, iam.Role] = {}
        self._retention = retention

    def deploy(self, params: Mapping[str, str], resources: Mapping[str, str]) -> None:
        """Create every machine from asl/ with these placeholder values (plus the machine ARNs).

        resources: placeholder -> ARN of what it names (UsersTable -> table ARN, UserPoolId -> pool
        ARN, EventBusName -> bus ARN): the IAM resources of the actions that use it."""
        self._resources = dict(resources)
        self.params = {**params, "CreateProfileStateMachineArn": self.arns["create_profile"],
                       "MigrateUserStateMachineArn": self.arns["migrate_user"],
                       "AccountId": Aws.ACCOUNT_ID, "Region": Aws.REGION, "Partition": Aws.PARTITION}
        for name in definitions.MACHINES:
            role = iam.Role(self, f"{name}-role", assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                            description=f"{self.names[name]}: exactly the actions asl/{name}.asl.json uses")
            for statement in self._statements(name):
                role.add_to_policy(statement)
            log_group = logs.LogGroup(self, f"{name}-logs",
                                      log_group_name=f"/aws/vendedlogs/states/{self.names[name]}",
                                      retention=self._retention, removal_policy=RemovalPolicy.DESTROY)
            express = definitions.MACHINE_TYPES[name] == "EXPRESS"
            self.machines[name] = sfn.StateMachine(
                self, name,
                state_machine_name=self.names[name],
                state_machine_type=sfn.StateMachineType.EXPRESS if express else sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string(definitions.render(name, self.params)),
                role=role,
                tracing_enabled=True,
                # Execution data carries emails: kept out of logs. Express runs have no history
                # other than these logs, so they log every event; Standard ones log errors.
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL if express else sfn.LogLevel.ERROR,
                                    include_execution_data=False),
            )
            self.roles[name] = role

    def _statements(self, name: str) -> list[iam.PolicyStatement]:
        by_target: dict[str, set[str]] = {}
        for need in needs_of(name):
            by_target.setdefault(need.target, set()).add(need.action)
        statements = []
        for target, actions in sorted(by_target.items()):
            statements.append(iam.PolicyStatement(actions=sorted(actions), resources=self._arns_for(name, target)))
        return statements

    def _arns_for(self, name: str, target: str) -> list[str]:
        stack = Stack.of(self)
        if target == SYNC_RULE:
            return [stack.format_arn(service="events", resource="rule",
                                     resource_name="StepFunctionsGetEventsForStepFunctionsExecutionRule")]
        if target.startswith(EXECUTIONS_OF):
            children = self._children(name, target[len(EXECUTIONS_OF):])
            return [self.execution_prefixes[child] + "*" for child in children]
        if target == DYNAMIC_CHILD or target.endswith("StateMachineArn"):
            return [self.arns[child] for child in self._children(name, target)]
        if target in self._resources:
            return [self._resources[target]]
        raise KeyError(f"asl/{name}.asl.json: no AWS resource known for placeholder ${{{target}}}")

    def _children(self, name: str, target: str) -> tuple[str, ...]:
        if target == DYNAMIC_CHILD:
            return tuple(child for child in GUARDED_CHILDREN if child != name)
        by_placeholder = {"CreateProfileStateMachineArn": "create_profile", "MigrateUserStateMachineArn": "migrate_user"}
        if target not in by_placeholder:
            raise KeyError(f"asl/{name}.asl.json: unknown state machine placeholder ${{{target}}}")
        return (by_placeholder[target],)
