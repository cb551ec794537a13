"""API Gateway Lambda authorizer for Cognito user-pool JWTs (REST TOKEN/REQUEST, HTTP API).

Entry point: ``handler.handler`` (alias ``lambda_handler``).

Environment:
- ``AWS_REGION``        region of the pool (the pool id's own ``<region>_`` prefix wins when present).
- ``USER_POOL_ID``      e.g. ``us-east-1_AbCdEf123``; issuer is accepted in both the
                        ``https://cognito-idp.<region>.amazonaws.com/<pool>`` and the
                        ``https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`` forms.
- ``CLIENT_IDS``        comma-separated app client ids (``client_id`` of access tokens, ``aud`` of ID tokens).
- ``TOKEN_USE``         ``access`` | ``id`` | ``any`` (default ``access``).
- ``JWKS_PATH``         JWKS file bundled with the function (init then needs no network).
- ``JWKS_URL``          optional override of the pool's JWKS URL (the local stack points it at moto).
- ``ROLE_MODEL_PATH``   groups -> routes model (default: ``role_model.json`` next to this file).
- ``REQUIRED_SCOPES``   optional, space/comma-separated scopes every access token must carry.
- ``CLOCK_LEEWAY_SECONDS`` (default 30), ``JWKS_REFRESH_COOLDOWN_SECONDS`` (default 300),
  ``TOKEN_CACHE_SIZE`` (default 10000), ``HTTP_API_RESPONSE`` (``simple`` | ``policy``, default simple).
"""
