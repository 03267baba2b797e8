"""Bodies bounded after decoding: gzip, deflate and br undone here, stopping at a byte cap.

Decoding happens in steps of at most 64 KiB of output, so a decompression bomb (10 MB
that inflates to 10 GB, or gzip nested ten times) stops at the cap with memory near the
cap, never near the bomb's size.
"""

from __future__ import annotations

import zlib

_CHUNK = 64 * 1024
MAX_ENCODINGS = 2  # urllib3 CVE-2025-66418: an unbounded chain of encodings is itself an attack


class BodyRefused(Exception):
    """The body broke a limit; `reason` is the FetchError reason word."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


class BoundedBody:
    """Collects a raw body, undoing its Content-Encoding, and stops at max_bytes decoded."""

    def __init__(self, content_encoding: str, max_bytes: int):
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > MAX_ENCODINGS:
            raise BodyRefused("decompression_bomb", f"{len(codings)} content encodings in a chain")
        self._stages = [_stage_for(c) for c in reversed(codings)]
        self.max_bytes = max_bytes
        self.raw_bytes = 0
        self._out = bytearray()

    def feed(self, data: bytes) -> None:
        self.raw_bytes += len(data)
        self._push(0, data)

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            for piece in stage.flush():
                self._push(index + 1, piece)
        return bytes(self._out)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._stages):
            self._append(data)
            return
        try:
            for piece in self._stages[index].feed(data):
                self._push(index + 1, piece)
        except (zlib.error, _BrotliError) as exc:
            raise BodyRefused("bad_encoding", f"could not decode the body: {exc}") from None

    def _append(self, data: bytes) -> None:
        if len(self._out) + len(data) > self.max_bytes:
            raise BodyRefused("decompression_bomb" if self._stages else "too_large",
                              f"body exceeds {self.max_bytes} bytes"
                              + (f" decoded from {self.raw_bytes} bytes read" if self._stages else ""))
        self._out += data


try:
    import brotli

    _BrotliError = brotli.error
except ImportError:  # brotli is optional: without it we do not ask for br
    brotli = None

    class _BrotliError(Exception):
        pass


ACCEPT_ENCODING = "gzip, deflate, br" if brotli else "gzip, deflate"


def _stage_for(coding: str):
    if coding in ("gzip", "x-gzip"):
        return _ZlibStage(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _ZlibStage(None)
    if coding == "br" and brotli is not None:
        return _BrotliStage()
    raise BodyRefused("bad_encoding", f"unsupported content encoding {coding[:40]!r}")


class _ZlibStage:
    """gzip (all members) or deflate (zlib-wrapped or raw), never more than _CHUNK out per step."""

    def __init__(self, wbits: int | None):
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits) if wbits else None

    def feed(self, data: bytes):
        if self._d is None:  # deflate: servers send both zlib-wrapped and raw streams
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
            self._d = zlib.decompressobj(self._wbits)
        while data:
            out = self._d.decompress(data, _CHUNK)
            if out:
                yield out
            if not self._d.eof:
                data = self._d.unconsumed_tail
            elif self._d.unused_data.strip(b"\0") and self._wbits > zlib.MAX_WBITS:
                data, self._d = self._d.unused_data, zlib.decompressobj(self._wbits)  # next gzip member
            else:
                return

    def flush(self):
        if self._d is not None and not self._d.eof:
            out = self._d.flush()
            if out:
                yield out


class _BrotliStage:
    def __init__(self):
        self._d = brotli.Decompressor()

    def feed(self, data: bytes):
        out = self._d.process(data, output_buffer_limit=_CHUNK)
        if out:
            yield out
        while not self._d.can_accept_more_data():
            out = self._d.process(b"", output_buffer_limit=_CHUNK)
            if not out:
                return
            yield out

    def flush(self):
        return iter(())
