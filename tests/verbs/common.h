/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * kiwi verbs suite: configuration, guarded buffers, data patterns and the
 * helpers every test uses.
 *
 * The suite runs in one guest with two network namespaces joined by a veth
 * pair (tests/vm/lib.sh, netns_veth).  The client side of every connection
 * lives in KIWI_VERBS_CLIENT_NS, the server side in KIWI_VERBS_SERVER_NS;
 * one process drives both, switching namespaces with setns(2) only around
 * rdma_create_id(), which is where rdma_cm takes the namespace from.
 *
 *   +---------- ns0 (client) -----+        +---------- ns1 (server) -----+
 *   |  veth0 10.0.0.1  <dev>0     |========|  veth1 10.0.0.2  <dev>1     |
 *   +-----------------------------+  veth  +-----------------------------+
 *
 * Environment (all optional, defaults in brackets):
 *   KIWI_VERBS_DEVICE        device type under test, siw|kiwi [siw]
 *   KIWI_VERBS_PEER_DEVICE   device type on the server side [= DEVICE]
 *   KIWI_VERBS_CLIENT_DEV    ibv device name on the client side [<type>0]
 *   KIWI_VERBS_SERVER_DEV    ibv device name on the server side [<peer>1]
 *   KIWI_VERBS_CLIENT_NS / KIWI_VERBS_SERVER_NS   netns names [ns0 / ns1]
 *   KIWI_VERBS_CLIENT_IP / KIWI_VERBS_SERVER_IP   [10.0.0.1 / 10.0.0.2]
 *   KIWI_VERBS_SERVER_IF     the server's netdev, captured for TERMINATEs [veth1]
 *   KIWI_VERBS_MANY_QPS      QPs in the many-QP test [1000]
 *   KIWI_VERBS_TIMEOUT_SCALE multiplies every timeout [1]
 */
#ifndef KIWI_VERBS_COMMON_H
#define KIWI_VERBS_COMMON_H

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace kv {

struct Config {
	std::string dev_type;	/* client side: siw or kiwi */
	std::string peer_type;	/* server side */
	std::string client_dev, server_dev;
	std::string client_ns, server_ns;
	std::string client_ip, server_ip;
	std::string server_if;	/* the server's netdev, for wire captures */
	int many_qps;
	double timeout_scale;

	static const Config &get();
};

/* A timeout in milliseconds, scaled by KIWI_VERBS_TIMEOUT_SCALE. */
int ms(int base);

/*
 * Known deviations of a device from what the suite expects of kiwi.  A
 * quirk applies when either side of the connection is a device type that
 * lists it; quirk() then prints a "[  QUIRK   ]" line (collected by
 * tests/vm/verbs-suite.sh) and returns true, and the test relaxes exactly
 * that one expectation.  kiwi lists none: every expectation is strict.
 */
bool quirk(const char *id, const std::string &what);
/* Whether quirk id applies, without reporting it (to shorten waits for
 * things the quirky device never does). */
bool quirk_listed(const char *id);

/* setns(2) into a named network namespace for the lifetime of the object. */
class InNetns {
public:
	explicit InNetns(const std::string &name);
	~InNetns();
	InNetns(const InNetns &) = delete;
	InNetns &operator=(const InNetns &) = delete;

private:
	int orig_ = -1;
};

/* Byte i of data pattern 'seed': position-dependent, so a shifted or
 * misplaced copy never matches. */
inline uint8_t pat(uint32_t seed, size_t i)
{
	uint32_t x = seed * 0x9e3779b1u + static_cast<uint32_t>(i) * 0x85ebca6bu;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return static_cast<uint8_t>(x);
}

void fill_pat(uint8_t *p, size_t len, uint32_t seed, size_t first = 0);

/* p[0..len) holds pattern seed starting at pattern offset 'first'. */
::testing::AssertionResult is_pat(const uint8_t *p, size_t len, uint32_t seed,
				  size_t first = 0);
/* p[0..len) is all 'byte'. */
::testing::AssertionResult is_fill(const uint8_t *p, size_t len, uint8_t byte);

constexpr uint8_t GUARD_BYTE = 0xa5;	/* guard regions */
constexpr uint8_t FILL_BYTE = 0x5a;	/* buffer bytes nobody should touch */
constexpr size_t GUARD_LEN = 4096;

/*
 * A buffer with a guard region of GUARD_LEN bytes directly before and after
 * it, all in one anonymous mapping; only the buffer itself is registered.
 * guards_ok() proves that no byte outside the buffer was written.
 */
class Buf {
public:
	explicit Buf(size_t size, uint8_t fill = FILL_BYTE);
	~Buf();
	Buf(const Buf &) = delete;
	Buf &operator=(const Buf &) = delete;

	uint8_t *data() const { return data_; }
	size_t size() const { return size_; }
	uint64_t addr(size_t off = 0) const
	{
		return reinterpret_cast<uintptr_t>(data_) + off;
	}

	/* Register with the given access; the MR lives as long as the Buf. */
	ibv_mr *reg(ibv_pd *pd, int access);
	ibv_mr *mr() const { return mr_; }
	void dereg();
	ibv_sge sge(size_t off, size_t len) const;

	::testing::AssertionResult guards_ok() const;

private:
	uint8_t *map_ = nullptr;
	size_t map_len_ = 0;
	uint8_t *data_ = nullptr;
	size_t size_ = 0;
	ibv_mr *mr_ = nullptr;
};

constexpr int ACCESS_ALL = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			   IBV_ACCESS_REMOTE_READ;

/*
 * A post_* return code must be 0 or a positive errno (ibv_post_send(3)).
 * errno_of() maps a provider's negative errno to positive under the
 * "negative-errno" quirk, and otherwise returns rc unchanged.
 */
int errno_of(int rc);
::testing::AssertionResult post_failed_with(int rc,
					    std::initializer_list<int> allowed);

std::string wc_str(const ibv_wc &wc);
const char *qp_state_str(int state);
const char *event_str(ibv_event_type t);

/* The ibv device name of an ibv_context. */
std::string dev_name(ibv_context *ctx);

/* Run a shell command and return its stdout (for rdma res, sysfs). */
std::string run_cmd(const std::string &cmd);

/* Print a note that tests/vm/verbs-suite.sh keeps in its log. */
void note(const std::string &what);

} /* namespace kv */

#endif
