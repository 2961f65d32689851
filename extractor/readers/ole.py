"""A minimal, bounded reader of OLE2 compound files (.doc, .wps, .xls, WPS .et, encrypted Office).

Only what type detection and the spreadsheet safety checks need: the names of the streams and
the bytes of one stream. Every sector number is checked against the file, every chain is cut at
the number of sectors the file holds (a chain that loops is damage), so a hostile file can cost
no more than a pass over its own bytes.
"""

from __future__ import annotations

import struct

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_REGULAR = 0xFFFFFFFA  # sector numbers above this are markers, not sectors


class OleError(ValueError):
    """Not a readable compound file (truncated, damaged or hostile)."""


class OleFile:
    """The directory and FAT of a compound file held in memory."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(MAGIC):
            raise OleError("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise OleError("bad sector size")
        self.ssz = 1 << shift
        self.n_sectors = max((len(data) - 512) // self.ssz + (1 if (len(data) - 512) % self.ssz else 0), 0)
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from("<IIII", data, 0x3C)
        self.mini_cutoff = struct.unpack_from("<I", data, 0x38)[0]
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_REGULAR]
        sec, seen = first_difat, 0
        per = self.ssz // 4 - 1
        while sec <= _MAX_REGULAR and seen < n_difat and seen <= self.n_sectors:
            block = self._sector(sec)
            entries = struct.unpack_from(f"<{per + 1}I", block)
            fat_sectors += [s for s in entries[:per] if s <= _MAX_REGULAR]
            sec, seen = entries[per], seen + 1
        if len(fat_sectors) > self.n_sectors + 1 or len(fat_sectors) < min(n_fat, 1):
            raise OleError("bad FAT")
        fat = bytearray()
        for s in fat_sectors:
            fat += self._sector(s)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", bytes(fat))
        directory = self._chain_bytes(first_dir, self.fat, self._sector)
        # (name, type, start, size, left, right, child) per directory slot; unused slots have type 0
        self.entries: list[tuple[str, int, int, int, int, int, int]] = []
        for off in range(0, len(directory) - 127, 128):
            raw = directory[off:off + 128]
            name_len, kind = struct.unpack_from("<HB", raw, 0x40)
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                self.entries.append(("", 0, 0, 0, _FREE, _FREE, _FREE))
                continue
            name = raw[:name_len - 2].decode("utf-16-le", "replace")
            left, right, child = struct.unpack_from("<III", raw, 0x44)
            start, size = struct.unpack_from("<II", raw, 0x74)
            self.entries.append((name, kind, start, size, left, right, child))
        root = self.entries[0] if self.entries and self.entries[0][1] == 5 else None
        self._minifat: tuple[int, ...] = ()
        self._ministream = b""
        if root is not None and n_minifat and first_minifat <= _MAX_REGULAR:
            mf = self._chain_bytes(first_minifat, self.fat, self._sector)
            self._minifat = struct.unpack(f"<{len(mf) // 4}I", mf[: len(mf) // 4 * 4])
            self._ministream = self._chain_bytes(root[2], self.fat, self._sector)[: root[3]]

    def root_names(self) -> set[str]:
        """Names of the streams and storages at the top of the tree (not inside an embedded
        object's storage: a Word file holding an Excel chart has a Workbook stream down there)."""
        return {self.entries[i][0] for i in self._root_children()}

    def _root_children(self) -> list[int]:
        if not self.entries or self.entries[0][1] != 5:
            return []
        out: list[int] = []
        stack, seen = [self.entries[0][6]], set()
        while stack:
            i = stack.pop()
            if i > _MAX_REGULAR or i >= len(self.entries) or i in seen or self.entries[i][1] == 0:
                continue
            seen.add(i)
            out.append(i)
            stack += [self.entries[i][4], self.entries[i][5]]
        return out

    def read(self, name: str) -> bytes:
        """The bytes of the top-level stream called ``name`` (case-insensitive)."""
        for i in self._root_children():
            entry_name, kind, start, size = self.entries[i][:4]
            if kind == 2 and entry_name.lower() == name.lower():
                if size < self.mini_cutoff:
                    return self._chain_bytes(start, self._minifat, self._mini)[:size]
                return self._chain_bytes(start, self.fat, self._sector)[:size]
        raise OleError(f"no stream {name}")

    def _sector(self, n: int) -> bytes:
        if n >= self.n_sectors:
            raise OleError("sector out of range")
        at = 512 + n * self.ssz
        block = self.data[at:at + self.ssz]
        return block + b"\x00" * (self.ssz - len(block))

    def _mini(self, n: int) -> bytes:
        at = n * 64
        if at + 64 > len(self._ministream):
            raise OleError("mini sector out of range")
        return self._ministream[at:at + 64]

    def _chain_bytes(self, start: int, fat: tuple[int, ...], read) -> bytes:
        out = bytearray()
        sec, steps = start, 0
        limit = len(fat) + 1
        while sec <= _MAX_REGULAR:
            if steps > limit or sec >= len(fat):
                raise OleError("broken sector chain")
            out += read(sec)
            sec, steps = fat[sec], steps + 1
        return bytes(out)


def stream_names(data: bytes) -> set[str] | None:
    """The top-level stream names of a compound file, or None when its directory cannot be read."""
    try:
        return OleFile(data).root_names()
    except (OleError, struct.error, UnicodeDecodeError):
        return None
