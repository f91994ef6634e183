"""The keys a file import remembers across the whole file, to report a repeated key with the row it
first appeared on (import-formats §2 E08), in memory that stays small for large files.

A dict of key -> row costs about 200 bytes a key (the key's string, the row's int and the dict
entry), 200 MB for a file of a million rows. `FirstRows` keeps the same answers in flat arrays:
per key its hash, its row and its UTF-8 text in one shared buffer (to tell apart two keys whose
hashes are equal), about 45 bytes a key.
"""

from array import array

_EMPTY = -1


class FirstRows:
    """key (str) -> the row it first appeared on; keys are compared exactly (normalise them, e.g.
    upper-case, before asking)."""

    def __init__(self, capacity=1024):
        self._mask = capacity - 1  # a power of two
        self._slots = array("i", [_EMPTY]) * capacity  # open addressing: an entry's index or _EMPTY
        self._hashes = array("q")
        self._rows = array("q")
        self._ends = array("q")  # entry i's text is _text[_ends[i - 1]:_ends[i]]
        self._text = bytearray()

    def __len__(self):
        return len(self._rows)

    def first(self, key, row):
        """The row `key` first appeared on; remembers `row` for a key not seen before."""
        digest = hash(key)
        data = key.encode("utf-8")
        slots, hashes, ends, text, mask = self._slots, self._hashes, self._ends, self._text, self._mask
        slot = digest & mask
        while (entry := slots[slot]) != _EMPTY:
            if hashes[entry] == digest and text[ends[entry - 1] if entry else 0:ends[entry]] == data:
                return self._rows[entry]
            slot = (slot + 1) & mask
        entry = len(self._rows)
        slots[slot] = entry
        hashes.append(digest)
        self._rows.append(row)
        text += data
        ends.append(len(text))
        if 2 * len(self._rows) > mask:
            self._grow()
        return row

    def _grow(self):
        capacity = 4 * (self._mask + 1)
        mask = capacity - 1
        slots = array("i", [_EMPTY]) * capacity
        for entry, digest in enumerate(self._hashes):
            slot = digest & mask
            while slots[slot] != _EMPTY:
                slot = (slot + 1) & mask
            slots[slot] = entry
        self._slots, self._mask = slots, mask
