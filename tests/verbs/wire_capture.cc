// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "wire_capture.h"
#include "common.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace kv {

static const char *const layer_names[] = { "RDMAP", "DDP", "LLP" };

std::string Terminate::str() const
{
	char s[96];

	snprintf(s, sizeof(s), "TERMINATE layer %u (%s) etype %u ecode 0x%02x", layer,
		 layer < 3 ? layer_names[layer] : "?", etype, ecode);
	return s;
}

WireCapture::WireCapture(const std::string &ns, const std::string &ifname,
			 const std::string &ip, uint16_t port)
	: port_(port)
{
	inet_pton(AF_INET, ip.c_str(), &ip_);
	{
		InNetns in(ns);
		/* ETH_P_ALL: only those taps see transmitted frames */
		fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
		if (fd_ < 0) {
			err_ = std::string("AF_PACKET socket: ") + strerror(errno);
			return;
		}
		sockaddr_ll sll = {};
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
		if (!sll.sll_ifindex ||
		    bind(fd_, reinterpret_cast<sockaddr *>(&sll), sizeof(sll))) {
			err_ = "bind to " + ifname + ": " + strerror(errno);
			close(fd_);
			fd_ = -1;
			return;
		}
	}
	thr_ = std::thread([this] { loop(); });
}

WireCapture::~WireCapture()
{
	stop_ = true;
	if (thr_.joinable())
		thr_.join();
	if (fd_ >= 0)
		close(fd_);
}

void WireCapture::loop()
{
	std::vector<uint8_t> buf(1 << 17);

	while (!stop_) {
		pollfd p = { fd_, POLLIN, 0 };
		if (poll(&p, 1, 20) <= 0)
			continue;
		ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
		if (n < 20 + 14)
			continue;
		/* an Ethernet frame with an IPv4 packet */
		if (buf[12] != 0x08 || buf[13] != 0x00)
			continue;
		const uint8_t *ip = buf.data() + 14;
		size_t len = n - 14;
		size_t ihl = (ip[0] & 0x0f) * 4;
		if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP || len < ihl + 20)
			continue;
		uint32_t src;
		memcpy(&src, ip + 12, 4);
		const uint8_t *tcp = ip + ihl;
		uint16_t sport = static_cast<uint16_t>(tcp[0] << 8 | tcp[1]);
		size_t doff = (tcp[12] >> 4) * 4;
		size_t tot = static_cast<size_t>(ip[2] << 8 | ip[3]);
		if (src != ip_ || sport != port_ || tot > len || tot < ihl + doff)
			continue;
		size_t plen = tot - ihl - doff;
		if (!plen)
			continue;
		std::lock_guard<std::mutex> g(lock_);
		if (first_.empty())
			first_.assign(tcp + doff, tcp + doff + plen);
	}
}

std::optional<Terminate> WireCapture::terminate(int timeout_ms, std::string *what)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	std::vector<uint8_t> f;

	while (std::chrono::steady_clock::now() < end) {
		{
			std::lock_guard<std::mutex> g(lock_);
			f = first_;
		}
		if (!f.empty())
			break;
		usleep(20000);
	}
	if (f.empty()) {
		*what = "the responder sent nothing";
		return std::nullopt;
	}
	/* ULPDU length, DDP control, RDMAP control */
	if (f.size() < 4) {
		*what = "a first segment of " + std::to_string(f.size()) + " bytes";
		return std::nullopt;
	}
	unsigned ulpdu = f[0] << 8 | f[1];
	unsigned ddp = f[2], rdmap = f[3];
	unsigned opcode = rdmap & 0x0f;
	char s[160];
	snprintf(s, sizeof(s),
		 "first FPDU: ULPDU length %u, DDP control 0x%02x, RDMAP control "
		 "0x%02x (opcode %u)", ulpdu, ddp, rdmap, opcode);
	*what = s;
	/* untagged (T clear), version 1, Terminate; header 18 bytes */
	if ((ddp & 0x80) || opcode != 0x7 || f.size() < 2 + 18 + 2)
		return std::nullopt;
	Terminate t;
	t.layer = f[20] >> 4;
	t.etype = f[20] & 0x0f;
	t.ecode = f[21];
	return t;
}

} /* namespace kv */
