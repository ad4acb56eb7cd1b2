// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi-apicheck: drive the verbs interfaces a provider implements over one
 * real rdma_cm connection, and check every byte that moves.
 *
 *   kiwi-apicheck -s [-b ADDR] [-p PORT] [options]       server
 *   kiwi-apicheck -c ADDR [-p PORT] [options]             client
 *   kiwi-apicheck -d DEVICE                               probe
 *
 *   --api classic|ex   ibv_post_send/ibv_poll_cq, or the ibv_qp_ex
 *                      builder (ibv_wr_*) and ibv_cq_ex polling
 *   --events           wait on the completion channel (req_notify_cq)
 *                      instead of busy polling
 *   -n ITERS -S SIZE   iterations (default 100) and message size (4096)
 *   --drain            client: afterwards, move the QP to ERROR, wait,
 *                      then post a Send and a Receive; both must come
 *                      back as IBV_WC_WR_FLUSH_ERR (what a drain needs)
 *
 * Both sides must use the same options.  Each iteration:
 *   1. client Send (two SGEs)            -> server checks it, replies Send
 *   2. client RDMA Write (unsignalled), then a 4-byte inline Send
 *                                        -> server checks its buffer, acks
 *   3. client RDMA Read of that buffer   -> client checks what came back
 * Exit status 0 when every completion and every byte were as expected.
 *
 * The probe needs no peer: it opens DEVICE and checks that what the
 * provider does not support fails cleanly with EOPNOTSUPP (or EINVAL
 * where the man pages say so) and that what it does support is created
 * with the limits query_device reports.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

namespace {

struct Options {
	bool server = false;
	std::string addr;
	std::string port = "7999";
	bool ex = false;
	bool events = false;
	bool drain = false;
	int iters = 100;
	uint32_t size = 4096;
};

[[noreturn]] void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kiwi-apicheck: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* What each side tells the other in the connection's private data. */
struct Remote {
	uint64_t addr;
	uint32_t rkey;
	uint32_t size;
};

enum WrId : uint64_t {
	kRecv = 1,	/* low bits: slot */
	kSend = 2,
	kWrite = 3,
	kRead = 4,
	kAck = 5,
	kDrain = 6,
};

uint64_t make_id(WrId kind, uint64_t n)
{
	return n << 8 | kind;
}

uint8_t pattern(int iter, char what, size_t off)
{
	return uint8_t(iter * 131 + what * 7 + off * 13 + (off >> 8));
}

void fill(uint8_t *p, size_t n, int iter, char what)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(iter, what, i);
}

bool check(const uint8_t *p, size_t n, int iter, char what)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(iter, what, i)) {
			fprintf(stderr, "kiwi-apicheck: iteration %d '%c': byte "
				"%zu is 0x%02x, expected 0x%02x\n", iter, what, i,
				p[i], pattern(iter, what, i));
			return false;
		}
	return true;
}

constexpr int kRecvSlots = 4;

class Endpoint {
public:
	Endpoint(const Options &o) : opt_(o) {}

	/* Buffer areas, each opt_.size bytes. */
	uint8_t *send_area() { return buf_.data(); }
	uint8_t *recv_area(int slot) { return buf_.data() + (1 + slot) * opt_.size; }
	uint8_t *target() { return buf_.data() + (1 + kRecvSlots) * opt_.size; }
	uint8_t *sink() { return buf_.data() + (2 + kRecvSlots) * opt_.size; }

	void setup(rdma_cm_id *id)
	{
		id_ = id;
		buf_.assign((3 + kRecvSlots) * size_t(opt_.size), 0);
		pd_ = ibv_alloc_pd(id->verbs);
		if (!pd_)
			die("ibv_alloc_pd: %s", strerror(errno));
		mr_ = ibv_reg_mr(pd_, buf_.data(), buf_.size(),
				 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				 IBV_ACCESS_REMOTE_READ);
		if (!mr_)
			die("ibv_reg_mr: %s", strerror(errno));
		if (opt_.events) {
			ch_ = ibv_create_comp_channel(id->verbs);
			if (!ch_)
				die("ibv_create_comp_channel: %s", strerror(errno));
		}
		if (opt_.ex) {
			ibv_cq_init_attr_ex ca = {};
			ca.cqe = 64;
			ca.channel = ch_;
			ca.wc_flags = IBV_WC_STANDARD_FLAGS;
			cqx_ = ibv_create_cq_ex(id->verbs, &ca);
			if (!cqx_)
				die("ibv_create_cq_ex: %s", strerror(errno));
			cq_ = ibv_cq_ex_to_cq(cqx_);
		} else {
			cq_ = ibv_create_cq(id->verbs, 64, nullptr, ch_, 0);
			if (!cq_)
				die("ibv_create_cq: %s", strerror(errno));
		}

		ibv_qp_init_attr_ex qa = {};
		qa.qp_type = IBV_QPT_RC;
		qa.send_cq = cq_;
		qa.recv_cq = cq_;
		qa.cap.max_send_wr = 16;
		qa.cap.max_recv_wr = kRecvSlots;
		qa.cap.max_send_sge = 2;
		qa.cap.max_recv_sge = 1;
		qa.cap.max_inline_data = 64;
		qa.comp_mask = IBV_QP_INIT_ATTR_PD;
		qa.pd = pd_;
		if (opt_.ex) {
			qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
			qa.send_ops_flags = IBV_QP_EX_WITH_SEND |
					    IBV_QP_EX_WITH_RDMA_WRITE |
					    IBV_QP_EX_WITH_RDMA_READ;
		}
		if (rdma_create_qp_ex(id, &qa))
			die("rdma_create_qp_ex: %s", strerror(errno));
		qp_ = id->qp;
		if (opt_.ex) {
			qpx_ = ibv_qp_to_qp_ex(qp_);
			if (!qpx_)
				die("ibv_qp_to_qp_ex returned NULL");
		}
		inline_ok_ = qa.cap.max_inline_data >= sizeof(uint32_t);
		for (int s = 0; s < kRecvSlots; s++)
			post_recv(s);
	}

