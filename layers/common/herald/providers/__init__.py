"""Tenant provider settings: credentials stored once (Twilio, Vonage, Telegram, Pushover) for many channels."""
