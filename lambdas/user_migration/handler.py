"""Cognito user-migration trigger (UserMigration_Authentication and UserMigration_ForgotPassword).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``LEGACY_TABLE_NAME``  legacy users (key ``username`` = lower-cased email; pbkdf2_sha256 hashes).
- ``TABLE_NAME``         users table; pending migration at pk=``MIGRATION#<lower email>``, sk=``MIGRATION``.
- ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL_STEPFUNCTIONS`` / ``AWS_ENDPOINT_URL`` via boto3.
Helper for tests and the local stack: ``legacy_store.hash_password`` / ``legacy_store.put_legacy_user``.
"""