	void teardown()
	{
		if (qp_)
			rdma_destroy_qp(id_);
		if (cq_ && ibv_destroy_cq(cq_))
			die("ibv_destroy_cq: %s", strerror(errno));
		if (ch_ && ibv_destroy_comp_channel(ch_))
			die("ibv_destroy_comp_channel: %s", strerror(errno));
		if (mr_ && ibv_dereg_mr(mr_))
			die("ibv_dereg_mr: %s", strerror(errno));
		if (pd_ && ibv_dealloc_pd(pd_))
			die("ibv_dealloc_pd: %s", strerror(errno));
	}

	Remote local_remote()
	{
		return Remote{ uint64_t(uintptr_t(target())), mr_->rkey,
			       opt_.size };
	}

	void post_recv(int slot)
	{
		ibv_sge sg = { uint64_t(uintptr_t(recv_area(slot))), opt_.size,
			       mr_->lkey };
		ibv_recv_wr wr = {}, *bad;

		wr.wr_id = make_id(kRecv, slot);
		wr.sg_list = &sg;
		wr.num_sge = 1;
		int ret = ibv_post_recv(qp_, &wr, &bad);
		if (ret)
			die("ibv_post_recv: %s", strerror(ret));
	}

	/* Post one send-queue request through the chosen interface. */
	void post(uint64_t wr_id, ibv_wr_opcode op, ibv_sge *sg, int nsge,
		  unsigned int flags, const Remote *rem = nullptr,
		  const void *inline_data = nullptr, size_t inline_len = 0)
	{
		if (opt_.ex) {
			ibv_wr_start(qpx_);
			qpx_->wr_id = wr_id;
			qpx_->wr_flags = flags;
			switch (op) {
			case IBV_WR_SEND:
				ibv_wr_send(qpx_);
				break;
			case IBV_WR_RDMA_WRITE:
				ibv_wr_rdma_write(qpx_, rem->rkey, rem->addr);
				break;
			case IBV_WR_RDMA_READ:
				ibv_wr_rdma_read(qpx_, rem->rkey, rem->addr);
				break;
			default:
				die("opcode %d", op);
			}
			if (inline_data)
				ibv_wr_set_inline_data(qpx_,
					const_cast<void *>(inline_data),
					inline_len);
			else
				ibv_wr_set_sge_list(qpx_, nsge, sg);
			int ret = ibv_wr_complete(qpx_);
			if (ret)
				die("ibv_wr_complete: %s", strerror(ret));
			return;
		}
		ibv_sge isg;
		ibv_send_wr wr = {}, *bad;
		wr.wr_id = wr_id;
		wr.opcode = op;
		wr.send_flags = flags;
		if (inline_data) {
			isg = { uint64_t(uintptr_t(inline_data)),
				uint32_t(inline_len), 0 };
			wr.sg_list = &isg;
			wr.num_sge = 1;
			wr.send_flags |= IBV_SEND_INLINE;
		} else {
			wr.sg_list = sg;
			wr.num_sge = nsge;
		}
		if (rem) {
			wr.wr.rdma.remote_addr = rem->addr;
			wr.wr.rdma.rkey = rem->rkey;
		}
		int ret = ibv_post_send(qp_, &wr, &bad);
		if (ret)
			die("ibv_post_send: %s", strerror(ret));
	}

	void send_buf(uint64_t wr_id, uint32_t len)
	{
		/* Two SGEs, to exercise SGE lists on both sides. */
		uint32_t first = len / 3;
		ibv_sge sg[2] = {
			{ uint64_t(uintptr_t(send_area())), first, mr_->lkey },
			{ uint64_t(uintptr_t(send_area() + first)), len - first,
			  mr_->lkey },
		};
		post(wr_id, IBV_WR_SEND, sg, 2, IBV_SEND_SIGNALED);
	}

