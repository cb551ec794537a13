"""An Amazon States Language interpreter with the boto3 stepfunctions client's public face."""
from workflows.engine.facade import StepFunctions
from workflows.engine.parser import Diagnostic, validate_definition

__all__ = ["StepFunctions", "Diagnostic", "validate_definition"]
