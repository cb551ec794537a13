"""The Cognito user pool: numeric usernames with email as an alias, three groups, the triggers.

Why ESSENTIALS: access-token customization by the pre-token-generation trigger (V2_0 event) needs the
Essentials or Plus feature plan; Lite only customizes ID tokens. Why username + email alias (not
email-as-username): usernames are the numeric ids that signup allocates, and a pool with email as the
username would reject them.
"""
from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

GROUPS = {"Admin": 0, "Registrar": 10, "User": 20}  # name -> precedence (lower wins in cognito:preferred_role)


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, retain: bool,
                 pre_token: lambda_.IFunction, post_confirmation: lambda_.IFunction,
                 user_migration: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.pool = cognito.UserPool(
            self, "UserPool",
            user_pool_name=f"{prefix}-users",
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            self_sign_up_enabled=False,  # users are created by the signup workflow (numeric ids)
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)),
            custom_attributes={  # what the user-migration trigger returns
                "legacy_user_id": cognito.StringAttribute(min_len=1, max_len=72, mutable=True),
                "tenant_id": cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(min_length=12, require_digits=True, require_lowercase=True,
                                                   require_uppercase=True, require_symbols=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=retain,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        self.pool.add_trigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, pre_token,
                              cognito.LambdaVersion.V2_0)
        self.pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, post_confirmation)
        self.pool.add_trigger(cognito.UserPoolOperation.USER_MIGRATION, user_migration)
        for name, precedence in GROUPS.items():
            cognito.UserPoolGroup(self, f"{name}Group", user_pool=self.pool, group_name=name, precedence=precedence)
        self.client = self.pool.add_client(
            "AppClient",
            user_pool_client_name=f"{prefix}-app",
            # USER_PASSWORD_AUTH: the user-migration trigger only sees the password on this flow.
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            generate_secret=False,
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