	void send_word(uint64_t wr_id, uint32_t word)
	{
		word_ = word;
		if (inline_ok_) {
			post(wr_id, IBV_WR_SEND, nullptr, 0, IBV_SEND_SIGNALED,
			     nullptr, &word_, sizeof(word_));
			return;
		}
		memcpy(send_area(), &word_, sizeof(word_));
		ibv_sge sg = { uint64_t(uintptr_t(send_area())), sizeof(word_),
			       mr_->lkey };
		post(wr_id, IBV_WR_SEND, &sg, 1, IBV_SEND_SIGNALED);
	}

	/*
	 * Requests posted to a QP in ERROR complete with WR_FLUSH_ERR.  The
	 * pause lets the kernel finish flushing what was outstanding, so
	 * that the new requests meet a QP that is already in error.  The
	 * Receive goes first and alone: a Send's doorbell would make the
	 * kernel flush the receive queue as well, and hide whether a lone
	 * Receive is flushed.
	 */
	void drain()
	{
		ibv_qp_attr attr = {};
		int recvs = 0, sends = 0;

		attr.qp_state = IBV_QPS_ERR;
		if (ibv_modify_qp(qp_, &attr, IBV_QP_STATE))
			die("ibv_modify_qp(ERR): %s", strerror(errno));
		usleep(200000);
		post_recv(0);
		collect_flushes(&recvs, &sends, kRecvSlots + 1, 0);
		if (recvs != kRecvSlots + 1)
			fprintf(stderr, "kiwi-apicheck: drain: a Receive posted "
				"in ERROR was not flushed (%d of %d)\n", recvs,
				kRecvSlots + 1);
		send_word(make_id(kDrain, 0), 0);
		collect_flushes(&recvs, &sends, kRecvSlots + 1, 1);
		if (recvs != kRecvSlots + 1 || sends != 1)
			die("drain: %d of %d receives and %d of 1 sends flushed",
			    recvs, kRecvSlots + 1, sends);
	}

	struct Wc {
		uint64_t wr_id;
		ibv_wc_status status;
		ibv_wc_opcode opcode;
		uint32_t byte_len;
		uint32_t qp_num;
	};

	/* The next completion, by polling or by waiting for an event. */
	Wc next()
	{
		Wc wc;

		for (;;) {
			if (poll_one(&wc))
				return wc;
			if (!opt_.events)
				continue;
			if (ibv_req_notify_cq(cq_, 0))
				die("ibv_req_notify_cq failed");
			if (poll_one(&wc))
				return wc;
			wait_event();
		}
	}

	/*
	 * Wait for a completion of @kind.  A send and the receive it provokes
	 * may complete in either order, so a good completion of another kind
	 * is kept for a later expect(); an error completion ends the run.
	 */
	Wc expect(WrId kind, ibv_wc_opcode opcode)
	{
		for (size_t i = 0; i < stash_.size(); i++)
			if ((stash_[i].wr_id & 0xff) == kind) {
				Wc wc = stash_[i];
				stash_.erase(stash_.begin() + i);
				return checked(wc, opcode);
			}
		for (;;) {
			Wc wc = next();

			if (wc.status != IBV_WC_SUCCESS)
				die("completion %#" PRIx64 ": %s", wc.wr_id,
				    ibv_wc_status_str(wc.status));
			if ((wc.wr_id & 0xff) == kind)
				return checked(wc, opcode);
			if (stash_.size() > 8)
				die("unexpected completion %#" PRIx64, wc.wr_id);
			stash_.push_back(wc);
		}
	}

	int recv_slot(const Wc &wc) { return int(wc.wr_id >> 8); }
	uint32_t lkey() const { return mr_->lkey; }
	uint64_t completions() const { return completions_; }
	uint64_t events() const { return events_; }

private:
	/* Count flush completions for up to 3 s, until there are enough. */
	void collect_flushes(int *recvs, int *sends, int want_recvs,
			     int want_sends)
	{
		Wc wc;

		for (int ms = 0; ms < 3000 && (*recvs < want_recvs ||
					       *sends < want_sends); ms++) {
			if (!poll_one(&wc)) {
				usleep(1000);
				continue;
			}
			if (wc.status != IBV_WC_WR_FLUSH_ERR)
				die("drain: completion %#" PRIx64 ": %s", wc.wr_id,
				    ibv_wc_status_str(wc.status));
			if ((wc.wr_id & 0xff) == kRecv)
				(*recvs)++;
			else if ((wc.wr_id & 0xff) == kDrain)
				(*sends)++;
			else
				die("drain: completion %#" PRIx64, wc.wr_id);
			completions_++;
		}
	}

