"""Settings and the message catalogue."""

from config.catalogue import MESSAGES, Catalogue, LanguageInfo
from config.settings import Settings, SettingsError, load_settings

__all__ = ["MESSAGES", "Catalogue", "LanguageInfo", "Settings", "SettingsError", "load_settings"]
