// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A minimal classic-pcap writer for synthetic TCP/IPv4 conversations,
 * used to hand byte streams built by the wire library to tshark.
 */
#ifndef KIWI_TEST_PCAP_WRITER_H
#define KIWI_TEST_PCAP_WRITER_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiwi_test {

class PcapWriter {
public:
	/* side 0 is the initiator (client), side 1 the responder */
	PcapWriter(uint16_t client_port, uint16_t server_port);

	void handshake();
	/* one TCP segment carrying data from @side; returns its frame number */
	int segment(int side, const std::vector<uint8_t> &data);
	/* pure ACK from @side */
	void ack(int side);
	void fin();

	uint32_t next_seq(int side) const { return seq_[side]; }
	bool save(const std::string &path) const;

private:
	void frame(int side, uint8_t flags, const uint8_t *data, size_t len);

	uint16_t port_[2];
	uint32_t ip_[2];
	uint32_t seq_[2];
	uint32_t usec_ = 0;
	uint16_t ipid_ = 1;
	int frames_ = 0;
	std::vector<uint8_t> out_;
};

} // namespace kiwi_test

#endif