	Wc checked(const Wc &wc, ibv_wc_opcode opcode)
	{
		if (wc.opcode != opcode)
			die("completion %#" PRIx64 " has opcode %d, expected %d",
			    wc.wr_id, wc.opcode, opcode);
		if (wc.qp_num != qp_->qp_num)
			die("completion for QP %u, ours is %u", wc.qp_num,
			    qp_->qp_num);
		completions_++;
		return wc;
	}

	bool poll_one(Wc *out)
	{
		if (opt_.ex) {
			ibv_poll_cq_attr attr = {};
			int ret = ibv_start_poll(cqx_, &attr);
			if (ret == ENOENT)
				return false;
			if (ret)
				die("ibv_start_poll: %s", strerror(ret));
			out->wr_id = cqx_->wr_id;
			out->status = cqx_->status;
			out->opcode = ibv_wc_read_opcode(cqx_);
			out->byte_len = ibv_wc_read_byte_len(cqx_);
			out->qp_num = ibv_wc_read_qp_num(cqx_);
			ibv_end_poll(cqx_);
			return true;
		}
		ibv_wc wc;
		int n = ibv_poll_cq(cq_, 1, &wc);
		if (n < 0)
			die("ibv_poll_cq: %d", n);
		if (!n)
			return false;
		*out = Wc{ wc.wr_id, wc.status, wc.opcode, wc.byte_len,
			   wc.qp_num };
		return true;
	}

	void wait_event()
	{
		pollfd pfd = { ch_->fd, POLLIN, 0 };
		int r = ::poll(&pfd, 1, 10000);
		if (r == 0)
			die("no completion event in 10 s");
		if (r < 0)
			die("poll: %s", strerror(errno));
		ibv_cq *ev_cq;
		void *ctx;
		if (ibv_get_cq_event(ch_, &ev_cq, &ctx))
			die("ibv_get_cq_event: %s", strerror(errno));
		if (ev_cq != cq_)
			die("event for another CQ");
		ibv_ack_cq_events(ev_cq, 1);
		events_++;
	}

	const Options &opt_;
	rdma_cm_id *id_ = nullptr;
	std::vector<uint8_t> buf_;
	ibv_pd *pd_ = nullptr;
	ibv_mr *mr_ = nullptr;
	ibv_comp_channel *ch_ = nullptr;
	ibv_cq *cq_ = nullptr;
	ibv_cq_ex *cqx_ = nullptr;
	ibv_qp *qp_ = nullptr;
	ibv_qp_ex *qpx_ = nullptr;
	bool inline_ok_ = false;
	uint32_t word_ = 0;
	uint64_t completions_ = 0, events_ = 0;
	std::vector<Wc> stash_;
};

rdma_cm_event *get_event(rdma_event_channel *ec, rdma_cm_event_type want)
{
	rdma_cm_event *ev;

	if (rdma_get_cm_event(ec, &ev))
		die("rdma_get_cm_event: %s", strerror(errno));
	if (ev->event != want)
		die("got %s (status %d), expected %s", rdma_event_str(ev->event),
		    ev->status, rdma_event_str(want));
	return ev;
}

addrinfo *resolve(const Options &o, bool passive)
{
	addrinfo hints = {}, *res;

	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	int ret = getaddrinfo(o.addr.empty() ? nullptr : o.addr.c_str(),
			      o.port.c_str(), &hints, &res);
	if (ret)
		die("getaddrinfo %s: %s", o.addr.c_str(), gai_strerror(ret));
	return res;
}

Remote take_remote(const rdma_cm_event *ev)
{
	Remote r;

	if (ev->param.conn.private_data_len < sizeof(r))
		die("peer sent %u bytes of private data",
		    ev->param.conn.private_data_len);
	memcpy(&r, ev->param.conn.private_data, sizeof(r));
	return r;
}

