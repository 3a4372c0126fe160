"""Settings: what each parses to and how a bad one is refused, in process; and a bad one stops `python wsgi.py`
at once with one clear line (slow: a process per bad setting)."""

import os
import subprocess
import sys

import pytest
from support.appserver import REPO, free_port

from assistant.config import Config, SettingsError

# (environment, the variable the error line must name)
BAD_STARTS = [
    ({"PORT": "abc"}, "PORT"),
    ({"SIGN_BUDGET": "lots"}, "SIGN_BUDGET"),
    ({"STALL_SECONDS": "-1"}, "STALL_SECONDS"),
    ({"ACCESS_PASSWORD": "team password"}, "SECRET_KEY"),
    ({"DATABASE_URL": f"postgresql://live:s3cret@127.0.0.1:{free_port()}/records"}, "DATABASE_URL"),  # unreachable
    ({"CAPTURE_DIR": "/proc/no-captures-here"}, "CAPTURE_DIR"),  # /proc takes no new folder, even from root
    ({"HOST": "nohost.invalid"}, "HOST"),  # .invalid never resolves (RFC 6761), and fails at once offline too
    ({"HOST": "999.1.1.1"}, "HOST"),
    ({"HOST": "192.0.2.1"}, "HOST"),  # TEST-NET-1: an address, but never one of this machine's
    ({"DEMO": "1", "REDIS_URL": "redis://127.0.0.1:9/0", "TIKTOK_SIMULATOR_URL": ""}, "TIKTOK_SIMULATOR_URL"),
    # A login, but TikTokLive would refuse to send it to the sign server: said at the start, not at each connect.
    ({"TIKTOK_SESSION_ID": "s3cret", "TIKTOK_TARGET_IDC": "useast2a", "WHITELIST_AUTHENTICATED_SESSION_ID_HOST": "",
      "RECORD_STREAMS": "0"}, "WHITELIST_AUTHENTICATED_SESSION_ID_HOST"),
]  # every other rule is checked in process below: the same SettingsError, the same way out


@pytest.fixture(scope="module")
def bad_starts():
    """Start `python wsgi.py` once per bad environment, all at once: {case index: (exit status, output)}."""
    base = {**os.environ, "PORT": str(free_port()), "SECRET_KEY": "", "ACCESS_PASSWORD": "",
            "TIKTOK_SIMULATOR_URL": "http://127.0.0.1:9", "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    processes = [
        subprocess.Popen([sys.executable, "wsgi.py"], cwd=REPO, env={**base, **env}, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for env, _ in BAD_STARTS
    ]
    outcomes = {}
    for index, process in enumerate(processes):
        try:
            output, _ = process.communicate(timeout=60)  # a loaded machine: nine starts at once
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        outcomes[index] = (process.returncode, output)
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BAD_STARTS)), ids=[variable for _, variable in BAD_STARTS])
def test_a_bad_setting_stops_the_start_with_one_line(bad_starts, index):
    status, output = bad_starts[index]
    variable = BAD_STARTS[index][1]
    assert status == 2, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("Live Assistant: bad setting: ") and variable in lines[0]
    assert "s3cret" not in output


