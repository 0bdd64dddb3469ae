"""Preview: the exact request a channel kind would send for a notification, secrets masked, nothing sent."""