int run_server(const Options &o)
{
	rdma_event_channel *ec = rdma_create_event_channel();
	rdma_cm_id *listen_id;
	Endpoint ep(o);

	if (!ec || rdma_create_id(ec, &listen_id, nullptr, RDMA_PS_TCP))
		die("rdma_create_id: %s", strerror(errno));
	addrinfo *ai = resolve(o, true);
	if (rdma_bind_addr(listen_id, ai->ai_addr))
		die("rdma_bind_addr: %s", strerror(errno));
	freeaddrinfo(ai);
	if (rdma_listen(listen_id, 1))
		die("rdma_listen: %s", strerror(errno));

	rdma_cm_event *ev = get_event(ec, RDMA_CM_EVENT_CONNECT_REQUEST);
	rdma_cm_id *id = ev->id;
	Remote peer = take_remote(ev);
	rdma_ack_cm_event(ev);
	if (peer.size != o.size)
		die("client uses size %u, we use %u", peer.size, o.size);

	ep.setup(id);
	Remote mine = ep.local_remote();
	rdma_conn_param cp = {};
	cp.private_data = &mine;
	cp.private_data_len = sizeof(mine);
	cp.responder_resources = 1;
	cp.initiator_depth = 1;
	if (rdma_accept(id, &cp))
		die("rdma_accept: %s", strerror(errno));
	rdma_ack_cm_event(get_event(ec, RDMA_CM_EVENT_ESTABLISHED));

	for (int i = 0; i < o.iters; i++) {
		/* 1. A full-size Send; answer with our own. */
		Endpoint::Wc wc = ep.expect(kRecv, IBV_WC_RECV);
		int slot = ep.recv_slot(wc);
		if (wc.byte_len != o.size || !check(ep.recv_area(slot), o.size, i, 'S'))
			die("iteration %d: bad Send (%u bytes)", i, wc.byte_len);
		ep.post_recv(slot);
		fill(ep.send_area(), o.size, i, 'R');
		ep.send_buf(make_id(kSend, i), o.size);
		ep.expect(kSend, IBV_WC_SEND);

		/* 2. The Write landed before the Send that follows it. */
		wc = ep.expect(kRecv, IBV_WC_RECV);
		slot = ep.recv_slot(wc);
		uint32_t word;
		memcpy(&word, ep.recv_area(slot), sizeof(word));
		if (wc.byte_len != sizeof(word) || word != uint32_t(i))
			die("iteration %d: bad notification", i);
		if (!check(ep.target(), o.size, i, 'W'))
			die("iteration %d: RDMA Write data wrong", i);
		ep.post_recv(slot);
		ep.send_word(make_id(kAck, i), i);
		ep.expect(kAck, IBV_WC_SEND);
	}
	/* 3. The client's Reads need nothing from us; wait for its goodbye. */
	rdma_ack_cm_event(get_event(ec, RDMA_CM_EVENT_DISCONNECTED));
	printf("kiwi-apicheck: server: %d iterations, %" PRIu64
	       " completions, %" PRIu64 " events: ok\n", o.iters,
	       ep.completions(), ep.events());
	ep.teardown();
	rdma_destroy_id(id);
	rdma_destroy_id(listen_id);
	rdma_destroy_event_channel(ec);
	return 0;
}

int run_client(const Options &o)
{
	rdma_event_channel *ec = rdma_create_event_channel();
	rdma_cm_id *id;
	Endpoint ep(o);

	if (!ec || rdma_create_id(ec, &id, nullptr, RDMA_PS_TCP))
		die("rdma_create_id: %s", strerror(errno));
	addrinfo *ai = resolve(o, false);
	if (rdma_resolve_addr(id, nullptr, ai->ai_addr, 5000))
		die("rdma_resolve_addr: %s", strerror(errno));
	freeaddrinfo(ai);
	rdma_ack_cm_event(get_event(ec, RDMA_CM_EVENT_ADDR_RESOLVED));
	if (rdma_resolve_route(id, 5000))
		die("rdma_resolve_route: %s", strerror(errno));
	rdma_ack_cm_event(get_event(ec, RDMA_CM_EVENT_ROUTE_RESOLVED));

	ep.setup(id);
	Remote mine = ep.local_remote();
	rdma_conn_param cp = {};
	cp.private_data = &mine;
	cp.private_data_len = sizeof(mine);
	cp.responder_resources = 1;
	cp.initiator_depth = 1;
	if (rdma_connect(id, &cp))
		die("rdma_connect: %s", strerror(errno));
	rdma_cm_event *ev = get_event(ec, RDMA_CM_EVENT_ESTABLISHED);
	Remote peer = take_remote(ev);
	rdma_ack_cm_event(ev);

	for (int i = 0; i < o.iters; i++) {
		/* 1. Send, and check the answer. */
		fill(ep.send_area(), o.size, i, 'S');
		ep.send_buf(make_id(kSend, i), o.size);
		ep.expect(kSend, IBV_WC_SEND);
		Endpoint::Wc wc = ep.expect(kRecv, IBV_WC_RECV);
		int slot = ep.recv_slot(wc);
		if (wc.byte_len != o.size || !check(ep.recv_area(slot), o.size, i, 'R'))
			die("iteration %d: bad reply (%u bytes)", i, wc.byte_len);
		ep.post_recv(slot);

		/* 2. An unsignalled Write, then a small inline Send. */
		fill(ep.send_area(), o.size, i, 'W');
		ibv_sge sg = { uint64_t(uintptr_t(ep.send_area())), o.size,
			       ep.lkey() };
		ep.post(make_id(kWrite, i), IBV_WR_RDMA_WRITE, &sg, 1, 0, &peer);
		ep.send_word(make_id(kAck, i), i);
		ep.expect(kAck, IBV_WC_SEND);
		wc = ep.expect(kRecv, IBV_WC_RECV);
		slot = ep.recv_slot(wc);
		ep.post_recv(slot);

		/* 3. Read it back. */
		memset(ep.sink(), 0, o.size);
		ibv_sge rs = { uint64_t(uintptr_t(ep.sink())), o.size,
			       ep.lkey() };
		ep.post(make_id(kRead, i), IBV_WR_RDMA_READ, &rs, 1,
			IBV_SEND_SIGNALED, &peer);
		wc = ep.expect(kRead, IBV_WC_RDMA_READ);
		if (!check(ep.sink(), o.size, i, 'W'))
			die("iteration %d: RDMA Read data wrong", i);
	}
	if (o.drain)
		ep.drain();
	if (rdma_disconnect(id))
		die("rdma_disconnect: %s", strerror(errno));
	rdma_ack_cm_event(get_event(ec, RDMA_CM_EVENT_DISCONNECTED));
	printf("kiwi-apicheck: client: api %s, %s%s, %d iterations of %u bytes, "
	       "%" PRIu64 " completions, %" PRIu64 " events: ok\n",
	       o.ex ? "ex" : "classic", o.events ? "events" : "polling",
	       o.drain ? ", drained" : "", o.iters, o.size, ep.completions(), ep.events());
	ep.teardown();
	rdma_destroy_id(id);
	rdma_destroy_event_channel(ec);
	return 0;
}