@pytest.mark.parametrize(("env", "message"), [
    ({"PORT": "70000"}, "PORT must be a whole number from 1 to 65535, got '70000'"),
    ({"MAX_SESSIONS": "-5"}, "MAX_SESSIONS must be a whole number of 1 or more, got '-5'"),
    ({"PORT": "5000.5"}, "PORT must be a whole number"),
    ({"TRUSTED_PROXIES": "-1"}, "TRUSTED_PROXIES must be a whole number of 0 or more, got '-1'"),
    ({"CLEANUP_GRACE_SECONDS": "soon"}, "CLEANUP_GRACE_SECONDS must be a number of 0 or more, got 'soon'"),
    ({"GIFT_STREAK_TIMEOUT_SECONDS": "0"}, "GIFT_STREAK_TIMEOUT_SECONDS must be a number above 0"),
    ({"RUNNER_LEASE_SECONDS": "inf"}, "RUNNER_LEASE_SECONDS must be a number above 0"),
    ({"STALL_SECONDS": "nan"}, "STALL_SECONDS must be a number above 0"),
    ({"DECODE_CHECK_RATE": "2"}, "DECODE_CHECK_RATE must be a number of 0 or more and at most 1, got '2'"),
    ({"ACCESS_SESSION_HOURS": "forever"}, "ACCESS_SESSION_HOURS must be a number above 0 and at most"),
    ({"SIGN_BUDGET": "5/fortnight"}, "SIGN_BUDGET must look like 5/minute,30/hour,100/day or none, got '5/fortnight'"),
    ({"SIGN_BUDGET": "0/minute"}, "SIGN_BUDGET must look like"),
    ({"SIGN_BUDGET": "5/minute,"}, "SIGN_BUDGET must look like"),
    ({"SIGN_BUDGET": "minute/5"}, "SIGN_BUDGET must look like"),
    ({"ACCESS_PASSWORD": "   ", "SECRET_KEY": "a-fixed-key"}, "ACCESS_PASSWORD must be a password"),
    ({"ACCESS_PASSWORD": "pw"}, "SECRET_KEY is required when ACCESS_PASSWORD is set"),
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL like redis://localhost:6379/0 (schemes: redis, "),
    ({"TIKTOK_SIMULATOR_URL": "127.0.0.1:8100"}, "TIKTOK_SIMULATOR_URL must be a URL like http://127.0.0.1:8100"),
    ({"DATABASE_URL": "mysql://db.example/records"}, "DATABASE_URL must be a URL like postgresql://"),
    ({"RECORD_RETENTION_DAYS": "0"}, "RECORD_RETENTION_DAYS must be a whole number of 1 or more, got '0'"),
    ({"RECORD_QUEUE_EVENTS": "lots"}, "RECORD_QUEUE_EVENTS must be a whole number of 100 or more"),
    ({"CAPTURE_MAX_MB": "0"}, "CAPTURE_MAX_MB must be a whole number of 1 or more, got '0'"),
    ({"MAX_STREAMS": "many\nlines"}, r"MAX_STREAMS must be a whole number of 1 or more, got 'many\nlines'"),
    ({"MAX_SESSIONS_PER_IP": "0"}, "MAX_SESSIONS_PER_IP must be a whole number of 1 or more, got '0'"),
    ({"RECENT_EVENTS": "-1"}, "RECENT_EVENTS must be a whole number of 0 or more, got '-1'"),
    ({"MAX_CONNECTIONS": "lots"}, "MAX_CONNECTIONS must be a whole number of 1 or more, got 'lots'"),
    ({"WATCH_CALLS_PER_MINUTE": "0"}, "WATCH_CALLS_PER_MINUTE must be a whole number of 1 or more, got '0'"),
    ({"MAX_MESSAGE_BYTES": "1e6"}, "MAX_MESSAGE_BYTES must be a whole number of 1 or more, got '1e6'"),
    ({"VIEWER_CARDS": "9"}, "VIEWER_CARDS must be a whole number of 10 or more, got '9'"),
    ({"SOURCE_URL": "git.example.com/fork"}, "SOURCE_URL must be a URL like https://"),
    ({"TIKTOK_SESSION_ID": "abc"}, "TIKTOK_SESSION_ID and TIKTOK_TARGET_IDC go together"),
    ({"TIKTOK_TARGET_IDC": "useast2a"}, "TIKTOK_SESSION_ID and TIKTOK_TARGET_IDC go together"),
    ({"TIKTOK_SESSION_ID": "abc; evil=1", "TIKTOK_TARGET_IDC": "useast2a"}, "TIKTOK_SESSION_ID must be the cookie's"),
    ({"TIKTOK_SESSION_ID": "abc", "TIKTOK_TARGET_IDC": "us\neast"}, "TIKTOK_TARGET_IDC must be the cookie's"),
    ({"DEMO": "1", "REDIS_URL": "redis://localhost:6379/0"}, "DEMO cannot be used with REDIS_URL (it would start a "
     "simulator in every process): start one simulator (python -m assistant.simulator --port 8100) and set "
     "TIKTOK_SIMULATOR_URL=http://127.0.0.1:8100 on every process instead of DEMO"),
])
def test_bad_values_name_the_variable_and_the_form(env, message):
    with pytest.raises(SettingsError) as raised:
        Config(env)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("env", "budget"), [
    ({}, ((5, 60), (30, 3600), (100, 86400))),
    ({"SIGN_BUDGET": "10/minute, 2 / Hours,1/d,3/s"}, ((10, 60), (2, 3600), (1, 86400), (3, 1))),
    ({"SIGN_BUDGET": "None"}, None),
    ({"DEMO": "1"}, None),
    ({"TIKTOK_SIMULATOR_URL": "http://127.0.0.1:8100"}, None),
    ({"TIKTOK_SIMULATOR_URL": "http://127.0.0.1:8100", "SIGN_BUDGET": "1/minute"}, ((1, 60),)),
])
def test_sign_budget(env, budget):
    assert Config(env).SIGN_BUDGET == budget


