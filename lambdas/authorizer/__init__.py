"""Package marker so tests and the local stack can import ``lambdas.authorizer.handler``."""