int probe_failures;

void probe_expect(const char *what, bool ok)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	if (!ok)
		probe_failures++;
}

/*
 * Mappings of a uverbs device file in this process.  A ring left mapped
 * keeps the device file, and with it the whole context, alive.
 */
int count_uverbs_maps()
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/dev/infiniband/uverbs"))
			n++;
	fclose(f);
	return n;
}

/* errno after a constructor returned @p: 0 if it succeeded. */
template <class T> int err_of(T *p)
{
	return p ? 0 : errno;
}

int run_probe(const char *name)
{
	int num;
	ibv_device **list = ibv_get_device_list(&num);
	ibv_device *dev = nullptr;

	for (int i = 0; list && i < num; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			dev = list[i];
	if (!dev)
		die("no device %s", name);
	ibv_context *ctx = ibv_open_device(dev);
	if (!ctx)
		die("ibv_open_device %s: %s", name, strerror(errno));

	ibv_device_attr_ex da = {};
	probe_expect("ibv_query_device_ex", !ibv_query_device_ex(ctx, nullptr, &da));
	probe_expect("transport is iWARP",
		     dev->transport_type == IBV_TRANSPORT_IWARP);
	probe_expect("max_qp_wr and max_sge reported",
		     da.orig_attr.max_qp_wr > 0 && da.orig_attr.max_sge > 0);
	ibv_port_attr pa;
	probe_expect("ibv_query_port", !ibv_query_port(ctx, 1, &pa));
	ibv_pd *pd = ibv_alloc_pd(ctx);
	probe_expect("ibv_alloc_pd", pd);
	if (!pd)
		die("cannot go on without a PD");

	/* CQs. */
	ibv_cq_init_attr_ex ca = {};
	ca.cqe = 16;
	ca.wc_flags = IBV_WC_EX_WITH_COMPLETION_TIMESTAMP;
	probe_expect("cq_ex with timestamps: EOPNOTSUPP",
		     err_of(ibv_create_cq_ex(ctx, &ca)) == EOPNOTSUPP);
	ca.wc_flags = IBV_WC_STANDARD_FLAGS;
	ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	ca.flags = IBV_CREATE_CQ_ATTR_IGNORE_OVERRUN;
	probe_expect("cq_ex IGNORE_OVERRUN: EOPNOTSUPP",
		     err_of(ibv_create_cq_ex(ctx, &ca)) == EOPNOTSUPP);
	ca.comp_mask = 1u << 20;
	ca.flags = 0;
	probe_expect("cq_ex unknown comp_mask: EOPNOTSUPP",
		     err_of(ibv_create_cq_ex(ctx, &ca)) == EOPNOTSUPP);
	ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	ca.flags = IBV_CREATE_CQ_ATTR_SINGLE_THREADED;
	ibv_cq_ex *cqx = ibv_create_cq_ex(ctx, &ca);
	probe_expect("cq_ex SINGLE_THREADED", cqx);
	ibv_cq *cq = ibv_create_cq(ctx, 100, nullptr, nullptr, 0);
	probe_expect("ibv_create_cq(100) gets >= 100 entries",
		     cq && cq->cqe >= 100);
	if (!cq || !cqx)
		die("cannot go on without CQs");
	probe_expect("ibv_resize_cq: EOPNOTSUPP",
		     ibv_resize_cq(cq, 200) == EOPNOTSUPP);
	ibv_poll_cq_attr pattr = {};
	probe_expect("empty cq_ex: ENOENT", ibv_start_poll(cqx, &pattr) == ENOENT);
	ibv_wc wc;
	probe_expect("empty CQ polls 0", ibv_poll_cq(cq, 1, &wc) == 0);
	probe_expect("ibv_req_notify_cq", !ibv_req_notify_cq(cq, 0) &&
		     !ibv_req_notify_cq(cq, 1));

	/* QPs. */
	ibv_qp_init_attr_ex qa = {};
	qa.qp_type = IBV_QPT_RC;
	qa.send_cq = cq;
	qa.recv_cq = ibv_cq_ex_to_cq(cqx);
	qa.cap.max_send_wr = 10;
	qa.cap.max_recv_wr = 10;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	qa.pd = pd;
	const struct {
		const char *what;
		uint64_t flags;
	} bad_ops[] = {
		{ "qp_ex atomics: EOPNOTSUPP", IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP },
		{ "qp_ex fetch-add: EOPNOTSUPP", IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD },
		{ "qp_ex write-imm: EOPNOTSUPP", IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM },
		{ "qp_ex send-imm: EOPNOTSUPP", IBV_QP_EX_WITH_SEND_WITH_IMM },
		{ "qp_ex bind_mw: EOPNOTSUPP", IBV_QP_EX_WITH_BIND_MW },
		{ "qp_ex local_inv: EOPNOTSUPP", IBV_QP_EX_WITH_LOCAL_INV },
		{ "qp_ex tso: EOPNOTSUPP", IBV_QP_EX_WITH_TSO },
	};
	for (const auto &b : bad_ops) {
		qa.send_ops_flags = IBV_QP_EX_WITH_SEND | b.flags;
		probe_expect(b.what, err_of(ibv_create_qp_ex(ctx, &qa)) == EOPNOTSUPP);
	}
	qa.send_ops_flags = IBV_QP_EX_WITH_SEND;
	qa.qp_type = IBV_QPT_UD;
	probe_expect("UD QP: EOPNOTSUPP",
		     err_of(ibv_create_qp_ex(ctx, &qa)) == EOPNOTSUPP);
	qa.qp_type = IBV_QPT_RC;
	qa.send_ops_flags = IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_INV |
			    IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_READ;
	ibv_qp *qp = ibv_create_qp_ex(ctx, &qa);
	probe_expect("qp_ex with send/send_inv/write/read", qp);
	probe_expect("ibv_qp_to_qp_ex", qp && ibv_qp_to_qp_ex(qp));
	probe_expect("granted caps cover the request",
		     qa.cap.max_send_wr >= 10 && qa.cap.max_recv_wr >= 10);
	ibv_qp_attr attr;
	ibv_qp_init_attr init;
	probe_expect("ibv_query_qp", qp && !ibv_query_qp(qp, &attr,
						 IBV_QP_STATE | IBV_QP_CAP, &init));

	/* Posting to a QP that is not connected yet must not crash. */
	if (qp) {
		ibv_qp_ex *x = ibv_qp_to_qp_ex(qp);
		ibv_wr_start(x);
		x->wr_id = 1;
		x->wr_flags = 0;
		ibv_wr_atomic_fetch_add(x, 1, 0, 1);
		probe_expect("wr_atomic_fetch_add fails the batch",
			     ibv_wr_complete(x) == EOPNOTSUPP);
		ibv_send_wr swr = {}, *bad;
		swr.opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
		probe_expect("post_send atomic: EOPNOTSUPP",
			     ibv_post_send(qp, &swr, &bad) == EOPNOTSUPP &&
			     bad == &swr);
		swr.opcode = IBV_WR_SEND;
		ibv_sge sg[8] = {};
		swr.num_sge = 8;
		swr.sg_list = sg;
		probe_expect("post_send too many SGEs: EINVAL",
			     ibv_post_send(qp, &swr, &bad) == EINVAL);
		probe_expect("ibv_destroy_qp", !ibv_destroy_qp(qp));
	}
	/* Many QPs in one process: two ring mappings each. */
	{
		std::vector<ibv_qp *> many;
		ibv_qp_init_attr mia = {};
		mia.qp_type = IBV_QPT_RC;
		mia.send_cq = cq;
		mia.recv_cq = cq;
		mia.cap.max_send_wr = 4;
		mia.cap.max_recv_wr = 4;
		mia.cap.max_send_sge = 1;
		mia.cap.max_recv_sge = 1;
		for (int i = 0; i < 1000; i++) {
			ibv_qp *q = ibv_create_qp(pd, &mia);
			if (!q) {
				fprintf(stderr, "QP %d: %s\n", i, strerror(errno));
				break;
			}
			many.push_back(q);
		}
		probe_expect("1000 QPs in one process", many.size() == 1000);
		/* (Neighbouring mappings may merge: only check there are some.) */
		probe_expect("... with their rings mapped", count_uverbs_maps() > 0);
		bool destroyed = true;
		for (ibv_qp *q : many)
			destroyed &= !ibv_destroy_qp(q);
		probe_expect("... all destroyed", destroyed);
	}

	ibv_qp *plain;
	ibv_qp_init_attr pia = {};
	pia.qp_type = IBV_QPT_RC;
	pia.send_cq = cq;
	pia.recv_cq = cq;
	pia.cap.max_send_wr = 1;
	pia.cap.max_recv_wr = 1;
	plain = ibv_create_qp(pd, &pia);
	probe_expect("plain ibv_create_qp", plain);
	probe_expect("plain QP has no qp_ex", plain && !ibv_qp_to_qp_ex(plain));
	if (plain)
		probe_expect("destroy plain QP", !ibv_destroy_qp(plain));

	/* SRQ. */
	ibv_srq_init_attr sa = {};
	sa.attr.max_wr = 16;
	sa.attr.max_sge = 1;
	ibv_srq *srq = ibv_create_srq(pd, &sa);
	probe_expect("ibv_create_srq", srq);
	if (srq) {
		ibv_srq_attr sattr;
		probe_expect("ibv_query_srq", !ibv_query_srq(srq, &sattr) &&
			     sattr.max_wr >= 16);
		ibv_recv_wr rwr = {}, *rbad;
		probe_expect("post_srq_recv", !ibv_post_srq_recv(srq, &rwr, &rbad));
		sattr.srq_limit = 1;
		probe_expect("ibv_modify_srq limit",
			     !ibv_modify_srq(srq, &sattr, IBV_SRQ_LIMIT));
		probe_expect("ibv_destroy_srq", !ibv_destroy_srq(srq));
	}

	/* Memory. */
	std::vector<uint8_t> mem(1 << 16);
	ibv_mr *mr = ibv_reg_mr(pd, mem.data(), mem.size(),
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);
	probe_expect("ibv_reg_mr", mr);
	if (mr)
		probe_expect("ibv_dereg_mr", !ibv_dereg_mr(mr));
	probe_expect("ibv_alloc_mw: EOPNOTSUPP",
		     err_of(ibv_alloc_mw(pd, IBV_MW_TYPE_1)) == EOPNOTSUPP);

	probe_expect("destroy CQs", !ibv_destroy_cq(cq) &&
		     !ibv_destroy_cq(ibv_cq_ex_to_cq(cqx)));
	probe_expect("ibv_dealloc_pd", !ibv_dealloc_pd(pd));
	probe_expect("ibv_close_device", !ibv_close_device(ctx));
	probe_expect("no ring left mapped", count_uverbs_maps() == 0);
	ibv_free_device_list(list);
	printf("kiwi-apicheck: probe %s: %d failed\n", name, probe_failures);
	return probe_failures ? 1 : 0;
}

void usage()
{
	fprintf(stderr,
		"usage: kiwi-apicheck -s [-b ADDR] [-p PORT] [options]\n"
		"       kiwi-apicheck -c ADDR [-p PORT] [options]\n"
		"       kiwi-apicheck -d DEVICE\n"
		"options: --api classic|ex  --events  --drain  -n ITERS  -S SIZE\n");
	exit(2);
}

} // namespace