def test_demo_with_redis_is_fine_once_the_processes_share_a_simulator():
    config = Config({"DEMO": "1", "REDIS_URL": "redis://localhost:6379/0",
                     "TIKTOK_SIMULATOR_URL": "http://127.0.0.1:8100"})
    assert config.DEMO and config.REDIS_URL


def test_a_bad_url_is_not_quoted_back():
    """A Redis URL may carry a password: the error line names the variable, not the value."""
    with pytest.raises(SettingsError) as raised:
        Config({"REDIS_URL": "http://:s3cret-pw@redis.example:6379"})
    assert "s3cret-pw" not in str(raised.value)


# (environment, the setting, what it becomes): every setting of Config, read from a value it takes
VALUES = [
    ({"PORT": " 8080 "}, "PORT", 8080),
    ({"HOST": "0.0.0.0"}, "HOST", "0.0.0.0"),
    ({"SIGN_API_KEY": "euler-key"}, "SIGN_API_KEY", "euler-key"),
    ({"CLEANUP_GRACE_SECONDS": "0"}, "CLEANUP_GRACE_SECONDS", 0.0),
    ({"DEBUG_TOKEN": "token"}, "DEBUG_TOKEN", "token"),
    ({"SOURCE_URL": "https://git.example.com/fork"}, "SOURCE_URL", "https://git.example.com/fork"),
    ({"ALLOWED_ORIGINS": " https://a.example, ,https://b.example "}, "ALLOWED_ORIGINS",
     ["https://a.example", "https://b.example"]),
    ({"MAX_SESSIONS": "5"}, "MAX_SESSIONS", 5),
    ({"MAX_SESSIONS_PER_IP": "3"}, "MAX_SESSIONS_PER_IP", 3),
    ({"MAX_STREAMS": "7"}, "MAX_STREAMS", 7),
    ({"DEMO": " Yes "}, "DEMO", True),
    ({"TIKTOK_SIMULATOR_URL": "http://127.0.0.1:8100"}, "TIKTOK_SIMULATOR_URL", "http://127.0.0.1:8100"),
    ({"REDIS_URL": "rediss://:pw@redis.example:6380/1"}, "REDIS_URL", "rediss://:pw@redis.example:6380/1"),
    ({"REDIS_CHANNEL": "team-a"}, "REDIS_CHANNEL", "team-a"),
    ({"RUNNER_LEASE_SECONDS": "2.5"}, "RUNNER_LEASE_SECONDS", 2.5),
    ({"SIGN_BUDGET": "3/h"}, "SIGN_BUDGET", ((3, 3600),)),
    ({"STALL_SECONDS": "90"}, "STALL_SECONDS", 90.0),
    ({"CAPTURE_DIR": "/srv/captures"}, "CAPTURE_DIR", "/srv/captures"),
    ({"CAPTURE_MAX_MB": "5"}, "CAPTURE_MAX_MB", 5),
    ({"DECODE_CHECK_RATE": "0.25"}, "DECODE_CHECK_RATE", 0.25),
    ({"DATABASE_URL": "postgresql+psycopg://u:p@db/records"}, "DATABASE_URL", "postgresql+psycopg://u:p@db/records"),
    ({"RECORD_STREAMS": "off"}, "RECORD_STREAMS", False),
    ({"RECORD_RETENTION_DAYS": "7"}, "RECORD_RETENTION_DAYS", 7),
    ({"RECORD_QUEUE_EVENTS": "100"}, "RECORD_QUEUE_EVENTS", 100),
    ({"WEBHOOK_ALLOW_PRIVATE": "1"}, "WEBHOOK_ALLOW_PRIVATE", True),
    ({"ACCESS_PASSWORD": " pw ", "SECRET_KEY": "fixed"}, "ACCESS_PASSWORD", " pw "),
    ({"SECRET_KEY": "fixed"}, "SECRET_KEY", "fixed"),
    ({"ACCESS_SESSION_HOURS": "0.5"}, "ACCESS_SESSION_HOURS", 0.5),
    ({"RECENT_EVENTS": "0"}, "RECENT_EVENTS", 0),
    ({"MAX_CONNECTIONS": "64"}, "MAX_CONNECTIONS", 64),
    ({"TRUSTED_PROXIES": "2"}, "TRUSTED_PROXIES", 2),
    ({"WATCH_CALLS_PER_MINUTE": "5"}, "WATCH_CALLS_PER_MINUTE", 5),
    ({"MAX_MESSAGE_BYTES": "1024"}, "MAX_MESSAGE_BYTES", 1024),
    ({"GIFT_STREAK_TIMEOUT_SECONDS": "0.25"}, "GIFT_STREAK_TIMEOUT_SECONDS", 0.25),
    ({"VIEWER_CARDS": "10"}, "VIEWER_CARDS", 10),
    ({"TIKTOK_SESSION_ID": "0a1b2c", "TIKTOK_TARGET_IDC": "eu-ttp2"}, "TIKTOK_SESSION_ID", "0a1b2c"),
    ({"TIKTOK_SESSION_ID": "0a1b2c", "TIKTOK_TARGET_IDC": "eu-ttp2"}, "TIKTOK_TARGET_IDC", "eu-ttp2"),
]


