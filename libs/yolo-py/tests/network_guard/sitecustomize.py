"""Loaded by Python at start-up when this folder is on PYTHONPATH: records and refuses every network attempt.

Used by the training tests to prove train and val stay offline: any DNS lookup or connect to a non-local
address is written to $NETWORK_GUARD_LOG and fails as if the network were down.
"""

import os
import socket

_LOG = os.environ.get("NETWORK_GUARD_LOG")
_LOCAL = ("127.", "::1", "localhost", "0.0.0.0")


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(f"{what}\n")


def _is_local(host: object) -> bool:
    return isinstance(host, str) and host.startswith(_LOCAL)


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host) and host not in (None, ""):
        _record(f"getaddrinfo {host}")
        raise socket.gaierror(socket.EAI_NONAME, "network disabled by the offline test")
    return _getaddrinfo(host, *args, **kwargs)


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
        _record(f"connect {address}")
        raise ConnectionRefusedError("network disabled by the offline test")
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    try:
        _guarded_connect(self, address)
        return 0
    except OSError:
        return 111


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
