"""Deployed Lambda functions, one self-contained folder each (the CDK app packages every folder alone).

This file only lets tests and the local stack import them as ``lambdas.<fn>.handler``; on AWS each
folder is the whole code asset and its entry point is ``handler.handler``.

Why each Cognito trigger has its own ``trigger_event.py``, although the three open alike (the event
as a dict, ``request`` as a dict, ``triggerSource`` and ``userName`` as strings): sharing those lines
would take a deployment mechanism of its own - a Lambda layer attached to three functions and a third
import path in each, or bundling that copies a module from outside the folder, whose change CDK's
asset hash (computed from the folder) would not see. For a dozen lines of reading that is the wrong
trade. As it is, each folder is its function's whole code (tests/lambdas/test_deployed_layout.py
imports each alone), a change to one trigger cannot alter what another runs, and the readers are
free to differ where the triggers do (user migration refuses a blank ``userName``, post-confirmation
reads ``userAttributes``, the token customizer ``groupConfiguration`` and ``scopes``). What the local
stack shares with a function it imports from that function's folder (pretoken.py reads
token_customizer/cognito_claims.py), never the other way round.
"""
