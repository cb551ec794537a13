"""Standard executions that end TIMED_OUT / FAILED / ABORTED -> a GUARD#<execution arn> record.

The guard machine records the children it runs itself; this rule catches every other Standard
execution too (a guard that itself timed out, a create_profile started by the trigger). Target: a
one-state Express recorder writing the same item shape as asl/guard's RecordOutcome, conditionally,
so a failure the guard already recorded is not overwritten (first record wins). Why a CDK-built
machine and not an asl/ file: it exists only to connect EventBridge to DynamoDB on AWS without code;
the local stack has no EventBridge, and the guard's own recording is what runs there.
"""
from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

WATCHED_STATUSES = ["TIMED_OUT", "FAILED", "ABORTED"]


class FailureEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, table: dynamodb.ITable,
                 watched_machine_arns: list[str], retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)

        def text(path: str) -> dynamodb.AttributeValue:
            # States.Format turns a null (ABORTED runs have no error/cause) into "null", never an error
            return tasks.DynamoAttributeValue.from_string(sfn.JsonPath.format("{}", sfn.JsonPath.string_at(path)))

        record = tasks.DynamoPutItem(
            self, "RecordGuardResult",
            table=table,
            item={
                "pk": tasks.DynamoAttributeValue.from_string(
                    sfn.JsonPath.format("GUARD#{}", sfn.JsonPath.string_at("$.detail.executionArn"))),
                "sk": tasks.DynamoAttributeValue.from_string("RESULT"),
                "status": text("$.detail.status"),
                "error": text("$.detail.error"),
                "cause": text("$.detail.cause"),
                "at": text("$.time"),
                "stateMachineArn": text("$.detail.stateMachineArn"),
                "recordedBy": tasks.DynamoAttributeValue.from_string("eventbridge"),
            },
            condition_expression="attribute_not_exists(pk)",
            task_timeout=sfn.Timeout.duration(Duration.seconds(10)),
        )
        record.add_retry(errors=["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
                                 "States.Timeout"],
                         interval=Duration.seconds(1), max_attempts=5, backoff_rate=2,
                         jitter_strategy=sfn.JitterType.FULL)
        already = sfn.Succeed(self, "AlreadyRecorded")
        record.add_catch(already, errors=["DynamoDB.ConditionalCheckFailedException"])
        log_group = logs.LogGroup(self, "RecorderLogs", log_group_name=f"/aws/vendedlogs/states/{prefix}-guard-recorder",
                                  retention=retention, removal_policy=RemovalPolicy.DESTROY)
        self.recorder = sfn.StateMachine(
            self, "Recorder",
            state_machine_name=f"{prefix}-guard-recorder",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(record),
            timeout=Duration.minutes(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ERROR, include_execution_data=False),
        )
        self.rule = events.Rule(
            self, "ExecutionFailed",
            description="Standard executions of this app that did not succeed -> GUARD# record",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={"status": WATCHED_STATUSES, "stateMachineArn": watched_machine_arns},
            ),
            targets=[targets.SfnStateMachine(self.recorder, retry_attempts=185, max_event_age=Duration.hours(24))],
        )
