"""The service's own `serve` command, with the access log switched off or under cProfile.

    python -m bench.serve [--access-log-level WARNING] [--profile OUT] -- --db DB serve ...

There is no setting for the log level yet, so the access logger's level is set here
before `service.cli.main` runs; the bench compares the two to price the JSON access
log. With `--profile OUT`, the main thread (event loop) is profiled into OUT and every
other thread (the event store's writer, the aiosqlite readers) into OUT.threads; both
are written when the server stops on SIGINT.
"""

import argparse
import cProfile
import logging
import threading

from service.cli import main as service_main

ACCESS_LOGGER = "custom_fields.access"


def _profile_threads() -> list[cProfile.Profile]:
    profiles: list[cProfile.Profile] = []
    original_run = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()
        try:
            original_run(self)
        finally:
            profile.disable()

    threading.Thread.run = run  # type: ignore[method-assign]
    return profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--access-log-level", help="e.g. WARNING: no access log lines")
    parser.add_argument("--profile", help="write cProfile stats here")
    parser.add_argument("service_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    service_args = [a for a in args.service_args if a != "--"]
    if args.access_log_level:
        logging.getLogger(ACCESS_LOGGER).setLevel(args.access_log_level.upper())
    if not args.profile:
        return service_main(service_args)
    thread_profiles = _profile_threads()
    profile = cProfile.Profile()
    profile.enable()
    try:
        return service_main(service_args)
    finally:
        profile.disable()
        profile.dump_stats(args.profile)
        if thread_profiles:
            import pstats
            stats = pstats.Stats(thread_profiles[0])
            for other in thread_profiles[1:]:
                stats.add(other)
            stats.dump_stats(args.profile + ".threads")


if __name__ == "__main__":
    raise SystemExit(main())
