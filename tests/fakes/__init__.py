"""Fake far ends (Bot API, Twilio REST) served on 127.0.0.1 for the tests."""
