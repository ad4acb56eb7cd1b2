// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "common.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace kv {

static std::string env_or(const char *name, const std::string &dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const Config &Config::get()
{
	static const Config c = [] {
		Config c;

		c.dev_type = env_or("KIWI_VERBS_DEVICE", "siw");
		c.peer_type = env_or("KIWI_VERBS_PEER_DEVICE", c.dev_type);
		c.client_dev = env_or("KIWI_VERBS_CLIENT_DEV", c.dev_type + "0");
		c.server_dev = env_or("KIWI_VERBS_SERVER_DEV", c.peer_type + "1");
		c.client_ns = env_or("KIWI_VERBS_CLIENT_NS", "ns0");
		c.server_ns = env_or("KIWI_VERBS_SERVER_NS", "ns1");
		c.client_ip = env_or("KIWI_VERBS_CLIENT_IP", "10.0.0.1");
		c.server_ip = env_or("KIWI_VERBS_SERVER_IP", "10.0.0.2");
		c.server_if = env_or("KIWI_VERBS_SERVER_IF", "veth1");
		c.many_qps = atoi(env_or("KIWI_VERBS_MANY_QPS", "1000").c_str());
		c.timeout_scale = atof(env_or("KIWI_VERBS_TIMEOUT_SCALE", "1").c_str());
		if (c.timeout_scale <= 0)
			c.timeout_scale = 1;
		return c;
	}();
	return c;
}

int ms(int base)
{
	return static_cast<int>(base * Config::get().timeout_scale);
}

/*
 * Each quirk: the device type that has it, and why.  Keep this list short
 * and honest: every entry is a place where a test accepts behaviour that
 * kiwi must not show.
 */
static const std::multimap<std::string, std::string> quirk_table = {
	/* providers/siw returns -EINVAL/-ENOMEM/-1 from post_send/post_recv */
	{ "negative-errno", "siw" },
	/* providers/siw never sets IBV_WC_WITH_INV or invalidated_rkey */
	{ "no-wc-with-inv", "siw" },
	/* providers/siw takes the STag of a Send with Invalidate from
	 * wr.wr.rdma.rkey instead of wr.invalidate_rkey */
	{ "inv-rkey-in-rdma-rkey", "siw" },
	/* siw_rqe_complete() ignores the SE bit: a CQ armed for solicited
	 * completions is never woken by a receive */
	{ "no-solicited-event", "siw" },
	/* providers/siw: ibv_req_notify_cq(cq, 1) overwrites an earlier
	 * ibv_req_notify_cq(cq, 0) */
	{ "arm-downgrade", "siw" },
	/* siw completes Sends and Writes when they are sent and Reads when
	 * the response arrives, so a Read completes after later WRs */
	{ "sq-completion-order", "siw" },
	/* siw_query_qp() never fills in qp_state: it always reads RESET */
	{ "query-qp-no-state", "siw" },
	/* providers/siw has no query_srq */
	{ "no-query-srq", "siw" },
	/* siw flushes a user QP's queues once, when it enters ERROR; a WR
	 * posted afterwards through the mapped ring never completes */
	{ "no-flush-after-error", "siw" },
	/* providers/siw checks num_sge against SIW_MAX_SGE only */
	{ "sge-limit-per-device", "siw" },
	/* providers/siw accepts inline data up to its own SIW_MAX_INLINE */
	{ "inline-limit", "siw" },
	/* providers/siw indexes its opcode table with the unchecked opcode */
	{ "opcode-table-overrun", "siw" },
	/* providers/siw: an error in the middle of a chain is overwritten by
	 * the doorbell's status */
	{ "chain-error-lost", "siw" },
	/* providers/siw writes a WR into the ring whatever the QP state; the
	 * doorbell fails with -1 and the WR stays, wedging the send queue */
	{ "post-any-state", "siw" },
	/* siw hands a send queue slot back when it starts a WR */
	{ "sq-slot-freed-early", "siw" },
	/* siw leaves WRs queued behind a graceful disconnect uncompleted */
	{ "disconnect-strands-sq", "siw" },
	/* siw: after receiving a TERMINATE, a Read behind the bad WR may never
	 * complete */
	{ "terminate-strands-wr", "siw" },
	/* siw raises no affiliated async event when it terminates for an
	 * unknown or invalid STag */
	{ "no-event-for-bad-stag", "siw" },
	/* siw creates its listening and connecting sockets in the namespace
	 * of the calling thread, not of the cm_id */
	{ "socket-in-caller-netns", "siw" },
	/* siw on 6.1: after some 67 QPs in one context, create_qp gets no
	 * mmap key for the queues and fails (errno not set) */
	{ "qp-create-limit", "siw" },
	/* siw, refusing a Read Request, raises QP_REQ_ERR but leaves its
	 * posted receives unflushed */
	{ "responder-no-flush-on-read-error", "siw" },
	/* siw serves RDMA Reads from an MR registered without
	 * IBV_ACCESS_REMOTE_READ (siw_qp_tx.c checks read sources with no
	 * permission bits) */
	{ "read-ignores-remote-read-right", "siw" },
	/* siw, failing a remote invalidate, completes the receive in error
	 * but keeps serving the connection */
	{ "inv-error-not-fatal", "siw" },
	/* providers/siw skips the doorbell while the previous SQE is still
	 * valid; a WR written into a slot just freed can sit unnoticed */
	{ "doorbell-skip-strands-wr", "siw" },
	/* siw's struct iwarp_terminate declares layer:4, etype:4 as
	 * little-endian bitfields: on the wire the layer is in the low
	 * nibble, against RFC 5040 4.8 */
	{ "terminate-nibbles-swapped", "siw" },
	/* siw's bounds check wraps (addr + len in siw_check_mem); a wrapped
	 * Read passes it, fails when the response is built, and the
	 * connection is dropped without a TERMINATE */
	{ "wrap-drops-connection", "siw" },
	/* siw raises no communication-established event */
	{ "no-comm-est", "siw" },
	/* siw fails connections with large private data: seen at 252 and
	 * 255 bytes with MPA revision 2, in both directions (its receive
	 * limit is 256 bytes of MPA private data with RFC 6581's 4-byte
	 * header; RFC 5044 allows 512) */
	{ "large-pdata", "siw" },
	/* siw_connect() and siw_accept() take any QP number rdma_cm passes,
	 * another process's QP too */
	{ "other-process-qp", "siw" },
	/* siw completes a receive WR on a deregistered MR with a general
	 * error, a Send from one with a local QP operation error */
	{ "local-prot-status", "siw" },
};

bool quirk(const char *id, const std::string &what)
{
	const Config &c = Config::get();
	auto range = quirk_table.equal_range(id);

	for (auto it = range.first; it != range.second; ++it) {
		if (it->second == c.dev_type || it->second == c.peer_type) {
			printf("[  QUIRK   ] %s (%s): %s\n", id, it->second.c_str(),
			       what.c_str());
			fflush(stdout);
			::testing::Test::RecordProperty(std::string("quirk_") + id,
							what);
			return true;
		}
	}
	return false;
}

bool quirk_listed(const char *id)
{
	const Config &c = Config::get();
	auto range = quirk_table.equal_range(id);

	for (auto it = range.first; it != range.second; ++it)
		if (it->second == c.dev_type || it->second == c.peer_type)
			return true;
	return false;
}

void note(const std::string &what)
{
	printf("[   NOTE   ] %s\n", what.c_str());
	fflush(stdout);
}

InNetns::InNetns(const std::string &name)
{
	if (name.empty())
		return;
	orig_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ < 0) {
		ADD_FAILURE() << "open own netns: " << strerror(errno);
		return;
	}
	std::string path = "/run/netns/" + name;
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ADD_FAILURE() << "open " << path << ": " << strerror(errno);
		return;
	}
	if (setns(fd, CLONE_NEWNET))
		ADD_FAILURE() << "setns " << path << ": " << strerror(errno);
	close(fd);
}

