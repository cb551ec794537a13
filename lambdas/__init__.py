"""Deployed Lambda functions, one self-contained folder each (the CDK app packages every folder alone).

This file only lets tests and the local stack import them as ``lambdas.<fn>.handler``; on AWS each
folder is the whole code asset and its entry point is ``handler.handler``.
"""
