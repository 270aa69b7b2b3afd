"""`Settings.from_env` parses each setting by its type and refuses what it cannot take,
naming the variable; the log level and the access-log switch are settings. (Through the
CLI: tests/test_cli.py and tests/test_serve_lifecycle.py.)"""

import logging
from dataclasses import fields

import pytest

from service.accesslog import LOGGER, AccessLog
from service.settings import SettingError, Settings


@pytest.fixture(autouse=True)
def no_custom_fields_variables(monkeypatch):
    for f in fields(Settings):
        monkeypatch.delenv(f"CUSTOM_FIELDS_{f.name.upper()}", raising=False)


def test_the_defaults_of_the_new_settings():
    assert Settings().log_level == "INFO"
    assert Settings().access_log is True
    assert Settings.from_env() == Settings()


@pytest.mark.parametrize("raw", ["false", "False", "FALSE", "0", "no", "No", " NO "])
def test_access_log_false_in_any_spelling(monkeypatch, raw):
    monkeypatch.setenv("CUSTOM_FIELDS_ACCESS_LOG", raw)
    assert Settings.from_env().access_log is False


@pytest.mark.parametrize("raw", ["true", "True", "TRUE", "1", "yes", "YES"])
def test_access_log_true_in_any_spelling(monkeypatch, raw):
    monkeypatch.setenv("CUSTOM_FIELDS_ACCESS_LOG", raw)
    assert Settings.from_env().access_log is True


@pytest.mark.parametrize("variable, raw, words", [
    ("CUSTOM_FIELDS_ACCESS_LOG", "off", "true or false"),
    ("CUSTOM_FIELDS_ACCESS_LOG", "", "true or false"),
    ("CUSTOM_FIELDS_ACCESS_LOG", "2", "true or false"),
    ("CUSTOM_FIELDS_PORT", "80a", "an integer"),
    ("CUSTOM_FIELDS_PORT", "8080.0", "an integer"),
    ("CUSTOM_FIELDS_MAX_PAGE_SIZE", "", "an integer"),
    ("CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND", "nan", "a number"),
    ("CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND", "inf", "a number"),
    ("CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND", "quick", "a number"),
    ("CUSTOM_FIELDS_LOG_LEVEL", "VERBOSE", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("CUSTOM_FIELDS_LOG_LEVEL", "20", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("CUSTOM_FIELDS_SYNCHRONOUS", "FAST", "OFF, NORMAL, FULL, EXTRA"),
    ("CUSTOM_FIELDS_DB", "", "empty"),
])
def test_a_value_that_cannot_be_used_is_refused_naming_the_variable(monkeypatch, variable,
                                                                    raw, words):
    monkeypatch.setenv(variable, raw)
    with pytest.raises(SettingError) as refused:
        Settings.from_env()
    message = str(refused.value)
    assert message.startswith(variable + " "), message
    assert words in message
    assert "\n" not in message


def test_levels_and_modes_are_taken_in_any_case(monkeypatch):
    monkeypatch.setenv("CUSTOM_FIELDS_LOG_LEVEL", "debug")
    monkeypatch.setenv("CUSTOM_FIELDS_SYNCHRONOUS", "normal")
    settings = Settings.from_env()
    assert (settings.log_level, settings.synchronous) == ("DEBUG", "NORMAL")


def test_numbers_are_parsed_as_their_type(monkeypatch):
    monkeypatch.setenv("CUSTOM_FIELDS_PORT", " 9001 ")
    monkeypatch.setenv("CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND", "3")
    settings = Settings.from_env()
    assert settings.port == 9001 and type(settings.port) is int
    assert settings.rate_limit_per_second == 3.0
    assert type(settings.rate_limit_per_second) is float


def test_overrides_are_not_parsed_and_win(monkeypatch):
    monkeypatch.setenv("CUSTOM_FIELDS_ACCESS_LOG", "false")
    assert Settings.from_env(access_log=True).access_log is True
    assert Settings.from_env(access_log=None).access_log is False


def test_the_access_log_needs_both_the_setting_and_the_logger():
    previous = LOGGER.level
    try:
        LOGGER.setLevel(logging.INFO)
        assert AccessLog().enabled is True
        assert AccessLog(enabled=False).enabled is False
        LOGGER.setLevel(logging.WARNING)  # what bench/serve.py does
        assert AccessLog().enabled is False
    finally:
        LOGGER.setLevel(previous)
