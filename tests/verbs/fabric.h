/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Connected QP pairs through librdmacm.  iWARP has no raw RTR/RTS
 * transitions: a QP reaches RTS only through rdma_connect()/rdma_accept(),
 * so every QP in the suite comes from here.
 *
 * A Fabric owns one event channel per side and a listener on the server
 * address (in the server namespace, on a port the kernel picks).
 * Fabric::connect() makes one connection and returns both ends as a Conn:
 * client (the active side, in the client namespace) and server (the
 * passive side).  Both ends live in this process, so tests exchange keys
 * and addresses directly instead of through private data.
 */
#ifndef KIWI_VERBS_FABRIC_H
#define KIWI_VERBS_FABRIC_H

#include "common.h"
#include "events.h"

#include <netinet/in.h>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace kv {

struct Endpoint;

struct QpOpts {
	uint32_t sq = 32, rq = 32;
	uint32_t send_sge = 1, recv_sge = 1;
	uint32_t inline_data = 0;
	bool sig_all = false;
	int cq_size = 256;		/* own CQ; 0 with 'cq' set */
	bool split_cq = false;		/* separate send and receive CQs */
	bool comp_channel = false;	/* CQs report to a channel */
	ibv_pd *pd = nullptr;		/* shared, not owned */
	ibv_cq *cq = nullptr;		/* shared send+recv CQ, not owned */
	ibv_srq *srq = nullptr;		/* not owned */
	int rd_atom = -1;		/* IRD/ORD; -1: min(device, 16) */
	/* rdma_create_qp may fail: setup() then returns false without
	 * failing the test and sets Endpoint::create_failed */
	bool may_fail = false;
	/* extended verbs: an ibv_cq_ex for the CQ(s), and a QP made with
	 * rdma_create_qp_ex() and these IBV_QP_EX_WITH_* send ops */
	bool cq_ex = false;
	uint64_t send_ops = 0;
	/* private data for rdma_connect() (client) or rdma_accept()
	 * (server), at most 255 bytes, the rdma_cm limit */
	std::vector<uint8_t> pdata;
	/* client only: runs between QP creation and rdma_connect() */
	std::function<void(Endpoint &)> before_connect;
};

struct Endpoint {
	rdma_cm_id *id = nullptr;
	ibv_pd *pd = nullptr;
	ibv_comp_channel *ch = nullptr;
	ibv_cq *scq = nullptr, *rcq = nullptr;
	ibv_cq_ex *scq_ex = nullptr, *rcq_ex = nullptr;	/* with cq_ex */
	ibv_qp_ex *qpx = nullptr;			/* with send_ops */
	bool own_pd = false, own_cq = false;
	bool create_failed = false;
	ibv_qp_cap cap = {};

	Endpoint() = default;
	Endpoint(const Endpoint &) = delete;
	Endpoint &operator=(const Endpoint &) = delete;
	~Endpoint() { destroy(); }

	ibv_qp *qp() const { return id ? id->qp : nullptr; }
	ibv_context *ctx() const { return id ? id->verbs : nullptr; }
	uint32_t qpn() const { return qp() ? qp()->qp_num : 0; }

	bool setup(const QpOpts &o);
	/* The QP state from ibv_query_qp, or -1. */
	int state() const;
	/*
	 * Poll ibv_query_qp until the QP is in 'st'.  Under the
	 * "query-qp-no-state" quirk (the state always reads RESET) this
	 * succeeds with a quirk line, and the test's other checks (events,
	 * flushes, data) carry the weight.
	 */
	::testing::AssertionResult in_state(int st, int timeout_ms = 0) const;
	void destroy();
};

struct Conn {
	Endpoint client, server;
	/* private data of the connect request and of the accept, as the
	 * other side's CONNECT_REQUEST and ESTABLISHED events gave it */
	std::vector<uint8_t> req_pdata, rep_pdata;
};

struct CmEvent {
	rdma_cm_event_type type = RDMA_CM_EVENT_ADDR_ERROR;
	int status = 0;
	rdma_cm_id *id = nullptr;
	rdma_cm_id *listen_id = nullptr;
	std::vector<uint8_t> pdata;
	bool timed_out = true;
};

class Fabric {
public:
	/* listen_now: listen on the server address, on a port the kernel
	 * picks (otherwise call listen()). */
	explicit Fabric(bool listen_now = true);
	~Fabric();
	Fabric(const Fabric &) = delete;
	Fabric &operator=(const Fabric &) = delete;

