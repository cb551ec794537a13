"""Cognito user-lifecycle workflows on Step Functions: engine, harness, local stack and CLI."""