int main(int argc, char **argv)
{
	static const option longopts[] = {
		{ "api", required_argument, nullptr, 'A' },
		{ "events", no_argument, nullptr, 'E' },
		{ "drain", no_argument, nullptr, 'D' },
		{ nullptr, 0, nullptr, 0 },
	};
	Options o;
	bool client = false;
	const char *probe_dev = nullptr;
	int c;

	while ((c = getopt_long(argc, argv, "sb:c:d:p:n:S:", longopts,
				nullptr)) != -1) {
		switch (c) {
		case 's':
			o.server = true;
			break;
		case 'b':
			o.addr = optarg;
			break;
		case 'c':
			client = true;
			o.addr = optarg;
			break;
		case 'd':
			probe_dev = optarg;
			break;
		case 'p':
			o.port = optarg;
			break;
		case 'n':
			o.iters = atoi(optarg);
			break;
		case 'S':
			o.size = strtoul(optarg, nullptr, 0);
			break;
		case 'A':
			if (!strcmp(optarg, "ex"))
				o.ex = true;
			else if (strcmp(optarg, "classic"))
				usage();
			break;
		case 'E':
			o.events = true;
			break;
		case 'D':
			o.drain = true;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, nullptr, _IOLBF, 0);
	if (probe_dev)
		return run_probe(probe_dev);
	if (o.server == client || o.iters < 1 || o.size < sizeof(uint32_t))
		usage();
	setvbuf(stdout, nullptr, _IOLBF, 0);
	return o.server ? run_server(o) : run_client(o);
}
