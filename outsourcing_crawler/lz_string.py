"""pieroxy's lz-string ``compressToBase64``, output identical to the JavaScript original.

Some sites put their search filters into the URL in this encoding. The PyPI port
(``lzstring``) has seen no release since 2018 and walks Python characters instead of
JavaScript's UTF-16 code units, so any character beyond the BMP (an emoji) comes out
differently; the algorithm is short.
"""

from __future__ import annotations

from typing import Final

__all__ = ["compress_to_base64"]

_BASE64: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def compress_to_base64(text: str) -> str:
    """``LZString.compressToBase64(text)`` as the JavaScript library gives it."""
    # JavaScript strings are UTF-16 code units: a character beyond the BMP is two units.
    data = text.encode("utf-16-le")
    units = [chr(data[i] | data[i + 1] << 8) for i in range(0, len(data), 2)]
    dictionary: dict[str, int] = {}
    pending: set[str] = set()  # single characters not yet written out literally
    out: list[str] = []
    buffer = position = 0
    enlarge_in, dict_size, num_bits = 2, 3, 2

    def write(value: int, bits: int) -> None:
        nonlocal buffer, position
        for _ in range(bits):
            buffer = (buffer << 1) | (value & 1)
            value >>= 1
            if position == 5:
                out.append(_BASE64[buffer])
                buffer = position = 0
            else:
                position += 1

    def grow() -> None:
        nonlocal enlarge_in, num_bits
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1

    def emit(phrase: str) -> None:
        if phrase in pending:
            code = ord(phrase)
            wide = code >= 256
            write(1 if wide else 0, num_bits)
            write(code, 16 if wide else 8)
            grow()
            pending.discard(phrase)
        else:
            write(dictionary[phrase], num_bits)
        grow()

    phrase = ""
    for unit in units:
        if unit not in dictionary:
            dictionary[unit] = dict_size
            dict_size += 1
            pending.add(unit)
        if phrase + unit in dictionary:
            phrase += unit
            continue
        emit(phrase)
        dictionary[phrase + unit] = dict_size
        dict_size += 1
        phrase = unit
    if phrase:
        emit(phrase)
    write(2, num_bits)  # end of stream
    while True:  # flush the last, partly filled character
        buffer <<= 1
        if position == 5:
            out.append(_BASE64[buffer])
            break
        position += 1
    result = "".join(out)
    return result + "=" * (-len(result) % 4)