@pytest.mark.parametrize(("env", "name", "value"), VALUES, ids=[name for _, name, _ in VALUES])
def test_each_setting_reads_its_variable(env, name, value):
    assert getattr(Config(env), name) == value


def test_a_bad_tiktok_session_is_not_quoted_back():
    with pytest.raises(SettingsError) as raised:
        Config({"TIKTOK_SESSION_ID": "s3cret;x", "TIKTOK_TARGET_IDC": "useast2a"})
    assert "s3cret" not in str(raised.value)


def test_the_table_names_every_setting():
    assert sorted(name for _, name, _ in VALUES) == sorted(vars(Config({})))


def test_defaults_and_an_empty_value_counting_as_unset():
    config = Config({"PORT": "", "STALL_SECONDS": "", "ACCESS_PASSWORD": ""})
    assert (config.PORT, config.STALL_SECONDS, config.RUNNER_LEASE_SECONDS) == (5000, 60, 10)
    assert config.DECODE_CHECK_RATE == 0.01 and Config({"DECODE_CHECK_RATE": "0"}).DECODE_CHECK_RATE == 0
    assert config.ACCESS_PASSWORD is None and config.ACCESS_SESSION_HOURS == 12
    assert len(config.SECRET_KEY) == 64, "random when unset and no password asks for a fixed one"
    assert (config.DATABASE_URL, config.RECORD_STREAMS, config.RECORD_RETENTION_DAYS) == (None, True, 30)
    assert not Config({"RECORD_STREAMS": "0"}).RECORD_STREAMS
    access = Config({"ACCESS_PASSWORD": "pw", "SECRET_KEY": "fixed", "ACCESS_SESSION_HOURS": "0.5"})
    assert (access.ACCESS_PASSWORD, access.SECRET_KEY, access.ACCESS_SESSION_HOURS) == ("pw", "fixed", 0.5)
