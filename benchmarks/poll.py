"""What one poll costs, side by side with the physical limit and with core Deluge's approach.

Run it with ``scripts/benchmark`` (provisions, then runs this file with ``$CACHE_DIR/venv-bench``:
Home Assistant's test environment plus deluge-client, which only core's approach needs). It
drives pytest with Home Assistant's test harness, so every figure comes from a real Home
Assistant with a real config entry: the coordinator, the torrent devices, the per-torrent
entities at the default cap and the torrent event tracker, as users run them.

Scenarios: N = 100 and 1,000 against a real Deluge 2.2.0 with the WebAPI plugin, filled with
real v1 torrents made from small local files (added with ``webapi.add_torrent``, 8 calls in
flight, ``auto_managed: False``; each seeds at once); N = 10,000 against fake_deluge.py, which
replays the real 1,000-torrent answer multiplied to 10,000 with fresh hashes and seedbox-like
values (two variants, so each timed poll has changes to show).

Per scenario, each figure a median of ``--rounds`` rounds, limit and ours alternating:
- limit: one POST of the exact ``webapi.get_torrents`` request the coordinator makes (captured
  from it) on a logged-in session, plus a bare ``json.loads`` of the body;
- ours: ``coordinator.async_refresh()`` then ``hass.async_block_till_done()``: the four
  concurrent calls, decoding, parsing, the snapshot, torrent devices, events and entity updates;
- core (N = 1,000): Home Assistant's own ``deluge`` integration set up on the same daemon
  (localclient credentials from the config dir's ``auth`` file), refreshed the same way: one
  ``core.get_session_status`` and two ``core.get_torrents_status`` scans with deluge-client;
- wire/poll: every byte both ways of one poll through a counting TCP relay (HTTP headers and
  bodies; gzip, as Deluge sends it); limit wire: the same for the limit's one request;
- writes, unchanged poll: ``state_changed`` + ``state_reported`` events (a redundant write of an
  unchanged state is a ``state_reported``) on a poll whose data equals the previous poll's;
- max loop block: the longest time the event loop could not run a ready callback during a
  refresh (a 1 ms watcher's lateness, which also catches another thread holding the GIL),
  worst of separate rounds so the watcher does not touch the timed ones;
- data held: deep size of ``coordinator.data`` (each distinct object once);
- torrent devices / entities: per-torrent devices and their registry entities (enabled ones in
  brackets); the devices never exceed the cap (asserted).
Against the real Web UI, timed requests are at least 1.6 s apart: it serves torrent status from
a 1.5 s cache, and a poll every 30 s always misses it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import platform
import sys

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]

# Nothing of Home Assistant before pytest.main: its test harness must be first to import it.
from poll_report import Report, rounds_wanted  # noqa: E402


def main() -> int:
    """Run the benchmark with pytest and Home Assistant's test harness; print the table."""
    parser = argparse.ArgumentParser(description="Poll cost: ours vs the limit vs core Deluge's approach.")
    parser.add_argument("--rounds", type=int, default=rounds_wanted(), help="rounds per median")
    parser.add_argument("-k", dest="keyword", help="only the scenarios matching (pytest -k)")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of ours' polls per scenario here")
    arguments = parser.parse_args()
    report = Report(rounds=arguments.rounds)
    report.note(
        f"{arguments.rounds} rounds per median; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        "ratio = ours / limit."
    )
    scenarios = Path(__file__).with_name("poll_scenarios.py")
    pytest_args = [str(scenarios), "-q", "-p", "no:cacheprovider", "--rootdir", str(REPO_ROOT)]
    pytest_args += ["-o", "timeout=900", "-W", "ignore::DeprecationWarning:deluge_client.client"]
    if arguments.profile:
        arguments.profile.mkdir(parents=True, exist_ok=True)
        os.environ["DELUGE_WEBAPI_BENCH_PROFILE"] = str(arguments.profile.resolve())  # read by the scenarios
    if arguments.keyword:
        pytest_args += ["-k", arguments.keyword]
    os.chdir(REPO_ROOT)
    return int(pytest.main(pytest_args, plugins=[report]))


if __name__ == "__main__":
    sys.exit(main())
