"""Cognito pre-token-generation trigger (V2_0 event; V1_0 and V3_0 shapes too).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``TABLE_NAME``               the users table; one GetItem on pk=``USER#<userName>``, sk=``PROFILE``.
- ``MISSING_PROFILE_POLICY``   ``open`` (issue tokens without extra claims, log it; default) or
                               ``closed`` (raise: Cognito refuses the sign-in).
- ``PROFILE_READ_TIMEOUT_MS``  client timeout for the read (default 1000; well under Cognito's 5 s budget).
- ``GROUP_SCOPES``             JSON object group -> list of scopes added to the access token.
- ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
  ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL`` (the local stack points these at itself).
"""
