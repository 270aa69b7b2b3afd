"""Serving: bind, say so, wait for a stop signal, clean up, whatever the signals do.

`serve` runs the app with an explicit `web.AppRunner`: it binds the port first, then
prints "Serving on ..." (or the demo banner), and stops on SIGINT or SIGTERM (once or
many times, to the process or its group). A signal only sets the stop event, so cleanup
(the HTTP server with a short shutdown timeout, then the backend's readers and writer)
always runs to its end; later signals are ignored until the process exits. What can
never be listened on is refused before anything is opened (`CannotServe`).
"""

import asyncio
import ipaddress
import logging
import os
import re
import signal
import socket
import sys
import threading

from service.settings import Settings

logger = logging.getLogger("custom_fields.cli")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SHUTDOWN_TIMEOUT = 3.0  # seconds in-flight requests get once serving stops


class CannotServe(Exception):
    """The address cannot be listened on: one line on stderr, exit 1."""


def check_listen_address(settings: Settings, *, host_flag: bool, port_flag: bool) -> None:
    """Refuse what can never be listened on before anything is opened."""
    port_source = "--port" if port_flag else "CUSTOM_FIELDS_PORT"
    if not 1 <= settings.port <= 65535:
        raise CannotServe(f"{port_source} must be between 1 and 65535, not {settings.port}")
    host, host_source = settings.host, "--host" if host_flag else "CUSTOM_FIELDS_HOST"
    if not host.strip():
        raise CannotServe(f"{host_source} must not be empty")
    if re.fullmatch(r"[0-9.]+", host):  # looks like IPv4: never a name to look up
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise CannotServe(f"{host_source} {host!r} is not an IPv4 address") from None


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def serve(settings: Settings, *, demo: bool) -> None:
    """Set the app up, bind, say so, wait for a stop signal, clean up.

    Every stop signal only sets `stop` (so none can raise inside cleanup, which would
    leave the aiosqlite reader threads running and the interpreter waiting for them at
    exit); once cleanup is done they are ignored until the process has exited."""
    from aiohttp import web

    from service.app import create_app
    from service.appkeys import backend_key, context_key
    from service.demo import banner, ensure_demo

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(sig: signal.Signals) -> None:
        if not stop.is_set():
            logger.info("%s received: stopping", sig.name)
            stop.set()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        app = create_app(settings)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        try:
            await runner.setup()  # opens the backend (and creates the database)
            if stop.is_set():
                return
            site = web.TCPSite(runner, settings.host, settings.port)
            try:
                await site.start()
            except OSError as exc:
                raise CannotServe(f"cannot listen on {settings.host}:{settings.port}: "
                                    f"{_reason(exc)}") from None
            url = _url(settings.host, settings.port)
            if demo:
                credentials = await ensure_demo(app[backend_key], app[context_key], settings.db)
                print(banner(credentials, settings.host, settings.port), flush=True)
            else:
                print(f"Serving on {url}", file=sys.stderr, flush=True)
            await stop.wait()
        finally:
            await runner.cleanup()  # the server, then the cleanup contexts (the backend)
    finally:
        await loop.shutdown_default_executor()
        _join_threads()
        _ignore_stop_signals(loop)


def _reason(exc: OSError) -> str:
    """`[Errno 98] error while attempting to bind on address (...): address already in
    use` as `Address already in use`; a resolver's error as its own message."""
    if isinstance(exc, socket.gaierror) or not exc.errno or exc.errno < 0:
        return exc.strerror or str(exc)
    return os.strerror(exc.errno)


def _join_threads(timeout: float = 2.0) -> None:
    """Wait briefly for threads that are finishing (an aiosqlite reader returns from
    close() just before its thread ends); one still running would keep the interpreter
    from exiting, so it is named in the log."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("thread %s still running after cleanup", thread.name)


def _ignore_stop_signals(loop: asyncio.AbstractEventLoop) -> None:
    """From now on SIGINT and SIGTERM are ignored: the process is exiting and cleanup is
    done. Blocked while the loop's handlers are swapped for SIG_IGN, so none arrives in
    between (when the default action would kill the process or raise KeyboardInterrupt)."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