InNetns::~InNetns()
{
	if (orig_ < 0)
		return;
	if (setns(orig_, CLONE_NEWNET))
		ADD_FAILURE() << "setns back: " << strerror(errno);
	close(orig_);
}

void fill_pat(uint8_t *p, size_t len, uint32_t seed, size_t first)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(seed, first + i);
}

static std::string hex(uint8_t b)
{
	char s[8];

	snprintf(s, sizeof(s), "0x%02x", b);
	return s;
}

::testing::AssertionResult is_pat(const uint8_t *p, size_t len, uint32_t seed,
				  size_t first)
{
	size_t bad = 0, first_bad = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != pat(seed, first + i)) {
			if (!bad++)
				first_bad = i;
		}
	}
	if (!bad)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << bad << " of " << len << " bytes differ from pattern " << seed
	       << "; first at offset " << first_bad << ": expected "
	       << hex(pat(seed, first + first_bad)) << ", got "
	       << hex(p[first_bad]);
}

::testing::AssertionResult is_fill(const uint8_t *p, size_t len, uint8_t byte)
{
	size_t bad = 0, first_bad = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != byte) {
			if (!bad++)
				first_bad = i;
		}
	}
	if (!bad)
		return ::testing::AssertionSuccess();
	return ::testing::AssertionFailure()
	       << bad << " of " << len << " bytes were written; first at offset "
	       << first_bad << ": expected " << hex(byte) << ", got "
	       << hex(p[first_bad]);
}

