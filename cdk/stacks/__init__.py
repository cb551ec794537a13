"""The stack (user_lifecycle) and the constructs it is made of, one concern per module."""