	/* Listen on the server address; returns 0 or an errno. */
	int listen(uint16_t port);
	/*
	 * Make rdma_listen/rdma_connect/rdma_accept calls from the caller's
	 * own namespace instead of the side's (rdma_create_id always runs in
	 * the side's namespace, which is what the cm_id carries).
	 */
	void cm_calls_in_caller_ns(bool on) { caller_ns_ = on; }

	bool ok() const { return listener_ != nullptr; }
	uint16_t port() const { return port_; }

	/*
	 * Connect one QP pair.  before_accept runs once both QPs exist and
	 * before the passive side accepts (post receives there).  Returns
	 * nullptr after ADD_FAILURE on any error.
	 */
	std::unique_ptr<Conn>
	connect(const QpOpts &client = {}, const QpOpts &server = {},
		const std::function<void(Conn &)> &before_accept = {});

	/*
	 * Create the client end's cm_id and resolve address and route to the
	 * listener: the step before connect, leaving a QP made with
	 * Endpoint::setup() in INIT.
	 */
	bool resolve(Endpoint &client, int port = -1);

	/*
	 * The passive side only, for a peer in another process: wait for a
	 * connection request, set up a QP, run before_accept (which returns
	 * the private data for the accept), accept, and wait until
	 * established.
	 */
	std::unique_ptr<Endpoint>
	accept_one(const QpOpts &o,
		   const std::function<std::vector<uint8_t>(Endpoint &, const CmEvent &)>
			   &before_accept,
		   int timeout_ms);

	/*
	 * n connections, set up in batches with many requests in flight
	 * (one by one, a thousand QPs take too long under emulation).
	 * before_accept runs for each server end.  Conn i's client sent i
	 * as private data.  Returns fewer than n after ADD_FAILURE, or
	 * without when QP creation fails under QpOpts::may_fail.
	 */
	std::vector<std::unique_ptr<Conn>>
	connect_many(int n, const QpOpts &client, const QpOpts &server,
		     const std::function<void(Endpoint &)> &before_accept);

	/* Disconnect from 'from' (either end) and wait for DISCONNECTED on
	 * both ends. */
	::testing::AssertionResult disconnect(Conn &c, Endpoint &from);

	/*
	 * The next CM event for id (any id if nullptr) on the client or server
	 * channel.  Events for other ids are kept for later calls.  Returns
	 * an event of type 'want', or any error event for that id, or one
	 * with timed_out set.
	 */
	CmEvent wait(bool server, rdma_cm_event_type want, rdma_cm_id *id,
		     int timeout_ms);

	rdma_event_channel *channel(bool server) const { return server ? sch_ : cch_; }
	rdma_cm_id *listener() const { return listener_; }

private:
	rdma_event_channel *cch_ = nullptr, *sch_ = nullptr;
	rdma_cm_id *listener_ = nullptr;
	uint16_t port_ = 0;
	bool caller_ns_ = false;
	std::deque<CmEvent> stash_[2];
};

/* An IPv4 socket address (ADD_FAILURE on a bad 'ip'). */
sockaddr_in inaddr(const std::string &ip, uint16_t port);

/* librdmacm's context for the ibv device 'name' (the one its cm_ids on
 * that device use), or nullptr. */
ibv_context *cm_context(const std::string &name);

/* Device attributes of a context (cached). */
const ibv_device_attr &dev_attr(ibv_context *ctx);

/* A send work request with no remote part. */
ibv_send_wr make_wr(ibv_wr_opcode op, ibv_sge *sg, int nsge, uint64_t wr_id,
		    unsigned flags = IBV_SEND_SIGNALED);

int post_send(ibv_qp *qp, ibv_wr_opcode op, std::vector<ibv_sge> sges,
	      uint64_t wr_id, unsigned flags = IBV_SEND_SIGNALED,
	      uint64_t raddr = 0, uint32_t rkey = 0, uint32_t inv_rkey = 0);
int post_recv(ibv_qp *qp, std::vector<ibv_sge> sges, uint64_t wr_id);
int post_srq_recv(ibv_srq *srq, std::vector<ibv_sge> sges, uint64_t wr_id);

/* Expect one successful completion of wr_id with the given opcode. */
::testing::AssertionResult expect_wc(ibv_cq *cq, uint64_t wr_id, ibv_wc_opcode op,
				     int timeout_ms = 0, ibv_wc *out = nullptr);

} /* namespace kv */

#endif
