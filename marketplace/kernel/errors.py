"""DomainError: a business rule refused an action; its message is safe to show to the user."""


class DomainError(Exception):
    """Raised by services when an action is not allowed; views turn it into a readable message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
