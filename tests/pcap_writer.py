"""Minimal pcap/pcapng reading and writing for the robustness tests. Standard library only.

Packets are (timestamp_ns, link_type, frame_bytes) tuples; helpers build IPv4/IPv6/TCP
frames with correct checksums unless told otherwise.
"""
import struct

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
LINK_NULL, LINK_ETHERNET, LINK_RAW, LINK_LINUX_SLL = 0, 1, 101, 113

# -- reading ---------------------------------------------------------------------------


def pcap_records(data):
    """Classic pcap: (header_size, [(offset, size, ts_ns, caplen), ...], endian, nanos)."""
    magic_le = struct.unpack_from("<I", data, 0)[0]
    if magic_le in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        endian = "<"
    else:
        endian = ">"
    magic = struct.unpack_from(endian + "I", data, 0)[0]
    nanos = magic == PCAP_MAGIC_NS
    records = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _wire = struct.unpack_from(endian + "IIII", data, pos)
        if pos + 16 + caplen > len(data):
            break
        ts = sec * 10**9 + frac * (1 if nanos else 1000)
        records.append((pos, 16 + caplen, ts, caplen))
        pos += 16 + caplen
    return 24, records, endian, nanos


def pcapng_blocks(data):
    """pcapng (little-endian only): [(offset, size, type), ...]."""
    blocks = []
    pos = 0
    while pos + 12 <= len(data):
        btype, length = struct.unpack_from("<II", data, pos)
        if length < 12 or pos + length > len(data):
            break
        blocks.append((pos, length, btype))
        pos += length
    return blocks


class CapturedFrame(bytes):
    """A frame read from a capture, remembering its length on the wire: a frame that a
    snapshot length cut short must be written back as cut short, or its IP length would
    claim bytes a whole frame does not hold. Slicing or joining gives plain bytes, whose
    wire length is their own."""

    def __new__(cls, data, wire):
        frame = super().__new__(cls, data)
        frame.wire = wire
        return frame


def wire_length(frame):
    return getattr(frame, "wire", len(frame))


def read_pcap_packets(data):
    """[(ts_ns, frame)] of a classic pcap file (frames are CapturedFrame), and its link
    type."""
    _, records, endian, _ = pcap_records(data)
    link = struct.unpack_from(endian + "I", data, 20)[0] & 0xFFFF
    packets = []
    for off, size, ts, _ in records:
        wire = struct.unpack_from(endian + "I", data, off + 12)[0]
        packets.append((ts, CapturedFrame(data[off + 16:off + size], wire)))
    return packets, link


# -- writing ---------------------------------------------------------------------------


def pcap_file(packets, link=LINK_ETHERNET, snaplen=262144, nanos=False, big_endian=False,
              caplen_override=None):
    """packets: [(ts_ns, frame)] or [(ts_ns, frame, wire_len)]."""
    e = ">" if big_endian else "<"
    out = bytearray(struct.pack(e + "IHHiIII", PCAP_MAGIC_NS if nanos else PCAP_MAGIC_US,
                                2, 4, 0, 0, snaplen, link))
    for packet in packets:
        ts, frame = packet[0], packet[1]
        wire = packet[2] if len(packet) > 2 else wire_length(frame)
        sec, rem = divmod(ts, 10**9)
        frac = rem if nanos else rem // 1000
        out += struct.pack(e + "IIII", sec & 0xFFFFFFFF, frac, len(frame), wire)
        out += frame
    return bytes(out)


def _block(btype, body):
    body = bytes(body)
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", btype, length) + body + struct.pack("<I", length)


def _option(code, value):
    value = bytes(value)
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng_file(packets, links, tsresol=None, tsoffsets=None, raw_units=False):
    """packets: [(ts_ns, interface_index, frame)]; links: link type per interface;
    tsoffsets: if_tsoffset seconds per interface (None: absent); raw_units: ts is already
    the 64-bit timestamp field, written as is."""
    out = bytearray(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    for index, link in enumerate(links):
        options = b""
        if tsresol is not None:
            options += _option(9, bytes([tsresol]))
        if tsoffsets is not None and tsoffsets[index] is not None:
            options += _option(14, struct.pack("<q", tsoffsets[index]))
        if options:
            options += _option(0, b"")
        out += _block(1, struct.pack("<HHI", link, 0, 0) + options)
    for ts, interface, frame in packets:
        if raw_units:
            units = ts
        else:
            units = ts // 1000 if tsresol is None else ts // (10 ** (9 - tsresol))
        out += _block(6, struct.pack("<IIIII", interface, units >> 32, units & 0xFFFFFFFF,
                                     len(frame), wire_length(frame)) + bytes(frame))
    return bytes(out)


# -- frames ----------------------------------------------------------------------------


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_header(sport, dport, seq, ack, flags, window=65535, options=b"", data_offset=None):
    options = bytes(options) + b"\0" * (-len(options) % 4)
    offset_words = data_offset if data_offset is not None else (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       offset_words << 4, flags, window, 0, 0) + options


def ipv4_tcp(src, dst, tcp, payload=b"", total_length=None, ihl=5, fix_checksum=True):
    """src/dst: 4-byte addresses. Returns the IPv4 packet."""
    segment = bytearray(tcp + payload)
    if fix_checksum and len(segment) >= 18:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(segment))
        segment[16:18] = struct.pack("!H", checksum(pseudo + bytes(segment)))
    length = total_length if total_length is not None else ihl * 4 + len(segment)
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length & 0xFFFF, 0, 0x4000,
                                   64, 6, 0, src, dst))
    header += b"\0" * max(0, ihl * 4 - 20)
    header[10:12] = struct.pack("!H", checksum(bytes(header[:20])))
    return bytes(header) + bytes(segment)


def ipv6_packet(src, dst, next_header, payload, payload_length=None):
    length = len(payload) if payload_length is None else payload_length
    return struct.pack("!IHBB16s16s", 0x60000000, length & 0xFFFF, next_header, 64, src,
                       dst) + payload


def ethernet(payload, ethertype=0x0800):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", ethertype) + payload


def null_link(payload, family=2):
    return struct.pack("<I", family) + payload
