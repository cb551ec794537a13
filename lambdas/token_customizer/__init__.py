"""Package marker so tests and the local stack can import ``lambdas.token_customizer.handler``."""
