"""An Amazon States Language interpreter with the boto3 stepfunctions client's public face."""
from workflows.engine.client import StepFunctions
from workflows.engine.parser import Diagnostic, validate_definition
from workflows.engine.virtual_time import virtual_sleep

__all__ = ["StepFunctions", "Diagnostic", "validate_definition", "virtual_sleep"]
