"""A smaller ICU data library for the Linux bundle: 32 MB of ICU data down to about 4 MB.

QtCore links ICU (libicuuc, libicui18n, libicudata) and uses it for collation (sorting in the file
dialog), case mapping, normalisation and time-zone names; the replay window formats its own dates
and numbers. libicudata.so.NN holds nothing but one symbol, ``icudtNN_dat``: an ICU "common data"
package of about 3,900 items. This module rewrites that package without what Qt never asks ICU for
here, and assembles a library with the same name and symbol (GNU ``as`` and ``ld``, from binutils):

- every converter table (``*.cnv``): Qt's text codecs for UTF-8/16/32 and Latin-1 need none;
- break-iterator dictionaries (``*.dict``; Qt breaks text with its own Unicode tables),
  transliteration, number spell-out rules, Unicode character names, spoof-check data;
- locale data for languages other than English and Chinese: lookups for another locale fall back
  to the root locale (for sorting, the Unicode collation order).

``python packaging/icu_trim.py IN.so OUT.so`` does it by hand; build.spec calls :func:`trim_toc`.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path, PurePath

KEPT_LANGUAGES = ("en", "zh")
DROPPED_TREES = ("translit", "rbnf")
DROPPED_SUFFIXES = (".cnv", ".dict", ".cfu")
DROPPED_FILES = ("unames.icu",)
LOCALE = re.compile(r"^(root|[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|[0-9]{3}))?(_[A-Z0-9]+)?)$")
ALIGN = 16
PAD = b"\xaa"  # what icupkg fills the gaps with


def keep_item(name: str) -> bool:
    """Whether an item of the package (e.g. ``icudt73l/coll/zh.res``) stays."""
    parts = name.split("/")[1:] or [name]
    tree = parts[0] if len(parts) > 1 else ""
    leaf = parts[-1]
    if tree in DROPPED_TREES or leaf in DROPPED_FILES or leaf.endswith(DROPPED_SUFFIXES):
        return False
    stem = leaf.removesuffix(".res")
    if leaf.endswith(".res") and LOCALE.match(stem) and stem != "root":
        return stem.split("_")[0] in KEPT_LANGUAGES
    return True


# --- the ICU common-data package ("CmnD"): header, table of contents, items aligned to 16 bytes ----


def read_package(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The header and the (name, bytes) items of a little-endian ICU common-data package."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != b"\xda\x27" or b"CmnD" not in data[:header_size]:
        raise ValueError("not an ICU common data package")
    count = struct.unpack_from("<I", data, header_size)[0]
    toc = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_offset, data_offset) in enumerate(toc):
        start = header_size + name_offset
        name = data[start : data.index(b"\0", start)].decode("ascii")
        end = header_size + toc[i + 1][1] if i + 1 < count else len(data)
        items.append((name, data[header_size + data_offset : end]))
    return data[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """A package with these items, laid out as ICU's own ``icupkg`` does (names sorted, as given)."""
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    names_start = toc_size
    data_start = names_start + len(names)
    data_start += -(len(header) + data_start) % ALIGN
    toc = [struct.pack("<I", len(items))]
    body = []
    name_offset, data_offset = names_start, data_start
    for name, blob in items:
        toc.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name) + 1
        padded = blob + PAD * (-len(blob) % ALIGN)
        body.append(padded)
        data_offset += len(padded)
    padding = PAD * (data_start - names_start - len(names))
    return header + b"".join(toc) + names + padding + b"".join(body)


# --- the shared library ------------------------------------------------------------------------------


def _symbol(path: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the ``icudtNN_dat`` symbol of an ELF64 little-endian library."""
    elf = path.read_bytes()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind not in (2, 11):  # SHT_SYMTAB, SHT_DYNSYM
            continue
        strtab = sections[link]
        for pos in range(offset, offset + size, entsize):
            st_name, _, _, st_shndx, st_value, st_size = struct.unpack_from("<IBBHQQ", elf, pos)
            start = strtab[4] + st_name
            name = elf[start : elf.index(b"\0", start)].decode()
            if re.fullmatch(r"icudt\d+_dat", name) and 0 < st_shndx < shnum:
                section = sections[st_shndx]
                return name, st_value - section[3] + section[4], st_size
    raise ValueError(f"{path}: no icudtNN_dat symbol")


def trim_library(source: Path, target: Path) -> tuple[int, int]:
    """Write a trimmed copy of libicudata ``source`` to ``target``; return both data sizes."""
    symbol, offset, size = _symbol(source)
    header, items = read_package(source.read_bytes()[offset : offset + size])
    package = write_package(header, [(name, blob) for name, blob in items if keep_item(name)])
    assembler, linker = shutil.which("as"), shutil.which("ld")
    if not (assembler and linker):
        raise RuntimeError("GNU as and ld (binutils) are needed to build the ICU data library")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp, "icudt.dat")
        data.write_bytes(package)
        asm = Path(tmp, "icudt.s")
        asm.write_text(
            f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign {ALIGN}\n"
            f'{symbol}:\n\t.incbin "{data}"\n\t.size {symbol}, . - {symbol}\n'
            '\t.section .note.GNU-stack,"",@progbits\n'
        )
        obj = Path(tmp, "icudt.o")
        subprocess.run([assembler, "--64", "-o", str(obj), str(asm)], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [linker, "-shared", "-soname", source.name, "-z", "noexecstack", "-o", str(target), str(obj)], check=True
        )
    return size, len(package)


def trim_toc(binaries, workdir):
    """build.spec: replace libicudata in a binaries TOC by a trimmed copy (Linux; unchanged elsewhere)."""
    if not sys.platform.startswith("linux"):
        return binaries
    result = []
    for entry in binaries:
        dest, src, kind = entry[0], entry[1], entry[2]
        if kind == "BINARY" and PurePath(dest).name.startswith("libicudata.so"):
            target = Path(workdir, "icu", PurePath(dest).name)
            try:
                before, after = trim_library(Path(os.path.realpath(src)), target)
            except (OSError, ValueError, RuntimeError, subprocess.CalledProcessError) as error:
                print(f"icu_trim: keeping the full ICU data ({error})", file=sys.stderr)
            else:
                print(f"icu_trim: ICU data {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB", file=sys.stderr)
                entry = (dest, str(target), kind)
        result.append(entry)
    return result


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: icu_trim.py LIBICUDATA_IN LIBICUDATA_OUT")
    before, after = trim_library(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"ICU data {before:,} bytes -> {after:,} bytes")
