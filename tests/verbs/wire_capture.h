/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Seeing the TERMINATE on the wire.  A remote access error must make the
 * responder send an RDMAP Terminate message; from user space that is only
 * visible on the wire, so the remote-error cases capture the responder's
 * side of the veth pair with an AF_PACKET socket while the error happens.
 *
 * Started after the connection is established and before the responder
 * has sent any payload (the remote-error cases only ever send to it), so
 * the first byte the responder sends is the start of an FPDU: a 16-bit
 * ULPDU length, the DDP control byte, the RDMAP control byte (opcode in
 * its low nibble; Terminate is 0x7), and for an untagged message the rest
 * of the 18-byte DDP/RDMAP header, after which a Terminate carries
 * layer/etype (one byte, a nibble each) and the error code (RFC 5040
 * section 4.8, RFC 5041 section 5.1).  MPA markers would break this simple
 * parse; neither kiwi nor siw negotiates them by default, and the capture
 * reports "not an FPDU" rather than guessing if one shows up.
 *
 * This parser is the suite's own, deliberately independent of the kiwi
 * wire library it checks.
 */
#ifndef KIWI_VERBS_WIRE_CAPTURE_H
#define KIWI_VERBS_WIRE_CAPTURE_H

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kv {

struct Terminate {
	unsigned layer, etype, ecode;
	std::string str() const;
};

class WireCapture {
public:
	/* Capture TCP payload sent from ip:port on interface ifname in
	 * network namespace ns. */
	WireCapture(const std::string &ns, const std::string &ifname,
		    const std::string &ip, uint16_t port);
	~WireCapture();

	bool ok() const { return fd_ >= 0; }
	const std::string &error() const { return err_; }

	/* Wait up to timeout_ms for the responder's first FPDU; it is
	 * returned if it is a Terminate. */
	std::optional<Terminate> terminate(int timeout_ms, std::string *what);

private:
	void loop();

	int fd_ = -1;
	std::string err_;
	uint32_t ip_ = 0;
	uint16_t port_ = 0;
	std::atomic<bool> stop_{ false };
	std::thread thr_;
	std::mutex lock_;	/* protects first_ */
	std::vector<uint8_t> first_;	/* first payload segment seen */
};

} /* namespace kv */

#endif