Buf::Buf(size_t size, uint8_t fill) : size_(size)
{
	long pg = sysconf(_SC_PAGESIZE);

	map_len_ = (2 * GUARD_LEN + size + pg - 1) / pg * pg;
	void *m = mmap(nullptr, map_len_, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		ADD_FAILURE() << "mmap " << map_len_ << ": " << strerror(errno);
		abort();
	}
	map_ = static_cast<uint8_t *>(m);
	data_ = map_ + GUARD_LEN;
	memset(map_, GUARD_BYTE, GUARD_LEN);
	memset(data_, fill, size_);
	memset(data_ + size_, GUARD_BYTE, map_len_ - GUARD_LEN - size_);
}

Buf::~Buf()
{
	dereg();
	munmap(map_, map_len_);
}

ibv_mr *Buf::reg(ibv_pd *pd, int access)
{
	dereg();
	mr_ = ibv_reg_mr(pd, data_, size_, access);
	if (!mr_)
		ADD_FAILURE() << "ibv_reg_mr(" << size_ << "): " << strerror(errno);
	return mr_;
}

void Buf::dereg()
{
	if (mr_ && ibv_dereg_mr(mr_))
		ADD_FAILURE() << "ibv_dereg_mr: " << strerror(errno);
	mr_ = nullptr;
}

ibv_sge Buf::sge(size_t off, size_t len) const
{
	ibv_sge s = {};

	s.addr = addr(off);
	s.length = static_cast<uint32_t>(len);
	s.lkey = mr_ ? mr_->lkey : 0;
	return s;
}

::testing::AssertionResult Buf::guards_ok() const
{
	auto r = is_fill(map_, GUARD_LEN, GUARD_BYTE);

	if (!r)
		return ::testing::AssertionFailure()
		       << "guard before the buffer was written: " << r.message();
	r = is_fill(data_ + size_, map_len_ - GUARD_LEN - size_, GUARD_BYTE);
	if (!r)
		return ::testing::AssertionFailure()
		       << "guard after the buffer was written: " << r.message();
	return ::testing::AssertionSuccess();
}

int errno_of(int rc)
{
	if (rc < 0 && quirk("negative-errno",
			    "post returned " + std::to_string(rc) +
				    "; kiwi must return the positive errno"))
		return -rc;
	return rc;
}

::testing::AssertionResult post_failed_with(int rc,
					    std::initializer_list<int> allowed)
{
	int e = errno_of(rc);

	if (rc == 0)
		return ::testing::AssertionFailure() << "post succeeded";
	if (e < 0)
		return ::testing::AssertionFailure()
		       << "post returned negative " << rc
		       << ", ibv_post_send(3) wants a positive errno";
	for (int a : allowed)
		if (e == a)
			return ::testing::AssertionSuccess();
	std::string want;
	for (int a : allowed)
		want += std::string(want.empty() ? "" : " or ") + strerrorname_np(a);
	return ::testing::AssertionFailure()
	       << "post returned " << e << " (" << strerrorname_np(e)
	       << "), expected " << want;
}

std::string wc_str(const ibv_wc &wc)
{
	char s[256];

	snprintf(s, sizeof(s),
		 "wr_id=%llu status=%s(%d) opcode=%d byte_len=%u qp=%u flags=0x%x",
		 static_cast<unsigned long long>(wc.wr_id),
		 ibv_wc_status_str(wc.status), wc.status, wc.opcode, wc.byte_len,
		 wc.qp_num, wc.wc_flags);
	return s;
}

const char *qp_state_str(int state)
{
	static const char *const names[] = {
		"RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR", "UNKNOWN",
	};

	return state >= 0 && state <= 7 ? names[state] : "?";
}

const char *event_str(ibv_event_type t)
{
	return ibv_event_type_str(t);
}

std::string dev_name(ibv_context *ctx)
{
	return ctx ? ibv_get_device_name(ctx->device) : "(none)";
}

std::string run_cmd(const std::string &cmd)
{
	std::string out;
	FILE *f = popen(cmd.c_str(), "r");
	char buf[4096];
	size_t n;

	if (!f)
		return out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		out.append(buf, n);
	pclose(f);
	return out;
}

} /* namespace kv */
