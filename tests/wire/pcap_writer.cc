// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "pcap_writer.h"

#include <cstdio>

namespace kiwi_test {

namespace {

void put16(std::vector<uint8_t> &v, uint16_t x)
{
	v.push_back((uint8_t)(x >> 8));
	v.push_back((uint8_t)x);
}

void put32(std::vector<uint8_t> &v, uint32_t x)
{
	put16(v, (uint16_t)(x >> 16));
	put16(v, (uint16_t)x);
}

void put32le(std::vector<uint8_t> &v, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		v.push_back((uint8_t)(x >> (8 * i)));
}

uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

} // namespace

PcapWriter::PcapWriter(uint16_t client_port, uint16_t server_port)
{
	port_[0] = client_port;
	port_[1] = server_port;
	ip_[0] = 0x0a000001;	/* 10.0.0.1: addresses only inside the file */
	ip_[1] = 0x0a000002;
	seq_[0] = 0xfffff000u;	/* close to wrapping, to exercise it */
	seq_[1] = 0x12345678u;
	/* global header: magic, v2.4, no tz, snaplen, Ethernet */
	put32le(out_, 0xa1b2c3d4);
	out_.push_back(2);
	out_.push_back(0);
	out_.push_back(4);
	out_.push_back(0);
	put32le(out_, 0);
	put32le(out_, 0);
	put32le(out_, 262144);
	put32le(out_, 1);
}

void PcapWriter::frame(int side, uint8_t flags, const uint8_t *data, size_t len)
{
	std::vector<uint8_t> pkt;
	int peer = !side;

	/* Ethernet */
	for (int i = 0; i < 6; i++)
		pkt.push_back(i == 5 ? (uint8_t)(peer + 1) : 0x02);
	for (int i = 0; i < 6; i++)
		pkt.push_back(i == 5 ? (uint8_t)(side + 1) : 0x02);
	put16(pkt, 0x0800);

	/* IPv4 */
	size_t ip_off = pkt.size();
	put16(pkt, 0x4500);
	put16(pkt, (uint16_t)(20 + 20 + len));
	put16(pkt, ipid_++);
	put16(pkt, 0x4000);
	pkt.push_back(64);
	pkt.push_back(6);
	put16(pkt, 0);
	put32(pkt, ip_[side]);
	put32(pkt, ip_[peer]);
	uint16_t ipsum = fold(sum16(&pkt[ip_off], 20, 0));
	pkt[ip_off + 10] = (uint8_t)(ipsum >> 8);
	pkt[ip_off + 11] = (uint8_t)ipsum;

	/* TCP */
	size_t tcp_off = pkt.size();
	put16(pkt, port_[side]);
	put16(pkt, port_[peer]);
	put32(pkt, seq_[side]);
	put32(pkt, (flags & 0x10) ? seq_[peer] : 0);
	pkt.push_back(5 << 4);
	pkt.push_back(flags);
	put16(pkt, 65535);
	put16(pkt, 0);
	put16(pkt, 0);
	pkt.insert(pkt.end(), data, data + len);

	std::vector<uint8_t> pseudo;
	put32(pseudo, ip_[side]);
	put32(pseudo, ip_[peer]);
	put16(pseudo, 6);
	put16(pseudo, (uint16_t)(20 + len));
	uint32_t s = sum16(pseudo.data(), pseudo.size(), 0);
	uint16_t tcpsum = fold(sum16(&pkt[tcp_off], 20 + len, s));
	pkt[tcp_off + 16] = (uint8_t)(tcpsum >> 8);
	pkt[tcp_off + 17] = (uint8_t)tcpsum;

	seq_[side] += (uint32_t)len + ((flags & 0x03) ? 1 : 0);

	usec_ += 100;
	put32le(out_, 1700000000 + usec_ / 1000000);
	put32le(out_, usec_ % 1000000);
	put32le(out_, (uint32_t)pkt.size());
	put32le(out_, (uint32_t)pkt.size());
	out_.insert(out_.end(), pkt.begin(), pkt.end());
	frames_++;
}

void PcapWriter::handshake()
{
	frame(0, 0x02, nullptr, 0);		/* SYN */
	frame(1, 0x12, nullptr, 0);		/* SYN ACK */
	frame(0, 0x10, nullptr, 0);		/* ACK */
}

int PcapWriter::segment(int side, const std::vector<uint8_t> &data)
{
	frame(side, 0x18, data.data(), data.size());	/* PSH ACK */
	return frames_;
}

void PcapWriter::ack(int side)
{
	frame(side, 0x10, nullptr, 0);
}

void PcapWriter::fin()
{
	frame(0, 0x11, nullptr, 0);
	frame(1, 0x11, nullptr, 0);
	frame(0, 0x10, nullptr, 0);
}

bool PcapWriter::save(const std::string &path) const
{
	FILE *f = fopen(path.c_str(), "wb");
	if (!f)
		return false;
	bool ok = fwrite(out_.data(), 1, out_.size(), f) == out_.size();
	return fclose(f) == 0 && ok;
}

} // namespace kiwi_test
