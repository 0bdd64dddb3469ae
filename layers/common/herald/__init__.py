"""Herald: notification channels for monitoring and status-page products."""

__version__ = "0.1.0"
