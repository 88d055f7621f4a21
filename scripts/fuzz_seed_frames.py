#!/usr/bin/python3
"""Seeds for fuzz_decode_frame: reads capture paths (pcap or pcapng) on standard input and
writes up to 20 distinct frames of each into DIR, each prefixed with the selector byte
fuzz_decode_frame.cpp maps to the frame's link type. Standard library only."""
import hashlib
import os
import struct
import sys

# The order of k_links in tests/fuzz/fuzz_decode_frame.cpp.
SELECTOR = {0: 0, 1: 1, 101: 2, 12: 2, 14: 2, 108: 3, 113: 4, 228: 5, 229: 6, 276: 7, 9: 8, 50: 9,
            51: 10, 104: 11, 107: 13, 105: 16, 127: 17}


def pcap_frames(data):
    magic = struct.unpack_from("<I", data)[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack_from(e + "I", data, 20)[0] & 0xFFFF
    pos = 24
    while pos + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, pos + 8)[0]
        if pos + 16 + caplen > len(data):
            return
        yield link, data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen


def pcapng_frames(data):
    e, pos, links = "<", 0, []
    while pos + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:
            e = "<" if struct.unpack_from("<I", data, pos + 8)[0] == 0x1A2B3C4D else ">"
            links = []
        length = struct.unpack_from(e + "I", data, pos + 4)[0]
        if length < 12 or pos + length > len(data):
            return
        body = data[pos + 8:pos + length - 4]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack_from(e + "H", body)[0])
        elif btype == 6 and len(body) >= 20:
            iface, caplen = struct.unpack_from(e + "I", body)[0], struct.unpack_from(e + "I", body, 12)[0]
            if iface < len(links):
                yield links[iface], body[20:20 + caplen]
        pos += length


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.stdin.read().splitlines():
        try:
            with open(path, "rb") as f:
                data = f.read()
            frames = pcapng_frames(data) if data[:4] == b"\x0a\x0d\x0d\x0a" else pcap_frames(data)
            kept = 0
            for link, frame in frames:
                if link not in SELECTOR or kept >= 20:
                    continue
                seed = bytes([SELECTOR[link]]) + frame[:4095]
                name = hashlib.sha1(seed).hexdigest()
                with open(os.path.join(out, name), "wb") as f:
                    f.write(seed)
                kept += 1
        except (struct.error, OSError, IndexError):
            continue


if __name__ == "__main__":
    main()
